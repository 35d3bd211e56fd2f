using System.Diagnostics;
using Npgsql;

namespace SchemaMigrate.Tests.Support;

/// <summary>`pg_dump --schema-only` of a database, from the machine's PostgreSQL binaries: what "the same schema" means.</summary>
public static class SchemaDump
{
    public static async Task<string> OfAsync(string connectionString)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        var psi = new ProcessStartInfo(PgDump())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--schema-only", "-h", c.Host!, "-p", c.Port.ToString(), "-U", c.Username!, "-d", c.Database! },
        };
        psi.Environment["PGPASSWORD"] = c.Password;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException("pg_dump failed: " + await stderr);
        // pg_dump 15.14+ brackets the script with \restrict <random key>; the key differs on every dump.
        return string.Join('\n', (await stdout).Split('\n').Where(l => !l.StartsWith("\\restrict ") && !l.StartsWith("\\unrestrict ")));
    }

    /// <summary>pg_dump from SCHEMAMIGRATE_PG_BIN, PATH, or the newest /usr/lib/postgresql/*/bin.</summary>
    private static string PgDump()
    {
        var folders = new[] { Environment.GetEnvironmentVariable("SCHEMAMIGRATE_PG_BIN") }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.EnumerateDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
                : []);
        return folders.Where(f => !string.IsNullOrEmpty(f)).Select(f => Path.Combine(f!, OperatingSystem.IsWindows() ? "pg_dump.exe" : "pg_dump")).FirstOrDefault(File.Exists)
               ?? throw new InvalidOperationException("pg_dump not found (SCHEMAMIGRATE_PG_BIN, PATH, /usr/lib/postgresql/*/bin)");
    }
}
