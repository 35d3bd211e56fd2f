using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Applies one migration file on the run's work connection while the run holds the migration lock. A
/// transactional file runs as one batch in one transaction with its journal row, and is rerun from scratch
/// after a lock timeout; a no-transaction file goes to <see cref="StatementApplier"/>. Either way the session is
/// reset (<see cref="SessionReset"/>) before the journal row is written.
/// </summary>
internal sealed class FileApplier(MigrationSettings settings, MigrationLock runLock, NpgsqlConnection conn, JournalLocation journal, IMigrationListener listener)
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

    private async Task RunTransactionAsync(MigrationFile file, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        var settingsCount = 0;
        await using var batch = new NpgsqlBatch(conn);
        foreach (var setting in ApplyTiming.SessionSettings(settings, file, concurrentDdl: false))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL {setting}"));
            settingsCount++;
        }
        foreach (var statement in statements) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Text));
        foreach (var reset in SessionReset.Commands()) batch.BatchCommands.Add(reset);
        batch.BatchCommands.Add(Journal.Insert(journal, file));

        var watcher = LockWatcher.Start(runLock.Control, conn.ProcessID);
        try
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            batch.Transaction = tx;
            await batch.ExecuteNonQueryAsync(ct);
            var backend = conn.ProcessID;
            try
            {
                await tx.CommitAsync(ct);
            }
            catch (NpgsqlException e) when (e is not PostgresException && !ct.IsCancellationRequested)
            {
                await watcher.StopAsync();
                throw new MigrationException(await CommitOutcomeAsync(file, backend, e, ct), e);
            }
        }
        catch (PostgresException e)
        {
            // Npgsql marks each batch command it saw complete; the first one still Unknown is the one that failed.
            var failed = e.BatchCommand ?? batch.BatchCommands.Cast<NpgsqlBatchCommand>().FirstOrDefault(c => c.StatementType == StatementType.Unknown);
            var index = failed is null ? -1 : batch.BatchCommands.IndexOf(failed) - settingsCount;
            var blockedOn = await watcher.StopAsync();
            if (index >= statements.Count && BookkeepingFailure.From(e, ct, file.Id) is { } recording)
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
            throw new MigrationException(new Failure { Reason = ReasonCodes.Cancelled, Message = $"cancelled while applying {file.Id}{RolledBack}", File = file.Id }, e);
        }
        catch (NpgsqlException e)
        {
            throw new MigrationException(SqlFailures.ConnectionLost(file, null, $"connection lost while applying {file.Id}: {e.Message}{RolledBack}"), e);
        }
        finally
        {
            await watcher.DisposeAsync();
        }
    }

    private const string RolledBack = "; its transaction was rolled back, so nothing of it is applied or recorded";

    /// <summary>
    /// The connection died while COMMIT was under way: the journal row, committed or not with the file, says which.
    /// Read on the lock session once the old backend has gone, so a COMMIT it was still finishing is visible.
    /// </summary>
    private async Task<Failure> CommitOutcomeAsync(MigrationFile file, int backend, NpgsqlException lost, CancellationToken ct)
    {
        var what = $"the connection was lost during COMMIT of {file.Id} ({Redactor.Redact(lost.Message)})";
        try
        {
            await using var gone = new NpgsqlCommand("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1)", runLock.Control);
            gone.Parameters.Add(new NpgsqlParameter { Value = backend });
            for (var wait = Stopwatch.StartNew(); (bool)(await gone.ExecuteScalarAsync(ct))! && wait.Elapsed < TimeSpan.FromSeconds(10);)
                await Task.Delay(50, ct);
            await using var recorded = new NpgsqlCommand($"SELECT count(*) FROM {journal.Name} WHERE id = $1", runLock.Control);
            recorded.Parameters.Add(new NpgsqlParameter { Value = file.Id });
            var committed = (long)(await recorded.ExecuteScalarAsync(ct))! > 0;
            return SqlFailures.ConnectionLost(file, null, committed
                ? $"{what}; the journal shows it committed: {file.Id} is applied and recorded"
                : $"{what}; the journal shows no row for it: the COMMIT did not take effect, so nothing of it is applied or recorded") with
            {
                NextStep = "Rerun: it goes on from what the journal records.",
            };
        }
        catch (NpgsqlException check)
        {
            return SqlFailures.ConnectionLost(file, null,
                $"{what}; whether it committed is not known: the journal could not be read ({Redactor.Redact(check.Message)})") with
            {
                NextStep = $"Run status once the server answers: {file.Id} is applied if the journal lists it; then rerun.",
            };
        }
    }

}
