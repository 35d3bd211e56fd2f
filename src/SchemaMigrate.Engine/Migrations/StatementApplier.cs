using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Applies a no-transaction file as psql runs it: each statement its own command, in autocommit or in the
/// transactions the file opens itself (<see cref="CommitUnits"/>). Progress is recorded at each commit, through
/// the lock's control connection and, at the COMMIT of the file's own transaction, inside it, so a later run
/// resumes at the first statement that did not become permanent.
/// </summary>
internal sealed class StatementApplier(MigrationSettings settings, MigrationLock runLock, NpgsqlConnection conn, JournalLocation journal, IMigrationListener listener)
{
    private static readonly TimeSpan BackendPoll = TimeSpan.FromMilliseconds(500);
    private readonly string _progress = journal.ProgressName;

    public async Task ApplyAsync(MigrationFile file, StatementProgress? earlier, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        var units = CommitUnits.Split(statements);
        var from = earlier is null ? 0 : await ResumePointAsync(file, earlier, ct);
        var first = from == statements.Count ? units.Count : units.ToList().FindIndex(u => u.Start == from);
        if (first < 0)
            throw Incomplete(file, from,
                $"{file.Id} recorded progress up to statement {from}, which is inside a transaction the file opens itself; the file no longer matches what ran",
                $"Restore the file as it was, or undo what its first {from} statements did and delete its progress row (DELETE FROM {_progress} WHERE id = '{file.Id}') to start the file over.");
        await ProgressTable.EnsureAsync(runLock.Control, _progress, ct);
        var hashes = StatementProgress.Hashes(statements.Take(from)).ToList();
        var inChain = false;
        foreach (var unit in units.Skip(first))
        {
            for (int attempt = 0; ; attempt++)
            {
                await ProgressTable.BeginStatementAsync(runLock.Control, _progress, file.Id, statements.Count, hashes, conn.ProcessID, ct);
                var (failure, at) = await RunUnitAsync(file, unit, hashes, reopen: unit.Opener is not null && !inChain, ct);
                if (failure is null) break;
                inChain = false;
                // The lock's session may have gone with the failure (the server restarted): then the failure stands
                // as it is, unretried, and the next run finds the leftovers and the progress row as they are.
                var leftovers = await OnControlAsync(() => ProgressTable.LeftoversAsync(runLock.Control, _progress, file.Id));
                if (failure.Reason == ReasonCodes.LockTimeout && attempt < settings.LockRetries && leftovers is { Count: 0 }
                    && (unit.InTransaction || StatementRules.RetryableAfterLockTimeout(statements[at])))
                {
                    await ApplyTiming.BackOffAsync(settings, listener, file.Id, attempt, $"statement {at + 1}: {failure.Message}", ct);
                    continue;
                }
                if (leftovers is not null)
                    await OnControlAsync<object>(async () => { await ProgressTable.FailStatementAsync(runLock.Control, _progress, file.Id, failure.Message); return file; });
                throw StoppedPartway(file, unit, at, failure, leftovers ?? []);
            }
            hashes.AddRange(StatementProgress.Hashes(statements.Take(unit.End).Skip(unit.Start)));
            await ProgressTable.EndStatementAsync(runLock.Control, _progress, file.Id, hashes, ct);
            inChain = CommitUnits.Effect(statements[unit.End - 1]) == TransactionEffect.EndsAndChains;
        }

        var lockCheck = runLock.HeldCheck();
        var delete = ProgressTable.Delete(_progress, file.Id);
        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(conn, tx);
            foreach (var reset in SessionReset.Commands()) batch.BatchCommands.Add(reset);
            batch.BatchCommands.Add(Journal.Insert(journal, file));
            batch.BatchCommands.Add(delete);
            batch.BatchCommands.Add(lockCheck);
            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        // Npgsql marks each batch command it saw complete: the lock check failed when everything before it completed.
        catch (PostgresException e) when (e.BatchCommand == lockCheck || (e.BatchCommand is null && delete.StatementType != StatementType.Unknown && lockCheck.StatementType == StatementType.Unknown))
        {
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.ConnectionLost,
                Message = $"the migration lock is no longer held by this run, so {file.Id} was not recorded in {journal.Name}; every statement of it ran",
                File = file.Id,
                NextStep = $"Rerun: its progress row in {_progress} shows every statement done, so the next run records it without running anything again.",
            }, e);
        }
        catch (Exception e) when (BookkeepingFailure.From(e, ct, file.Id) is { } recording)
        {
            throw new MigrationException(recording.Failure with
            {
                Message = $"every statement of {file.Id} ran, but recording it in {journal.Name} failed: {recording.Failure.Message}; the next run records it without running anything again",
            }, e);
        }
    }

    /// <summary>
    /// Runs one commit unit, each statement its own command (never a batch: CREATE INDEX CONCURRENTLY and friends
    /// "cannot be executed within a pipeline"). Returns why it failed and at which statement, or a null failure.
    /// A unit inside the file's own transaction that fails is rolled back, as psql's session would be when it ends.
    /// </summary>
    private async Task<(Failure? Failure, int At)> RunUnitAsync(MigrationFile file, CommitUnit unit, IReadOnlyList<string> doneHashes, bool reopen, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        var at = unit.Start;
        var watcher = LockWatcher.Start(runLock.Control, conn.ProcessID);
        try
        {
            var concurrent = !unit.InTransaction && StatementRules.IsConcurrentDdl(statements[unit.Start]);
            await using (var set = new NpgsqlCommand(string.Join("; ", ApplyTiming.SessionSettings(settings, file, concurrent).Select(s => "SET " + s)), conn))
                await set.ExecuteNonQueryAsync(ct);
            // Resumed or retried inside a chain: open the transaction the way the chain's BEGIN did.
            if (reopen) await ExecuteAsync(statements[unit.Opener!.Value].Text, ct);
            for (; at < unit.End; at++)
            {
                var clock = Stopwatch.StartNew();
                var last = at == unit.End - 1;
                if (last && unit.InTransaction && CommitsAtEnd(file, unit)
                    && await RecordInsideAsync(file, doneHashes.Concat(StatementProgress.Hashes(statements.Take(unit.End).Skip(unit.Start))).ToList(), ct) is { } unrecorded)
                {
                    await watcher.StopAsync();
                    await RollBackAsync(unit);
                    return (unrecorded, at);
                }
                await ExecuteAsync(statements[at].Text, ct);
                listener.OnEvent(new StatementApplied(file.Id, at + 1, statements.Count, statements[at].Line, clock.Elapsed, Committed: !unit.InTransaction || last));
            }
            return (null, at);
        }
        catch (PostgresException e)
        {
            var blockedOn = await watcher.StopAsync();
            await RollBackAsync(unit);
            return (SqlFailures.ForStatement(file, statements[Math.Min(at, unit.End - 1)], e, ct, blockedOn), Math.Min(at, unit.End - 1));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await RollBackAsync(unit);
            var statement = statements[Math.Min(at, unit.End - 1)];
            return (new Failure { Reason = ReasonCodes.Cancelled, Message = $"cancelled while {file.Id}:{statement.Line} ran", File = file.Id, Line = statement.Line }, Math.Min(at, unit.End - 1));
        }
        catch (NpgsqlException e)
        {
            var statement = statements[Math.Min(at, unit.End - 1)];
            return (SqlFailures.ConnectionLost(file, statement.Line, $"{file.Id}:{statement.Line}: connection lost: {e.Message}"), Math.Min(at, unit.End - 1));
        }
        finally
        {
            await watcher.DisposeAsync();
        }
    }

    /// <summary>A bookkeeping read or write on the lock's session after a failure; null when that session is gone too.</summary>
    private async Task<T?> OnControlAsync<T>(Func<Task<T>> run) where T : class
    {
        if (runLock.Control.FullState != System.Data.ConnectionState.Open) return null;
        try
        {
            return await run();
        }
        catch (NpgsqlException e) when (e is not PostgresException || runLock.Control.FullState != System.Data.ConnectionState.Open)
        {
            return null;
        }
        catch (InvalidOperationException) when (runLock.Control.FullState != System.Data.ConnectionState.Open)
        {
            // Npgsql closes a connection it saw break.
            return null;
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether the unit's last statement commits (not a ROLLBACK), in a transaction that may write.</summary>
    private static bool CommitsAtEnd(MigrationFile file, CommitUnit unit)
    {
        var statements = file.Script.Statements;
        var end = statements[unit.End - 1];
        var opener = statements[unit.Opener ?? unit.Start];
        return (end.StartsWith("COMMIT") || end.StartsWith("END")) && !(opener.Contains("READ") && opener.Contains("ONLY"));
    }

    /// <summary>
    /// Advances the progress row inside the file's own transaction, just before its COMMIT: the transaction and
    /// the progress it stands for then become permanent together, or not at all. As the login role, whatever role
    /// the file set (SET LOCAL, so the file's own settings hold again after the COMMIT).
    /// </summary>
    private async Task<Failure?> RecordInsideAsync(MigrationFile file, IReadOnlyList<string> hashes, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SET LOCAL SESSION AUTHORIZATION DEFAULT"),
                new NpgsqlBatchCommand("SET LOCAL ROLE NONE"),
                new NpgsqlBatchCommand($"UPDATE {_progress} SET done = $2, done_hashes = $3, updated_at = pg_catalog.now() WHERE id = $1")
                {
                    Parameters = { new NpgsqlParameter { Value = file.Id }, new NpgsqlParameter { Value = hashes.Count }, new NpgsqlParameter { Value = hashes.ToArray() } },
                },
            },
        };
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
            return null;
        }
        catch (PostgresException e) when (BookkeepingFailure.From(e, ct, file.Id) is { } failure)
        {
            return failure.Failure with { Message = $"recording the progress of {file.Id} inside its own transaction failed: {e.SqlState} {Redactor.Redact(e.MessageText)}" };
        }
    }

    /// <summary>Ends the file's own transaction after a failure in it (the server already aborted it).</summary>
    private async Task RollBackAsync(CommitUnit unit)
    {
        if (!unit.InTransaction || conn.FullState != System.Data.ConnectionState.Open) return;
        try
        {
            await ExecuteAsync("ROLLBACK", CancellationToken.None);
        }
        catch (NpgsqlException)
        {
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

    public static MigrationException Incomplete(MigrationFile file, int done, string message, string nextStep)
    {
        var line = done < file.Script.Statements.Count ? file.Script.Statements[done].Line : (int?)null;
        return new MigrationException(new Failure { Reason = ReasonCodes.IncompleteMigration, Message = message, File = file.Id, Line = line, NextStep = nextStep });
    }

    private static MigrationException StoppedPartway(MigrationFile file, CommitUnit unit, int index, Failure failure, IReadOnlyList<string> leftovers)
    {
        var statements = file.Script.Statements;
        var resume = unit.Start;
        var ran = StatementProgress.Ran(resume, statements.Count) + (resume == 0 ? "" : resume == 1 ? " and stays applied" : " and stay applied");
        var left = leftovers.Count > 0 ? $" and left INVALID index {string.Join(", ", leftovers)}" : "";
        var opened = statements[unit.Opener ?? unit.Start].Line;
        // A connection lost in the COMMIT itself may have come after the server committed (and the progress row with it).
        var commitUnknown = failure.Reason == ReasonCodes.ConnectionLost && unit.InTransaction && index == unit.End - 1 && CommitsAtEnd(file, unit);
        var what = commitUnknown
            ? $"the connection was lost during the COMMIT (line {statements[index].Line}) of the file's own transaction (opened at line {opened}), so whether statements {resume + 1}-{index + 1} took effect is not known: the progress row, committed with them or not at all, decides where a rerun resumes"
            : unit.InTransaction
            ? $"statement {index + 1} (line {statements[index].Line}) failed in the file's own transaction (opened at line {opened}), which was rolled back with statements {resume + 1}-{index + 1}"
            : $"statement {index + 1} (line {statements[index].Line}) did not complete{left}";
        var fix = failure.Reason == ReasonCodes.SqlApplyFailed
            ? $"Fix what made statement {index + 1} fail (it may be edited{resume switch { 0 => "", 1 => "; statement 1 must stay unchanged", _ => $"; statements 1-{resume} must stay unchanged" }}), then rerun"
            : "Rerun";
        return new MigrationException(failure with
        {
            Message = $"{failure.Message}. {file.Id} runs without a transaction: {ran}; {what}",
            NextStep = (leftovers.Count > 0 ? DropAdvice(leftovers) + " " : "")
                       + (commitUnknown
                           ? $"{fix}: the runner resumes {file.Id} at statement {resume + 1} if that transaction was rolled back, after statement {index + 1} if it committed. `status` shows it as Incomplete meanwhile."
                           : $"{fix}: the runner resumes {file.Id} at statement {resume + 1}. `status` shows it as Incomplete meanwhile.")
                       + (failure.NextStep is { } specific && failure.Reason == ReasonCodes.SqlApplyFailed ? " " + specific : ""),
        });
    }

    private static string DropAdvice(IReadOnlyList<string> indexes) =>
        "Drop what the interrupted statement left: " + string.Join(" ", indexes.Select(i => $"DROP INDEX CONCURRENTLY IF EXISTS {i};"));
}
