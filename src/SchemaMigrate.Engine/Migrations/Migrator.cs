using System.Diagnostics;
using Azure.Core;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>What `status` found: the target, the journal (null when it does not exist yet) and every migration.</summary>
public sealed record StatusReport(string MigrationsDirectory, string Database, string? Journal, IReadOnlyList<MigrationStatus> Migrations)
{
    /// <summary>The journal's qualified name, also before it exists: where `up` creates it.</summary>
    public string? JournalName { get; init; }
}

/// <summary>What `up` would do now, in order, without changing anything (`plan`, -WhatIf).</summary>
public sealed record MigrationPlan(StatusReport Status, IReadOnlyList<MigrationFile> ToApply)
{
    /// <summary>What the deploy gate found in the files to apply (it refused nothing, or the plan would have failed).</summary>
    public Safety.GateReport Gate { get; init; } = Safety.GateReport.Empty;
}

/// <summary>
/// The apply engine (seed 003), safe when runners race, die or meet busy tables: under a session advisory lock,
/// every pending *.sql file in ordinal order, each in its own transaction together with its journal row (or
/// statement by statement under no-transaction, resumable); the first failure stops the run.
/// </summary>
public sealed class Migrator
{
    private readonly Func<DatabaseTarget> _database;

    // Not chained to the constructor below: binding a call to it would load Azure.Core, which only --auth entra uses.
    public Migrator(MigrationSettings settings)
    {
        Settings = settings;
        _database = () => DatabaseTarget.Create(settings);
    }

    /// <summary>With <paramref name="entraCredential"/>, --auth entra takes its tokens from it instead of DefaultAzureCredential.</summary>
    internal Migrator(MigrationSettings settings, TokenCredential? entraCredential)
    {
        Settings = settings;
        _database = () => DatabaseTarget.Create(settings, entraCredential);
    }

    public MigrationSettings Settings { get; }

    public Task<ApplyResult> UpAsync(IMigrationListener listener, CancellationToken ct = default) => UpAsync(listener, null, ct);

    /// <param name="only">
    /// Apply exactly these files (those not recorded yet), in order, without judging them: verify's replay of what
    /// counts as deployed before it traces the rest.
    /// </param>
    internal async Task<ApplyResult> UpAsync(IMigrationListener listener, IReadOnlySet<string>? only, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var applied = new List<AppliedMigration>();
        int alreadyApplied = 0, pending = 0;
        try
        {
            var files = MigrationDirectory.Load(Settings.MigrationsDirectory);
            PhaseTimings.Mark("files");
            var target = TargetIndex(files);

            await using var database = _database();
            await using var runLock = await MigrationLock.AcquireAsync(database, Settings, listener, ct);
            PhaseTimings.Mark("lock");
            // The lock's session reads the journal: a run with nothing to apply needs no second connection.
            NpgsqlConnection? conn = null;
            try
            {
                var table = runLock.Journal;
                var journal = await Journal.ReadAsync(runLock.Control, table, ct);
                var progress = table.Exists ? await ProgressTable.ReadAsync(runLock.Control, table.ProgressName, ct) : new Dictionary<string, StatementProgress>();
                var status = MigrationStatus.Build(files, journal, progress);
                alreadyApplied = journal.Count;
                PhaseTimings.Mark("journal");

                var recorded = journal.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
                var todo = (only is null ? files.Take(target + 1) : files.Where(f => only.Contains(f.Id))).Where(f => !recorded.Contains(f.Id)).ToList();
                pending = files.Count(f => !recorded.Contains(f.Id));
                listener.OnEvent(new RunStarted("up", Path.GetFullPath(Settings.MigrationsDirectory), database.Description, table.Name, files.Count, journal.Count, pending));
                foreach (var s in status.Where(s => s.Warnings.Count > 0))
                    listener.OnEvent(new MigrationWarning(s.Id, s.State.ToString(), s.Warnings[0]));
                if (Settings.TargetId is { } to && recorded.Contains(to))
                    listener.OnEvent(new MigrationWarning(to, MigrationState.Applied.ToString(),
                        $"{to} (the run's target) is already applied: {(todo.Count == 0 ? "nothing up to it is pending" : $"{todo.Count} file(s) before it are pending and run")}; "
                        + $"{files.Skip(target + 1).Count(f => !recorded.Contains(f.Id))} file(s) after it stay pending"));
                CheckBeforeRunning(status, todo, files, table);
                PhaseTimings.Mark("checks");
                var gate = only is null ? RunGate(files, recorded, todo) : Safety.GateReport.Empty;
                PhaseTimings.Mark("gate");
                foreach (var finding in gate.Findings) listener.OnEvent(new GateFindingReported(finding));
                if (!gate.Passed) throw new MigrationException(DeployGate.Refusal(gate.Refused));
                if (only is null && Settings.RequireTrace is { } report && DeployGate.RequireTrace(report, todo) is { } untraced) throw new MigrationException(untraced);
                if (todo.Count > 0)
                {
                    conn = await database.OpenAsync(ct);
                    PhaseTimings.Mark("connect");
                    table = await Journal.EnsureAsync(conn, table, ct);
                }

                for (int i = 0; i < todo.Count; i++)
                {
                    var file = todo[i];
                    listener.OnEvent(new MigrationStarting(file.Id, file.Directives.Names, i + 1, todo.Count, file.Directives.Marker));
                    if (!listener.ShouldApply(file))
                    {
                        listener.OnEvent(new MigrationSkipped(file.Id, "declined; nothing after it runs, to keep the order"));
                        break;
                    }
                    // A transactional file checks the lock inside its own transaction, in the same round trip.
                    if (file.Directives.NoTransaction) await runLock.EnsureHeldAsync(ct);
                    var started = Stopwatch.StartNew();
                    await new FileApplier(Settings, database, runLock, conn!, table, listener).ApplyAsync(file, progress.GetValueOrDefault(file.Id), ct);
                    var done = new AppliedMigration(file.Id, file.Checksum, file.Script.Statements.Count, started.Elapsed);
                    applied.Add(done);
                    pending--;
                    listener.OnEvent(new MigrationApplied(done.Id, done.Checksum, done.Statements, done.Elapsed));
                    PhaseTimings.Mark("apply");
                    // The next file starts as a new session would, with the role and database defaults this one changed.
                    if (i + 1 < todo.Count && file.Script.Statements.Any(SessionReset.ChangesSessionDefaults))
                        conn = await database.ReopenAsync(conn!, ct);
                }
            }
            finally
            {
                if (conn is not null) await conn.DisposeAsync();
            }
            PhaseTimings.Mark("close");
            return new ApplyResult { Applied = applied, AlreadyApplied = alreadyApplied, Pending = pending, Elapsed = clock.Elapsed };
        }
        catch (Exception e) when (e is MigrationException || (e is OperationCanceledException && ct.IsCancellationRequested) || BookkeepingFailure.From(e, ct) is not null)
        {
            var failure = e is MigrationException m ? m.Failure : BookkeepingFailure.From(e, ct)?.Failure ?? new Failure
            {
                Reason = ReasonCodes.Cancelled,
                Message = "cancelled while connecting, waiting for the lock or between migrations; nothing was left half-done",
            };
            if (failure.File is { } id && applied.All(a => a.Id != id) && failure.Reason != ReasonCodes.MigrationsDirNotFound && failure.Reason != ReasonCodes.PolicyViolation)
                listener.OnEvent(new MigrationFailed(id, failure));
            return new ApplyResult { Failure = failure, Applied = applied, AlreadyApplied = alreadyApplied, Pending = pending, Elapsed = clock.Elapsed };
        }
    }

    public async Task<StatusReport> StatusAsync(CancellationToken ct = default) => (await ReadStateAsync(ct)).Status;

    /// <summary>What `up` would apply now; fails as `up` would before running anything (--strict, a file that cannot run as written).</summary>
    public async Task<MigrationPlan> PlanAsync(CancellationToken ct = default)
    {
        var (files, status, journal) = await ReadStateAsync(ct);
        var target = TargetIndex(files);
        var recorded = status.Migrations.Where(m => m.AppliedChecksum is not null).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var toApply = files.Take(target + 1).Where(f => !recorded.Contains(f.Id)).ToArray();
        CheckBeforeRunning(status.Migrations, toApply, files, journal);
        var gate = RunGate(files, recorded, toApply);
        if (!gate.Passed) throw new MigrationException(DeployGate.Refusal(gate.Refused, "up would apply nothing"));
        if (Settings.RequireTrace is { } report && DeployGate.RequireTrace(report, toApply) is { } untraced) throw new MigrationException(untraced);
        return new MigrationPlan(status, toApply) { Gate = gate };
    }

    /// <summary>Files and journal as they are; creates nothing.</summary>
    private async Task<(IReadOnlyList<MigrationFile> Files, StatusReport Status, JournalLocation Journal)> ReadStateAsync(CancellationToken ct)
    {
        var files = MigrationDirectory.Load(Settings.MigrationsDirectory);
        PhaseTimings.Mark("files");
        await using var database = _database();
        await using var conn = await database.OpenAsync(ct);
        PhaseTimings.Mark("connect");
        try
        {
            var table = await JournalLocation.ResolveAsync(conn, Settings, ct);
            var journal = await Journal.ReadAsync(conn, table, ct);
            var progress = table.Exists ? await ProgressTable.ReadAsync(conn, table.ProgressName, ct) : new Dictionary<string, StatementProgress>();
            PhaseTimings.Mark("journal");
            var status = new StatusReport(Path.GetFullPath(Settings.MigrationsDirectory), database.Description, table.Exists ? table.Name : null,
                MigrationStatus.Build(files, journal, progress)) { JournalName = table.Name };
            return (files, status, table);
        }
        catch (Exception e) when (e is not MigrationException && BookkeepingFailure.From(e, ct) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// What must hold before anything runs: --strict integrity, the journal creatable, and every file to apply
    /// runnable as written, leaving the journal alone and not another tool's rollback.
    /// </summary>
    private void CheckBeforeRunning(IReadOnlyList<MigrationStatus> status, IReadOnlyList<MigrationFile> toApply, IReadOnlyList<MigrationFile> files, JournalLocation journal)
    {
        if (Settings.Strict && status.Where(s => s.State is MigrationState.Modified or MigrationState.OutOfOrder).ToList() is { Count: > 0 } bad)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.IntegrityCheckFailed,
                Message = $"{{strict}}: nothing was applied because {string.Join("; ", bad.Select(b => $"{b.Id} is {b.State}: {b.Warnings[0]}"))}",
                File = bad.Count == 1 ? bad[0].Id : null,
            });
        if (toApply.Count > 0) journal.EnsureCreatable();
        if (MigrationNaming.RunBlocker(files.Select(f => f.Id), toApply.Select(f => f.Id).ToList()) is { } naming)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.MigrationInvalid, Message = naming.Message, File = naming.File,
                NextStep = "Rename the file as the message says (only a file not applied anywhere yet); nothing was applied.",
            });
        var folder = files.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var file in toApply)
        {
            if (CheckRunnable(file, folder, journal) is { } failure)
                throw new MigrationException(failure);
        }
    }

    /// <summary>
    /// Every check `up` makes of a loaded file before anything runs (Test-SchemaMigration makes the same, without a
    /// database): null when the file can run as written, else its MIGRATION_INVALID failure with file and line.
    /// </summary>
    public static Failure? CheckRunnable(MigrationFile file, IReadOnlyCollection<string> folder, MigrationSettings settings) =>
        CheckRunnable(file, folder, JournalLocation.Assumed(settings));

    internal static Failure? CheckRunnable(MigrationFile file, IReadOnlyCollection<string> folder, JournalLocation journal) =>
        OtherToolFormats.NeverForward(file, folder) is { } rollback
            ? new Failure
            {
                Reason = ReasonCodes.MigrationInvalid, Message = rollback, File = file.Id,
                NextStep = "Move the rollback files out of the migrations folder (a subfolder will do: the runner does not recurse); nothing was applied.",
            }
            : StatementRules.Check(file) ?? JournalGuard.Check(file, journal);

    /// <summary>
    /// The deploy gate over what this run applies, before anything runs. Applied files are never judged again; they
    /// are read only for the tables they created.
    /// </summary>
    private Safety.GateReport RunGate(IReadOnlyList<MigrationFile> files, IReadOnlySet<string> recorded, IReadOnlyList<MigrationFile> toApply) =>
        DeployGate.Judge(files.Where(f => recorded.Contains(f.Id)), toApply, Settings);

    /// <summary>Index of the last file to apply: the --to target, or the last file.</summary>
    private int TargetIndex(IReadOnlyList<MigrationFile> files)
    {
        if (Settings.TargetId is null) return files.Count - 1;
        for (int i = 0; i < files.Count; i++)
            if (files[i].Id == Settings.TargetId) return i;
        throw new MigrationException(ReasonCodes.TargetNotFound,
            $"{{to}} {Settings.TargetId}: no such migration in {Settings.MigrationsDirectory}; use a full file name such as {files.LastOrDefault()?.Id ?? "001_name.sql"}");
    }
}
