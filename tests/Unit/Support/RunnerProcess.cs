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

    public static Process Start(IReadOnlyDictionary<string, string?> environment, params string[] args) => Start(null, environment, args);

    /// <param name="user">Another user to run as (root reads every file), through setpriv so the environment stays; null for this one.</param>
    private static Process Start(string? user, IReadOnlyDictionary<string, string?> environment, string[] args)
    {
        var psi = new ProcessStartInfo(user is null ? "dotnet" : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (user is not null)
            foreach (var a in new[] { $"--reuid={user}", $"--regid={(user == "nobody" ? "nogroup" : user)}", "--clear-groups", "dotnet" }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k is "DB_CONN" or "MIGRATIONS_DIR" || k.StartsWith("SCHEMAMIGRATE_")).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return Process.Start(psi)!;
    }

    public static Task<RunnerRun> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) => RunAsync(null, environment, args);

    public static Task<RunnerRun> RunAsAsync(string user, IReadOnlyDictionary<string, string?> environment, params string[] args) => RunAsync(user, environment, args);

    private static async Task<RunnerRun> RunAsync(string? user, IReadOnlyDictionary<string, string?> environment, string[] args)
    {
        using var process = Start(user, environment, args);
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
