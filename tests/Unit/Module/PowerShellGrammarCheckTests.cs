using System.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>tools/ps-grammar, the syntax check that stands in for pwsh on machines without it, catches real errors.</summary>
public class PowerShellGrammarCheckTests
{
    private static async Task<(int ExitCode, string Output)> CheckAsync(string folder)
    {
        var tool = Path.Combine(Repo.Root, "tools", "ps-grammar");
        Assert.True(Directory.Exists(Path.Combine(tool, "node_modules")), "run `npm ci` in tools/ps-grammar (./test.sh does)");
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var a in new[] { Path.Combine(tool, "check.mjs"), folder }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A bound for a hung node, not a timing: parsing takes seconds, but minutes on a loaded 2-core machine.
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task A_syntax_error_fails_the_check_with_file_line_and_column()
    {
        using var folder = new MigrationFolder()
            .Add("Sound.psm1", "function Get-Thing {\n    [CmdletBinding()]\n    param([string] $Name)\n    \"thing $Name\"\n}\n")
            .Add("Broken.ps1", "$ErrorActionPreference = 'Stop'\nforeach ($x in 1..3) {\n    Write-Output (\"value \" + $x\n}\n");
        Directory.CreateDirectory(Path.Combine(folder.Path, "node_modules"));
        folder.Add(Path.Combine("node_modules", "Ignored.ps1"), "if ( {");

        var (exitCode, output) = await CheckAsync(folder.Path);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"Broken\.ps1:[34]:\d+: syntax error", output);
        Assert.DoesNotContain("Sound.psm1", output);
        Assert.DoesNotContain("Ignored.ps1", output);
    }

    [Fact]
    public async Task Sound_files_pass()
    {
        using var folder = new MigrationFolder()
            .Add("Module.psd1", "@{\n    RootModule = 'X.dll'\n    CmdletsToExport = @('Get-X')\n}\n")
            .Add("Script.ps1", "param([switch] $Force)\ntry { Get-Item . } catch { Write-Warning $_ } finally { }\n");

        var (exitCode, output) = await CheckAsync(folder.Path);

        Assert.True(exitCode == 0, output);
        Assert.Contains("2 PowerShell file(s) parsed without syntax errors", output);
    }
}
