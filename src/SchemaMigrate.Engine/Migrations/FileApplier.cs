using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Applies one migration file on the run's work connection while the run holds the migration lock. A
/// transactional file runs as one batch, in one round trip, in one transaction with its journal row and a check
/// that the run still holds the lock, and is rerun from scratch after a lock timeout; a no-transaction file goes to <see cref="StatementApplier"/>. Either way the session is
/// reset (<see cref="SessionReset"/>) before the journal row is written.
/// </summary>
internal sealed class FileApplier(MigrationSettings settings, DatabaseTarget database, MigrationLock runLock, NpgsqlConnection conn, JournalLocation journal, IMigrationListener listener)
{
    public Task ApplyAsync(MigrationFile file, StatementProgress? earlier, CancellationToken ct)
    {
        if (file.Directives.NoTransaction) return new StatementApplier(settings, runLock, conn, journal, listener).ApplyAsync(file, earlier, ct);
        if (earlier is not null)
            throw StatementApplier.Incomplete(file, earlier.Done,
                $"{file.Id} was started as a no-transaction migration ({earlier.Done} statement(s) ran) but no longer has the no-transaction directive",
                $"Restore the '{MigrationDirectives.Prefix}no-transaction' line and rerun to resume it; or undo what its first statements did and delete its progress row (DELETE FROM {journal.ProgressName} WHERE id = '{file.Id}').");
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
                await ApplyTiming.BackOffAsync(settings, listener, file.Id, attempt, e.Failure.Message, ct);
            }
        }
    }

    /// <summary>
    /// One round trip: BEGIN, the file's SET LOCALs, its statements, the session reset, its journal row, the lock
    /// check and COMMIT go as one batch. PostgreSQL skips everything after a failed command up to the batch's end, so
    /// the transaction never commits past a failure, and the failed command tells which statement (and so which line)
    /// it was.
    /// </summary>
    private async Task RunTransactionAsync(MigrationFile file, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        await using var batch = new NpgsqlBatch(conn);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        foreach (var setting in ApplyTiming.SessionSettings(settings, file, concurrentDdl: false))
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL {setting}"));
        var firstStatement = batch.BatchCommands.Count;
        foreach (var statement in statements) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Text));
        foreach (var reset in SessionReset.Commands()) batch.BatchCommands.Add(reset);
        batch.BatchCommands.Add(Journal.Insert(journal, file));
        var lockCheck = runLock.HeldCheck();
        batch.BatchCommands.Add(lockCheck);
        var commit = new NpgsqlBatchCommand("COMMIT");
        batch.BatchCommands.Add(commit);

        var backend = conn.ProcessID;
        var watcher = LockWatcher.Start(runLock.Control, backend);
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e)
        {
            var blockedOn = await watcher.StopAsync();
            await RollBackAsync();
            // Npgsql marks each batch command it saw complete; the first one still Unknown is the one that failed.
            var failed = e.BatchCommand ?? batch.BatchCommands.Cast<NpgsqlBatchCommand>().FirstOrDefault(c => c.StatementType == StatementType.Unknown);
            if (failed == lockCheck)
                throw new MigrationException(new Failure
                {
                    Reason = ReasonCodes.ConnectionLost,
                    Message = $"the migration lock is no longer held by this run, so {file.Id} was not committed{RolledBack}; nothing more was applied",
                    File = file.Id,
                }, e);
            if ((failed is null || failed == commit) && SqlFailures.ReasonFor(e, ct, ReasonCodes.SqlApplyFailed) == ReasonCodes.ConnectionLost)
                // The session ended in its COMMIT (e.g. 57P01 while waiting for a synchronous standby): the server may
                // have committed locally already. Commands before COMMIT that failed skip it, so only this case is open.
                throw new MigrationException(await CommitOutcomeAsync(file, backend, $"{e.SqlState} {e.MessageText}", ct), e);
            var index = failed is null || failed == commit ? -1 : batch.BatchCommands.IndexOf(failed) - firstStatement;
            if (index >= statements.Count && BookkeepingFailure.From(e, ct, file.Id, failed?.CommandText) is { } recording)
                throw new MigrationException(recording.Failure with
                {
                    Message = $"every statement of {file.Id} ran, but resetting the session and recording it in {journal.Name} failed: {e.SqlState} {Redactor.Redact(e.MessageText)}{RolledBack}",
                }, e);
            var failure = SqlFailures.ForStatement(file, index >= 0 && index < statements.Count ? statements[index] : null, e, ct, blockedOn);
            throw new MigrationException(failure.Reason == ReasonCodes.SqlApplyFailed || failure.Reason == ReasonCodes.LockTimeout
                ? failure : failure with { Message = failure.Message + RolledBack }, e);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            if (conn.FullState == System.Data.ConnectionState.Open)
            {
                await RollBackAsync();
                throw new MigrationException(new Failure { Reason = ReasonCodes.Cancelled, Message = $"cancelled while applying {file.Id}{RolledBack}", File = file.Id }, e);
            }
            // Npgsql broke the connection to cancel: the batch's COMMIT may have run.
            await watcher.StopAsync();
            throw new MigrationException(await CancelledOutcomeAsync(file, backend, e.Message), e);
        }
        catch (NpgsqlException e) when (e is not PostgresException && !ct.IsCancellationRequested)
        {
            // The batch ends with COMMIT: the server may have committed before the connection went.
            await watcher.StopAsync();
            throw new MigrationException(await CommitOutcomeAsync(file, backend, e.Message, ct), e);
        }
        catch (NpgsqlException e)
        {
            // Cancelled as the connection broke: as above, the COMMIT may have run.
            await watcher.StopAsync();
            throw new MigrationException(await CancelledOutcomeAsync(file, backend, e.Message), e);
        }
        finally
        {
            await watcher.DisposeAsync();
        }
    }

    /// <summary>Ends the transaction a failed batch left open (aborted); a broken connection has ended it already.</summary>
    private async Task RollBackAsync()
    {
        if (conn.FullState != System.Data.ConnectionState.Open) return;
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", conn);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
        }
    }

    private const string RolledBack = "; its transaction was rolled back, so nothing of it is applied or recorded";

    /// <summary>How long a cancelled run still looks for what became of a COMMIT it cut off.</summary>
    private static readonly TimeSpan OutcomeBound = TimeSpan.FromSeconds(20);

    /// <summary>A cancelled run whose connection broke: what became of the COMMIT, asked within a short bound, not the cancelled token.</summary>
    private async Task<Failure> CancelledOutcomeAsync(MigrationFile file, int backend, string lost)
    {
        using var bound = new CancellationTokenSource(OutcomeBound);
        var outcome = await CommitOutcomeAsync(file, backend, lost, bound.Token);
        return outcome with { Reason = ReasonCodes.Cancelled, Message = $"cancelled while applying {file.Id}, and {outcome.Message}" };
    }

    /// <summary>
    /// The connection died while the batch that ends in COMMIT was under way: the journal row, committed or not with
    /// the file, says which. Read on the lock session once the old backend has gone (ended if it does not leave), so
    /// a COMMIT it was still finishing is visible; when the lock session went too (the server restarted, or Npgsql
    /// closed it after it broke), on a new session. A backend that cannot be ended leaves the outcome unknown.
    /// </summary>
    private async Task<Failure> CommitOutcomeAsync(MigrationFile file, int backend, string lost, CancellationToken ct)
    {
        var what = $"the connection was lost during COMMIT of {file.Id} or the statements sent with it in one batch ({Redactor.Redact(lost)})";
        bool? committed = null;
        string? unreadable;
        try
        {
            (committed, unreadable) = await OnControlAsync(file, backend, ct);
        }
        catch (OperationCanceledException)
        {
            unreadable = "no answer within the time allowed";
        }
        if (committed is { } yes)
            return SqlFailures.ConnectionLost(file, null, yes
                ? $"{what}; the journal shows it committed: {file.Id} is applied and recorded"
                : $"{what}; the journal shows no row for it: the COMMIT did not take effect, so nothing of it is applied or recorded") with
            {
                NextStep = "Rerun: it goes on from what the journal records.",
            };
        return SqlFailures.ConnectionLost(file, null, $"{what}; whether it committed is not known: {unreadable}") with
        {
            NextStep = $"Run status once the server answers: {file.Id} is applied if the journal lists it; then rerun.",
        };
    }

    private async Task<(bool?, string?)> OnControlAsync(MigrationFile file, int backend, CancellationToken ct)
    {
        var control = runLock.Control;
        if (control.FullState != System.Data.ConnectionState.Open)
            return await RecordedOnNewSessionAsync(file, backend, "the session holding the migration lock is gone", ct);
        try
        {
            return await RecordedAsync(control, file, backend, ct);
        }
        catch (NpgsqlException check)
        {
            return await RecordedOnNewSessionAsync(file, backend, check.Message, ct);
        }
        catch (InvalidOperationException check) when (control.FullState != System.Data.ConnectionState.Open)
        {
            // Npgsql closed the lock session it saw break (the lock watcher used it, or the server went away).
            return await RecordedOnNewSessionAsync(file, backend, check.Message, ct);
        }
    }

    /// <summary>
    /// Whether the journal has the file's row, once the old backend is gone: a backend still there after a while is
    /// ended, since it may yet COMMIT. Null, with why, when it does not go even so.
    /// </summary>
    private async Task<(bool?, string?)> RecordedAsync(NpgsqlConnection session, MigrationFile file, int backend, CancellationToken ct)
    {
        if (!await GoneAsync(session, backend, TimeSpan.FromSeconds(10), ct))
        {
            try
            {
                // Only a backend of this login: after a server restart the pid may belong to someone else's session.
                await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE pid = $1 AND usename = session_user", session);
                terminate.Parameters.Add(new NpgsqlParameter { Value = backend });
                await terminate.ExecuteScalarAsync(ct);
            }
            catch (PostgresException e)
            {
                return (null, Redactor.Redact($"its backend, pid {backend}, was still there after 10 s and could not be ended ({e.SqlState} {e.MessageText}), so it may still COMMIT"));
            }
            if (!await GoneAsync(session, backend, TimeSpan.FromSeconds(5), ct))
                return (null, $"its backend, pid {backend}, was still there after 10 s and did not end when terminated, so it may still COMMIT");
        }
        return (await Journal.ContainsAsync(session, journal, file.Id, ct), null);
    }

    private static async Task<bool> GoneAsync(NpgsqlConnection session, int backend, TimeSpan wait, CancellationToken ct)
    {
        for (var clock = Stopwatch.StartNew(); await ProgressTable.BackendAliveAsync(session, backend, ct); await Task.Delay(50, ct))
            if (clock.Elapsed >= wait) return false;
        return true;
    }

    /// <summary>The journal read on a new session, retried for a while as a restarting server comes back.</summary>
    private async Task<(bool?, string?)> RecordedOnNewSessionAsync(MigrationFile file, int backend, string first, CancellationToken ct)
    {
        var why = "the journal could not be read (" + Redactor.Redact(first) + ")";
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(15); await Task.Delay(250, ct))
        {
            try
            {
                await using var session = await database.OpenAsync(ct);
                return await RecordedAsync(session, file, backend, ct);
            }
            catch (Exception e) when (e is NpgsqlException or MigrationException)
            {
                why = "the journal could not be read (" + Redactor.Redact(e.Message) + ")";
            }
        }
        return (null, why);
    }
}
