using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>What `status` found: the target, the journal (null when it does not exist yet) and every migration.</summary>
public sealed record StatusReport(string MigrationsDirectory, string Database, string? Journal, IReadOnlyList<MigrationStatus> Migrations);

/// <summary>What `up` would do now, in order, without changing anything (`plan`, -WhatIf).</summary>
public sealed record MigrationPlan(StatusReport Status, IReadOnlyList<MigrationFile> ToApply);

/// <summary>
/// The apply engine (seed 003): every pending *.sql file, in ordinal order, each in its own transaction together
/// with its journal row; the first failure rolls that file back and stops the run.
/// </summary>
public sealed class Migrator(MigrationSettings settings)
{
    public MigrationSettings Settings { get; } = settings;

    public async Task<ApplyResult> UpAsync(IMigrationListener listener, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var applied = new List<AppliedMigration>();
        int alreadyApplied = 0, pending = 0;
        try
        {
            var files = MigrationDirectory.Load(Settings.MigrationsDirectory);
            var target = TargetIndex(files);

            await using var database = DatabaseTarget.Create(Settings);
            await using var conn = await database.OpenAsync(ct);
            var table = await Journal.EnsureAsync(conn, ct);
            var journal = await Journal.ReadAsync(conn, table, ct);
            var status = MigrationStatus.Build(files, journal);
            alreadyApplied = journal.Count;

            foreach (var s in status.Where(s => s.Warnings.Count > 0))
                listener.OnEvent(new MigrationWarning(s.Id, s.State.ToString(), s.Warnings[0]));

            var recorded = journal.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
            var todo = files.Take(target + 1).Where(f => !recorded.Contains(f.Id)).ToList();
            pending = files.Count(f => !recorded.Contains(f.Id));
            listener.OnEvent(new RunStarted("up", Path.GetFullPath(Settings.MigrationsDirectory), database.Description, table, files.Count, journal.Count, pending));

            for (int i = 0; i < todo.Count; i++)
            {
                var file = todo[i];
                listener.OnEvent(new MigrationStarting(file.Id, file.Directives.Names, i + 1, todo.Count));
                if (!listener.ShouldApply(file))
                {
                    listener.OnEvent(new MigrationSkipped(file.Id, "declined; nothing after it runs, to keep the order"));
                    break;
                }
                var started = Stopwatch.StartNew();
                await ApplyAsync(conn, table, file, ct);
                var done = new AppliedMigration(file.Id, file.Checksum, file.Script.Statements.Count, started.Elapsed);
                applied.Add(done);
                pending--;
                listener.OnEvent(new MigrationApplied(done.Id, done.Checksum, done.Statements, done.Elapsed));
            }
            return new ApplyResult { Applied = applied, AlreadyApplied = alreadyApplied, Pending = pending, Elapsed = clock.Elapsed };
        }
        catch (MigrationException e)
        {
            if (e.Failure.File is { } id && applied.All(a => a.Id != id) && e.Reason != ReasonCodes.MigrationsDirNotFound)
                listener.OnEvent(new MigrationFailed(id, e.Failure));
            return new ApplyResult { Failure = e.Failure, Applied = applied, AlreadyApplied = alreadyApplied, Pending = pending, Elapsed = clock.Elapsed };
        }
    }

    public async Task<StatusReport> StatusAsync(CancellationToken ct = default) => (await ReadStateAsync(ct)).Status;

    public async Task<MigrationPlan> PlanAsync(CancellationToken ct = default)
    {
        var (files, status) = await ReadStateAsync(ct);
        var target = TargetIndex(files);
        var recorded = status.Migrations.Where(m => m.AppliedChecksum is not null).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        return new MigrationPlan(status, files.Take(target + 1).Where(f => !recorded.Contains(f.Id)).ToArray());
    }

    /// <summary>Files and journal as they are; creates nothing.</summary>
    private async Task<(IReadOnlyList<MigrationFile> Files, StatusReport Status)> ReadStateAsync(CancellationToken ct)
    {
        var files = MigrationDirectory.Load(Settings.MigrationsDirectory);
        await using var database = DatabaseTarget.Create(Settings);
        await using var conn = await database.OpenAsync(ct);
        var table = await Journal.FindAsync(conn, ct);
        var journal = table is null ? [] : await Journal.ReadAsync(conn, table, ct);
        var status = new StatusReport(Path.GetFullPath(Settings.MigrationsDirectory), database.Description, table, MigrationStatus.Build(files, journal));
        return (files, status);
    }

    /// <summary>Index of the last file to apply: the --to target, or the last file.</summary>
    private int TargetIndex(IReadOnlyList<MigrationFile> files)
    {
        if (Settings.TargetId is null) return files.Count - 1;
        for (int i = 0; i < files.Count; i++)
            if (files[i].Id == Settings.TargetId) return i;
        throw new MigrationException(ReasonCodes.TargetNotFound,
            $"--to {Settings.TargetId}: no such migration in {Settings.MigrationsDirectory}; use a full file name such as {files.LastOrDefault()?.Id ?? "001_name.sql"}");
    }

    private async Task ApplyAsync(NpgsqlConnection conn, string table, MigrationFile file, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        var settings = SessionSettings(file).ToList();
        await using var batch = new NpgsqlBatch(conn);
        foreach (var setting in settings) batch.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL {setting}"));
        foreach (var statement in statements) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Text));
        batch.BatchCommands.Add(Journal.Insert(table, file));
        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            batch.Transaction = tx;
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (PostgresException e)
        {
            // Npgsql marks each batch command it saw complete; the first one still Unknown is the one that failed.
            var failed = e.BatchCommand ?? batch.BatchCommands.Cast<NpgsqlBatchCommand>().FirstOrDefault(c => c.StatementType == StatementType.Unknown);
            var index = failed is null ? -1 : batch.BatchCommands.IndexOf(failed) - settings.Count;
            throw SqlFailure(file, index >= 0 && index < statements.Count ? statements[index] : null, e, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.Cancelled,
                Message = $"cancelled while applying {file.Id}; its transaction was rolled back and it is not recorded",
                File = file.Id,
            });
        }
        catch (NpgsqlException e)
        {
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.ConnectionLost,
                Message = Redactor.Redact($"connection lost while applying {file.Id}: {e.Message}; the server rolled its transaction back and it is not recorded"),
                File = file.Id,
            }, e);
        }
    }

    private IEnumerable<string> SessionSettings(MigrationFile file)
    {
        var lockTimeout = file.Directives.LockTimeout ?? Settings.LockTimeout;
        var statementTimeout = file.Directives.StatementTimeout ?? Settings.StatementTimeout;
        yield return $"lock_timeout = '{Durations.ToPostgres(lockTimeout)}'";
        if (statementTimeout > TimeSpan.Zero || file.Directives.StatementTimeout is not null)
            yield return $"statement_timeout = '{Durations.ToPostgres(statementTimeout)}'";
    }

    private static MigrationException SqlFailure(MigrationFile file, SqlStatement? statement, PostgresException e, CancellationToken ct)
    {
        var reason = e.SqlState switch
        {
            "55P03" => ReasonCodes.LockTimeout,
            "57014" when ct.IsCancellationRequested => ReasonCodes.Cancelled,
            "57014" => ReasonCodes.StatementTimeout,
            "57P01" or "57P02" or "57P03" => ReasonCodes.ConnectionLost,
            _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => ReasonCodes.ConnectionLost,
            _ => ReasonCodes.SqlApplyFailed,
        };
        int? line = statement is null ? null : e.Position > 0 ? statement.LineOfPosition(e.Position) : statement.Line;
        var where = line is null ? file.Id : $"{file.Id}:{line}";
        return new MigrationException(new Failure
        {
            Reason = reason,
            Message = Redactor.Redact($"{where}: {e.SqlState} {e.MessageText}"),
            File = file.Id,
            Line = line,
            SqlState = e.SqlState,
            Detail = Redactor.RedactOptional(e.Detail),
            Hint = Redactor.RedactOptional(e.Hint),
            Where = Redactor.RedactOptional(e.Where),
            Position = e.Position > 0 ? e.Position : null,
            Statement = statement is null ? null : Redactor.Redact(statement.Text.Length > 400 ? statement.Text[..400] + " ..." : statement.Text),
        }, e);
    }
}
