using System.Diagnostics;
using System.Text.Json;

namespace SchemaMigrate.Tests.Support;

/// <summary>What one MigrateRunner process did.</summary>
public sealed record RunnerRun(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    /// <summary>The --json lines on stdout.</summary>
    public IReadOnlyList<JsonElement> Events => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(l => l.StartsWith('{'))
        .Select(l => JsonDocument.Parse(l).RootElement)
        .ToList();

    public JsonElement Result => Events.Last(e => e.GetProperty("event").GetString() == "result");

    /// <summary>The --json events of one kind ("migration.retrying", "status", ...).</summary>
    public IReadOnlyList<JsonElement> EventsOf(string name) => Events.Where(e => e.GetProperty("event").GetString() == name).ToList();
}

/// <summary>Runs the built MigrateRunner.dll as the container job does: a separate process, configured by environment.</summary>
public static class RunnerProcess
{
    /// <summary>The runner's own build output, copied beside the tests (see the CopyMigrateRunner target).</summary>
    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "runner", "MigrateRunner.dll");

    public static Process Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k is "DB_CONN" or "MIGRATIONS_DIR" || k.StartsWith("SCHEMAMIGRATE_")).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return Process.Start(psi)!;
    }

    public static async Task<RunnerRun> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new RunnerRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs against a database and a folder, the way the seed's job is configured.</summary>
    public static Task<RunnerRun> RunAsync(string connectionString, string migrationsDir, params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["DB_CONN"] = connectionString, ["MIGRATIONS_DIR"] = migrationsDir }, args);
}
