using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Engine.Safety.Trace;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// `verify --trace`: what counts as deployed (<see cref="AppliedThrough"/>, lint's option; else the journal of
/// DB_CONN; else the journal of the --dev-database copy; else nothing), and the queries files of the rollback
/// image (<see cref="AppQueries"/>) and the current image (<see cref="CurrentAppQueries"/>).
/// </summary>
public sealed record TraceRequest(string? AppliedThrough = null, string? AppQueries = null, string? CurrentAppQueries = null)
{
    /// <summary>
    /// On the scratch database: replays the deployed part with the apply engine (no gate: it is deployed), then hands
    /// every pending file to the tracer, which records each with its journal row as `up` would.
    /// </summary>
    internal async Task<(ApplyResult Apply, TraceReport? Trace)> RunAsync(MigrationSettings scratch, MigrationSettings user, IMigrationListener listener, CancellationToken ct)
    {
        var rollback = AppQueries is null ? [] : Safety.Trace.AppQueries.Load(AppQueries, OptionNames.Mark("app-queries"));
        var current = CurrentAppQueries is null ? [] : Safety.Trace.AppQueries.Load(CurrentAppQueries, OptionNames.Mark("current-app-queries"));
        var files = MigrationDirectory.Load(scratch.MigrationsDirectory);
        var names = files.Select(f => f.Id).ToList();
        var (deployed, _) = AppliedThrough is not null || user.ConnectionString is not null
            ? await Linter.DeployedAsync(user, AppliedThrough, names, ct)
            : (null, "");

        var migrator = new Migrator(scratch);
        await using var database = DatabaseTarget.Create(scratch);
        JournalLocation journal;
        await using (var conn = await database.OpenAsync(ct))
        {
            journal = await JournalLocation.ResolveAsync(conn, scratch, ct);
            deployed ??= (await Journal.ReadAsync(conn, journal, ct)).Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        }
        var replay = await migrator.UpAsync(listener, deployed, ct);
        if (!replay.Succeeded) return (replay, null);

        var recorded = (await migrator.StatusAsync(ct)).Migrations.Where(m => m.AppliedChecksum is not null).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var pending = files.Where(f => !recorded.Contains(f.Id)).ToList();
        // What `up` refuses before anything runs is not traced either: a file that cannot run as written, or touches the journal.
        foreach (var file in pending)
            if (Migrator.CheckRunnable(file, names, journal) is { } invalid)
                return (replay with { Failure = invalid, Pending = pending.Count }, null);

        var gate = DeployGate.Judge(files.Where(f => recorded.Contains(f.Id)), pending, user);
        var byId = pending.ToDictionary(f => f.Id, StringComparer.Ordinal);
        var input = new TraceInput(pending.Select(f => DeployGate.ToGateFile(f, false)).ToArray(), gate, DeployGate.Options(user))
        {
            RollbackQueries = rollback,
            CurrentQueries = current,
            MustRunAlone = s => StatementRules.RefusedInTransactionName(s) is not null,
            ChangesSessionDefaults = SessionReset.ChangesSessionDefaults,
            Units = statements => CommitUnits.Split(statements).Select(u => (u.Start, u.End, u.InTransaction)).ToArray(),
            // As FileApplier ends a file: the session state it changed is undone, then its journal row written.
            Record = async (conn, file, token) =>
            {
                await using var batch = new NpgsqlBatch(conn);
                foreach (var reset in SessionReset.Commands()) batch.BatchCommands.Add(reset);
                batch.BatchCommands.Add(Journal.Insert(journal, byId[file.Id]));
                await batch.ExecuteNonQueryAsync(token);
            },
        };
        await using (var conn = await database.OpenAsync(ct)) journal = await Journal.EnsureAsync(conn, journal, ct);
        var report = await Tracer.RunAsync(scratch.ConnectionString!, input, ct);
        var failure = report.Failure ?? (report.Refused.Count > 0 ? DeployGate.Refusal(report.Refused, "the trace ran them on the scratch database only") : null);
        var traced = report.Files.Select(f => new AppliedMigration(f.Id, f.Checksum, f.Statements.Count, f.Statements.Aggregate(TimeSpan.Zero, (t, s) => t + s.Elapsed))).ToList();
        return (new ApplyResult
        {
            Applied = [.. replay.Applied, .. traced], AlreadyApplied = replay.AlreadyApplied, Pending = pending.Count - traced.Count, Elapsed = replay.Elapsed, Failure = failure,
        }, report);
    }
}
