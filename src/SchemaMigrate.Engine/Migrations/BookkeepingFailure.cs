using Npgsql;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// A failure of a statement SchemaMigrate runs for itself (journal, progress table, lock, session reset) as the
/// operator sees it: its reason code, SQLSTATE, the statement and a next step, never UNEXPECTED_ERROR.
/// </summary>
internal static class BookkeepingFailure
{
    /// <summary>The failure for <paramref name="e"/>, or null when it is not a database failure.</summary>
    /// <param name="statement">The statement that failed, when the exception does not carry it (a command rather than a batch).</param>
    public static MigrationException? From(Exception e, CancellationToken ct, string? file = null, string? statement = null)
    {
        if (e is PostgresException pg)
        {
            var reason = SqlFailures.ReasonFor(pg, ct, ReasonCodes.JournalAccessFailed);
            var nextStep = pg.SqlState switch
            {
                PostgresErrorCodes.InsufficientPrivilege =>
                    "Grant the role what the statement needs (CREATE on the journal's schema to create it; USAGE on the schema and SELECT, INSERT on the journal to use it), or set SCHEMAMIGRATE_JOURNAL_SCHEMA to a schema the role owns.",
                PostgresErrorCodes.ReadOnlySqlTransaction =>
                    "The server or session is read-only (a standby, or default_transaction_read_only): point DB_CONN at the writable primary.",
                _ => null,
            };
            return new MigrationException(new Failure
            {
                Reason = reason,
                Message = Redactor.Redact($"SchemaMigrate's own bookkeeping statement failed: {pg.SqlState} {pg.MessageText}"),
                File = file,
                SqlState = pg.SqlState,
                Detail = Redactor.RedactOptional(pg.Detail),
                Hint = Redactor.RedactOptional(pg.Hint),
                Where = Redactor.RedactOptional(pg.Where),
                Statement = (pg.BatchCommand?.CommandText ?? statement) is { } sql ? Redactor.Redact(sql.Length > 400 ? sql[..400] + " ..." : sql) : null,
                NextStep = reason == ReasonCodes.JournalAccessFailed ? nextStep : null,
            }, e);
        }
        if (e is NpgsqlException)
            return new MigrationException(new Failure
            {
                Reason = ReasonCodes.ConnectionLost,
                Message = Redactor.Redact($"the database connection broke: {e.Message}"),
                File = file,
            }, e);
        return null;
    }

    /// <summary>Runs one bookkeeping command; a failure names its statement.</summary>
    public static async Task<T> RunAsync<T>(NpgsqlCommand command, Func<NpgsqlCommand, Task<T>> run, CancellationToken ct)
    {
        try
        {
            return await run(command);
        }
        catch (PostgresException e) when (From(e, ct, statement: command.CommandText) is { } failure)
        {
            throw failure;
        }
    }
}
