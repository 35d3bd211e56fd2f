using System.Security.Cryptography;
using Npgsql;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

public sealed record VerifyResult(ApplyResult Apply, StatusReport? Status, string Server)
{
    /// <summary>What `verify --trace` saw; null for a plain verify, or when it failed before tracing.</summary>
    public Safety.Trace.TraceReport? Trace { get; init; }
}

/// <summary>
/// `verify`: applies every migration from scratch to a database that exists only for this run (a throwaway
/// cluster, or a scratch database on --dev-database) and reports the resulting status. The database is
/// removed afterwards whether the migrations succeed, fail or are cancelled. With a <see cref="TraceRequest"/> it
/// traces the pending files instead of only applying them; on a --dev-database that names a database other than
/// postgres the scratch database is then a copy of it (CREATE DATABASE ... TEMPLATE), so the trace meets its data and journal.
/// </summary>
public static class Verifier
{
    public static async Task<VerifyResult> RunAsync(MigrationSettings settings, string? devDatabase, IMigrationListener listener, CancellationToken ct = default, TraceRequest? trace = null)
    {
        // Load first: a missing folder or a malformed file needs no database to be reported.
        MigrationDirectory.Load(settings.MigrationsDirectory);

        TemporaryPostgres? cluster = null;
        NpgsqlConnectionStringBuilder server;
        string serverDescription;
        if (devDatabase is null)
        {
            cluster = await TemporaryPostgres.StartAsync(ct);
            server = new NpgsqlConnectionStringBuilder(cluster.ConnectionString);
            serverDescription = $"throwaway PostgreSQL on 127.0.0.1:{cluster.Port}";
        }
        else
        {
            server = ConnectionStrings.Parse(devDatabase, OptionNames.Mark("dev-database"));
            serverDescription = ConnectionStrings.Describe(server);
        }
        Redactor.Register(server.Password);

        var scratch = "schemamigrate_verify_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var created = false;
        var admin = server;
        var template = "";
        if (trace is not null && devDatabase is not null && server.Database is { Length: > 0 } copied && copied != "postgres")
        {
            // A database cannot be copied while anyone is connected to it, this run included.
            template = $" TEMPLATE \"{copied}\"";
            admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres" };
        }
        try
        {
            await ExecuteAsync(admin, $"CREATE DATABASE \"{scratch}\"{template}", ct);
            created = true;
            var run = settings with
            {
                ConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = scratch }.ConnectionString,
                Username = null,
                Password = null,
                Auth = AuthMode.Password,
                // A database that exists only for this run has no previous app to protect: every phase may run.
                AllowedPhases = AllowedPhases.Contract | AllowedPhases.Backfill,
            };
            var migrator = new Migrator(run);
            var (apply, report) = trace is null ? (await migrator.UpAsync(listener, ct), null) : await trace.RunAsync(run, settings, listener, ct);
            var status = apply.Failure?.Reason == ReasonCodes.Cancelled ? null : await migrator.StatusAsync(CancellationToken.None);
            return new VerifyResult(apply, status, serverDescription) { Trace = report };
        }
        finally
        {
            if (created && cluster is null)
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)", CancellationToken.None);
            if (cluster is not null) await cluster.DisposeAsync();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnectionStringBuilder server, string sql, CancellationToken ct)
    {
        var description = ConnectionStrings.Describe(server);
        await using var conn = new NpgsqlConnection(server.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
        }
        catch (Exception e) when (DatabaseTarget.TranslateConnectFailure(e, description) is { } translated)
        {
            throw new MigrationException(translated.Failure with { Parameter = "dev-database" }, e);
        }
        try
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e)
        {
            throw new MigrationException(ReasonCodes.DevDatabaseFailed, $"{sql.Split(' ')[0]} DATABASE on {description} failed: {e.SqlState} {e.MessageText}", e);
        }
    }
}
