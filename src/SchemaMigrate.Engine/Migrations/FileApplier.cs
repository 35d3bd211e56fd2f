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
            await tx.CommitAsync(ct);
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

}
