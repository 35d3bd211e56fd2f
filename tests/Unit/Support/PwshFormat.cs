using System.Diagnostics;
using System.Text.Json;

namespace SchemaMigrate.Tests.Support;

/// <summary>
/// Renders results the way an operator's pwsh prints them: the pinned pwsh (.tools/pwsh, installed by test.sh) imports
/// the built module and formats the objects with its real format views at the given width. The objects travel as JSON
/// and get their type's name back (PSTypeNames), which is all a view selects on.
/// </summary>
public static class PwshFormat
{
    public static string Executable
    {
        get
        {
            var pinned = Path.Combine(Repo.Root, ".tools", "pwsh", OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            Assert.True(File.Exists(pinned), $"{pinned} is missing: ./test.sh installs pwsh 7.6.9 there");
            return pinned;
        }
    }

    public static async Task<string> TableAsync<T>(IReadOnlyList<T> items, int width = 120)
    {
        var json = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(items));
            var manifest = Path.Combine(Repo.Root, "out", "SchemaMigrate", "SchemaMigrate.psd1");
            var script = $"$PSStyle.OutputRendering = 'PlainText'; Import-Module '{manifest}'; " +
                $"$items = @(Get-Content -Raw '{json}' | ConvertFrom-Json -DateKind Offset); " +
                $"$items | ForEach-Object {{ $_.PSTypeNames.Insert(0, '{typeof(T).FullName}') }}; " +
                $"$items | Out-String -Width {width}";
            var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", script }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(process.ExitCode == 0, await stderr);
            // The table as a page shows it: no blank lines around it, no trailing spaces.
            return string.Join("\n", (await stdout).ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).SkipWhile(l => l == "").Reverse().SkipWhile(l => l == "").Reverse());
        }
        finally
        {
            File.Delete(json);
        }
    }
}
