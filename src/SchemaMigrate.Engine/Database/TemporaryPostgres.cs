using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Database;

/// <summary>
/// A throwaway PostgreSQL cluster made from the machine's server binaries: initdb into a temporary folder,
/// password (SCRAM) authentication on 127.0.0.1 and a free port, durability off. Runs as the
/// <c>postgres</c> user when the process is root (initdb refuses root). Used by `verify` and by the tests.
/// Clusters left behind by a killed owner are removed the next time one starts.
/// </summary>
public sealed class TemporaryPostgres : IAsyncDisposable
{
    private const string FolderPrefix = "schemamigrate-pg-";
    private readonly string _root;
    private readonly string _bin;
    private bool _stopped;

    private TemporaryPostgres(string root, string bin, int port, string password)
    {
        _root = root;
        _bin = bin;
        Port = port;
        Password = password;
    }

    /// <summary>Superuser connection string (user postgres, password auth over TCP).</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Password = Password, Database = "postgres",
    }.ConnectionString;
    public int Port { get; }
    public string Password { get; }
    public string DataDirectory => Path.Combine(_root, "data");

    public static async Task<TemporaryPostgres> StartAsync(CancellationToken ct = default)
    {
        var bin = FindBinaries() ?? throw new MigrationException(ReasonCodes.DevDatabaseFailed,
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH, in SCHEMAMIGRATE_PG_BIN or under /usr/lib/postgresql/*/bin.");
        RemoveAbandoned(bin);

        var asPostgres = OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;
        var temp = asPostgres ? "/tmp" : Path.GetTempPath();
        var root = Path.Combine(temp, FolderPrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant());
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "owner.pid"), Environment.ProcessId.ToString(), ct);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        Redactor.Register(password);
        var pwfile = Path.Combine(root, "pwfile");
        await File.WriteAllTextAsync(pwfile, password + "\n", ct);

        var cluster = new TemporaryPostgres(root, bin, 0, password);
        try
        {
            if (asPostgres) await cluster.RunAsync("chown", ["-R", "postgres", root], ct, tool: true);
            await cluster.RunAsync("initdb", ["-D", cluster.DataDirectory, "-U", "postgres", $"--pwfile={pwfile}",
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"], ct);
            File.Delete(pwfile);

            for (int attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var options = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
                              "-c full_page_writes=off -c max_connections=300";
                var (code, output) = await cluster.TryRunAsync("pg_ctl",
                    ["-D", cluster.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", options, "start"], ct);
                if (code == 0) return new TemporaryPostgres(root, bin, port, password);
                if (attempt == 3)
                    throw new MigrationException(ReasonCodes.DevDatabaseFailed, $"pg_ctl start failed: {Tail(output)} {Tail(ReadLog(root))}");
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync(ct);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        if (Directory.Exists(DataDirectory))
            await TryRunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Synchronous stop for process-exit hooks, where async work is not awaited.</summary>
    public void Stop() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static void RemoveAbandoned(string bin)
    {
        foreach (var temp in new[] { "/tmp", Path.GetTempPath() }.Distinct())
        {
            if (!Directory.Exists(temp)) continue;
            foreach (var dir in Directory.EnumerateDirectories(temp, FolderPrefix + "*"))
            {
                try
                {
                    var pidFile = Path.Combine(dir, "owner.pid");
                    if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), out var pid) || IsAlive(pid)) continue;
                    new TemporaryPostgres(dir, bin, 0, "").Stop();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception) { }
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static string? FindBinaries()
    {
        static bool Has(string? dir) => dir is not null && File.Exists(Path.Combine(dir, OperatingSystem.IsWindows() ? "initdb.exe" : "initdb"));
        var configured = Environment.GetEnvironmentVariable("SCHEMAMIGRATE_PG_BIN");
        if (!string.IsNullOrEmpty(configured)) return Has(configured) ? configured : null;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).FirstOrDefault(Has);
        if (onPath is not null) return onPath;
        const string debian = "/usr/lib/postgresql";
        return Directory.Exists(debian)
            ? Directory.EnumerateDirectories(debian)
                .Select(d => Path.Combine(d, "bin"))
                .Where(Has)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task RunAsync(string program, string[] args, CancellationToken ct, bool tool = false)
    {
        var (code, output) = await TryRunAsync(program, args, ct, tool);
        if (code != 0)
            throw new MigrationException(ReasonCodes.DevDatabaseFailed, $"{program} failed (exit {code}): {Tail(output)}");
    }

    private async Task<(int Code, string Output)> TryRunAsync(string program, string[] args, CancellationToken ct, bool tool = false)
    {
        var path = tool ? program : Path.Combine(_bin, program);
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!tool && OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess)
        {
            psi.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", path }) psi.ArgumentList.Add(a);
        }
        else psi.FileName = path;
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.WorkingDirectory = _root;

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, Redactor.Redact(await stdout + await stderr));
    }

    private static string ReadLog(string root)
    {
        try { return File.ReadAllText(Path.Combine(root, "server.log")); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private static string Tail(string text) => text.Length > 600 ? "..." + text[^600..].Trim() : text.Trim();
}
