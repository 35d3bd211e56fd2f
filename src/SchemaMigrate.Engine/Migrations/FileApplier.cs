using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Applies one migration file on the run's work connection while the run holds the migration lock. A
/// transactional file runs as one batch in one transaction with its journal row, and is rerun from scratch
/// after a lock timeout. A no-transaction file runs statement by statement in autocommit, each statement its own
/// command, with progress recorded through the lock's control connection so a later run can resume it.
/// </summary>
internal sealed class FileApplier(MigrationSettings settings, MigrationLock runLock, NpgsqlConnection conn, string journal, IMigrationListener listener)
{
    private static readonly TimeSpan BackendPoll = TimeSpan.FromMilliseconds(500);
    private readonly string _progress = ProgressTable.NameFor(journal);

    public Task ApplyAsync(MigrationFile file, StatementProgress? earlier, CancellationToken ct)
    {
        if (file.Directives.NoTransaction) return ApplyStatementsAsync(file, earlier, ct);
        if (earlier is not null)
            throw Incomplete(file, earlier.Done,
                $"{file.Id} was started as a no-transaction migration ({earlier.Done} statement(s) ran) but no longer has the no-transaction directive",
                $"Restore the '{MigrationDirectives.Prefix}no-transaction' line and rerun to resume it; or undo what its first statements did and delete its progress row (DELETE FROM {_progress} WHERE id = '{file.Id}').");
        return ApplyInTransactionAsync(file, ct);
    }

    private async Task ApplyInTransactionAsync(MigrationFile file, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await RunTransactionAsync(file, ct);
                return;
            }
            catch (MigrationException e) when (e.Reason == ReasonCodes.LockTimeout)
            {
                if (attempt >= settings.LockRetries)
                    throw new MigrationException(e.Failure with
                    {
                        Message = e.Failure.Message + (attempt == 0 ? "; not retried ({lock-retries} 0)" : $"; still blocked after {attempt} retr{(attempt == 1 ? "y" : "ies")} ({{lock-retries}})")
                                  + RolledBack,
                    }, e);
                await BackOffAsync(file.Id, attempt, e.Failure.Message, ct);
            }
        }
    }

    private async Task RunTransactionAsync(MigrationFile file, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        var settingsCount = 0;
        await using var batch = new NpgsqlBatch(conn);
        foreach (var setting in SessionSettings(file, concurrentDdl: false))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL {setting}"));
            settingsCount++;
        }
        foreach (var statement in statements) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Text));
        batch.BatchCommands.Add(Journal.Insert(journal, file));

        var watcher = LockWatcher.Start(runLock.Control, conn.ProcessID);
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
            var index = failed is null ? -1 : batch.BatchCommands.IndexOf(failed) - settingsCount;
            var failure = SqlFailure(file, index >= 0 && index < statements.Count ? statements[index] : null, e, ct, await watcher.StopAsync());
            throw new MigrationException(failure.Reason == ReasonCodes.SqlApplyFailed || failure.Reason == ReasonCodes.LockTimeout
                ? failure : failure with { Message = failure.Message + RolledBack }, e);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            throw new MigrationException(new Failure { Reason = ReasonCodes.Cancelled, Message = $"cancelled while applying {file.Id}{RolledBack}", File = file.Id }, e);
        }
        catch (NpgsqlException e)
        {
            throw new MigrationException(ConnectionLost(file, null, $"connection lost while applying {file.Id}: {e.Message}{RolledBack}"), e);
        }
        finally
        {
            await watcher.DisposeAsync();
        }
    }

    private const string RolledBack = "; its transaction was rolled back, so nothing of it is applied or recorded";

    private async Task ApplyStatementsAsync(MigrationFile file, StatementProgress? earlier, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        var from = earlier is null ? 0 : await ResumePointAsync(file, earlier, ct);
        await ProgressTable.EnsureAsync(runLock.Control, _progress, ct);
        var hashes = StatementProgress.Hashes(statements.Take(from)).ToList();
        try
        {
            for (int i = from; i < statements.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                for (int attempt = 0; ; attempt++)
                {
                    await ProgressTable.BeginStatementAsync(runLock.Control, _progress, file.Id, statements.Count, hashes, conn.ProcessID, ct);
                    var failure = await RunStatementAsync(file, statements[i], ct);
                    if (failure is null) break;
                    var leftovers = await ProgressTable.LeftoversAsync(runLock.Control, _progress, file.Id);
                    if (failure.Reason == ReasonCodes.LockTimeout && attempt < settings.LockRetries && leftovers.Count == 0
                        && StatementRules.RetryableAfterLockTimeout(statements[i]))
                    {
                        await BackOffAsync(file.Id, attempt, $"statement {i + 1}: {failure.Message}", ct);
                        continue;
                    }
                    await ProgressTable.FailStatementAsync(runLock.Control, _progress, file.Id, failure.Message);
                    throw StoppedPartway(file, i, failure, leftovers);
                }
                hashes.Add(StatementProgress.Hash(statements[i]));
                await ProgressTable.EndStatementAsync(runLock.Control, _progress, file.Id, hashes, ct);
                listener.OnEvent(new StatementApplied(file.Id, i + 1, statements.Count, statements[i].Line, clock.Elapsed));
            }
        }
        finally
        {
            if (conn.FullState == System.Data.ConnectionState.Open)
            {
                await using var reset = new NpgsqlCommand("RESET lock_timeout; RESET statement_timeout", conn);
                await reset.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { Journal.Insert(journal, file), ProgressTable.Delete(_progress, file.Id) } };
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (NpgsqlException e)
        {
            throw new MigrationException(ConnectionLost(file, null,
                $"every statement of {file.Id} ran, but recording it failed: {e.Message}; the next run records it without running anything again"), e);
        }
    }

    /// <summary>Runs one statement alone in autocommit; returns why it failed, or null.</summary>
    private async Task<Failure?> RunStatementAsync(MigrationFile file, SqlStatement statement, CancellationToken ct)
    {
        var watcher = LockWatcher.Start(runLock.Control, conn.ProcessID);
        try
        {
            await using (var set = new NpgsqlCommand(string.Join("; ", SessionSettings(file, StatementRules.IsConcurrentDdl(statement)).Select(s => "SET " + s)), conn))
                await set.ExecuteNonQueryAsync(ct);
            // Its own command, never a batch: CREATE INDEX CONCURRENTLY and friends "cannot be executed within a pipeline".
            await using var cmd = new NpgsqlCommand(statement.Text, conn);
            await cmd.ExecuteNonQueryAsync(ct);
            return null;
        }
        catch (PostgresException e)
        {
            return SqlFailure(file, statement, e, ct, await watcher.StopAsync());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new Failure { Reason = ReasonCodes.Cancelled, Message = $"cancelled while {file.Id}:{statement.Line} ran", File = file.Id, Line = statement.Line };
        }
        catch (NpgsqlException e)
        {
            return ConnectionLost(file, statement.Line, $"{file.Id}:{statement.Line}: connection lost: {e.Message}");
        }
        finally
        {
            await watcher.DisposeAsync();
        }
    }

    /// <summary>Where an unfinished no-transaction migration continues, after checking that it safely can.</summary>
    private async Task<int> ResumePointAsync(MigrationFile file, StatementProgress earlier, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        if (earlier.RunningPid is { } pid && await ProgressTable.BackendAliveAsync(runLock.Control, pid, ct))
        {
            listener.OnEvent(new MigrationWarning(file.Id, nameof(MigrationState.Incomplete),
                $"statement {earlier.Done + 1} of {file.Id} is still running in backend pid {pid}, left by a runner that stopped; waiting up to {Durations.Format(settings.LockWait)} for it to end"));
            var clock = Stopwatch.StartNew();
            while (await ProgressTable.BackendAliveAsync(runLock.Control, pid, ct))
            {
                if (clock.Elapsed >= settings.LockWait)
                    throw Incomplete(file, earlier.Done,
                        $"statement {earlier.Done + 1} of {file.Id} is still running in backend pid {pid}, left by a runner that stopped",
                        $"Wait for it to finish, or cancel it with SELECT pg_cancel_backend({pid}); then rerun to resume {file.Id} at statement {earlier.Done + 1}.");
                await Task.Delay(BackendPoll, ct);
            }
        }

        for (int k = 0; k < earlier.Done; k++)
            if (k >= statements.Count || StatementProgress.Hash(statements[k]) != earlier.DoneHashes[k])
                throw Incomplete(file, earlier.Done,
                    $"statement {k + 1} of {file.Id} already ran in an earlier run, but the file no longer has it as it was",
                    $"Restore statements 1-{earlier.Done} as they ran (only statement {earlier.Done + 1} onward may change) and rerun; or undo what they did and delete the progress row (DELETE FROM {_progress} WHERE id = '{file.Id}') to start the file over.");

        var leftovers = await ProgressTable.LeftoversAsync(runLock.Control, _progress, file.Id);
        if (leftovers.Count > 0)
            throw Incomplete(file, earlier.Done,
                $"statement {earlier.Done + 1} of {file.Id} did not finish in an earlier run and left INVALID index {string.Join(", ", leftovers)}",
                $"{DropAdvice(leftovers)} then rerun: the runner resumes {file.Id} at statement {earlier.Done + 1}. (CREATE INDEX ... IF NOT EXISTS would silently keep an INVALID index.)");

        listener.OnEvent(new MigrationResuming(file.Id, earlier.Done + 1, statements.Count,
            earlier.Error ?? (earlier.RunningPid is null ? "an earlier run stopped after a statement" : "an earlier runner stopped while a statement ran")));
        return earlier.Done;
    }

    private MigrationException Incomplete(MigrationFile file, int done, string message, string nextStep)
    {
        var line = done < file.Script.Statements.Count ? file.Script.Statements[done].Line : (int?)null;
        return new MigrationException(new Failure { Reason = ReasonCodes.IncompleteMigration, Message = message, File = file.Id, Line = line, NextStep = nextStep });
    }

    private static MigrationException StoppedPartway(MigrationFile file, int index, Failure failure, IReadOnlyList<string> leftovers)
    {
        var ran = StatementProgress.Ran(index, file.Script.Statements.Count) + (index == 0 ? "" : index == 1 ? " and stays applied" : " and stay applied");
        var left = leftovers.Count > 0 ? $" and left INVALID index {string.Join(", ", leftovers)}" : "";
        var fix = failure.Reason == ReasonCodes.SqlApplyFailed ? $"Fix what made statement {index + 1} fail (it may be edited; the statements before it must stay unchanged), then rerun" : "Rerun";
        return new MigrationException(failure with
        {
            Message = $"{failure.Message}. {file.Id} runs without a transaction: {ran}; statement {index + 1} (line {file.Script.Statements[index].Line}) did not complete{left}",
            NextStep = (leftovers.Count > 0 ? DropAdvice(leftovers) + " " : "")
                       + $"{fix}: the runner resumes {file.Id} at statement {index + 1}. `status` shows it as Incomplete meanwhile.",
        });
    }

    private static string DropAdvice(IReadOnlyList<string> indexes) =>
        "Drop what the interrupted statement left: " + string.Join(" ", indexes.Select(i => $"DROP INDEX CONCURRENTLY IF EXISTS {i};"));

    private async Task BackOffAsync(string id, int attempt, string reason, CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt)) * (0.75 + 0.5 * Random.Shared.NextDouble()));
        listener.OnEvent(new MigrationRetrying(id, attempt + 1, settings.LockRetries, delay, reason));
        await Task.Delay(delay, ct);
    }

    /// <summary>
    /// lock_timeout (always set, so a stale session value never applies) and statement_timeout when configured.
    /// CONCURRENTLY statements run without the run-wide lock_timeout (see <see cref="StatementRules.IsConcurrentDdl"/>).
    /// </summary>
    private IEnumerable<string> SessionSettings(MigrationFile file, bool concurrentDdl)
    {
        var lockTimeout = file.Directives.LockTimeout ?? (concurrentDdl ? TimeSpan.Zero : settings.LockTimeout);
        var statementTimeout = file.Directives.StatementTimeout ?? settings.StatementTimeout;
        yield return $"lock_timeout = '{Durations.ToPostgres(lockTimeout)}'";
        if (statementTimeout > TimeSpan.Zero || file.Directives.StatementTimeout is not null)
            yield return $"statement_timeout = '{Durations.ToPostgres(statementTimeout)}'";
    }

    private static Failure ConnectionLost(MigrationFile file, int? line, string message) =>
        new() { Reason = ReasonCodes.ConnectionLost, Message = Redactor.Redact(message), File = file.Id, Line = line };

    private static Failure SqlFailure(MigrationFile file, SqlStatement? statement, PostgresException e, CancellationToken ct, string? blockedOn)
    {
        var reason = e.SqlState switch
        {
            PostgresErrorCodes.LockNotAvailable => ReasonCodes.LockTimeout,
            PostgresErrorCodes.QueryCanceled when ct.IsCancellationRequested => ReasonCodes.Cancelled,
            PostgresErrorCodes.QueryCanceled => ReasonCodes.StatementTimeout,
            PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => ReasonCodes.ConnectionLost,
            _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => ReasonCodes.ConnectionLost,
            _ => ReasonCodes.SqlApplyFailed,
        };
        int? line = statement is null ? null : e.Position > 0 ? statement.LineOfPosition(e.Position) : statement.Line;
        var where = line is null ? file.Id : $"{file.Id}:{line}";
        var waited = reason == ReasonCodes.LockTimeout ? $" (waiting for {blockedOn ?? "a lock that was released before it could be observed"})" : "";
        return new Failure
        {
            Reason = reason,
            Message = Redactor.Redact($"{where}: {e.SqlState} {e.MessageText}{waited}"),
            File = file.Id,
            Line = line,
            SqlState = e.SqlState,
            Detail = Redactor.RedactOptional(e.Detail),
            Hint = Redactor.RedactOptional(e.Hint),
            Where = Redactor.RedactOptional(e.Where),
            Position = e.Position > 0 ? e.Position : null,
            Statement = statement is null ? null : Redactor.Redact(statement.Text.Length > 400 ? statement.Text[..400] + " ..." : statement.Text),
        };
    }
}
