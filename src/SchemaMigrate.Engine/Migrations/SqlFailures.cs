using Npgsql;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>What a PostgreSQL error during a migration means for the operator.</summary>
internal static class SqlFailures
{
    /// <summary>unsafe_new_enum_value_usage, which Npgsql's PostgresErrorCodes does not name.</summary>
    private const string UnsafeNewEnumValueUsage = "55P04";

    /// <summary>The reason an error's SQLSTATE stands for: lock or statement timeout, cancel, lost connection, else <paramref name="otherwise"/>.</summary>
    public static ReasonCode ReasonFor(PostgresException e, CancellationToken ct, ReasonCode otherwise) => e.SqlState switch
    {
        PostgresErrorCodes.LockNotAvailable => ReasonCodes.LockTimeout,
        PostgresErrorCodes.QueryCanceled when ct.IsCancellationRequested => ReasonCodes.Cancelled,
        PostgresErrorCodes.QueryCanceled => ReasonCodes.StatementTimeout,
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => ReasonCodes.ConnectionLost,
        _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => ReasonCodes.ConnectionLost,
        _ => otherwise,
    };

    public static Failure ConnectionLost(MigrationFile file, int? line, string message) =>
        new() { Reason = ReasonCodes.ConnectionLost, Message = Redactor.Redact(message), File = file.Id, Line = line };

    /// <summary>A migration statement's failure: its reason, file and exact line, PostgreSQL's particulars and, where one is known, a specific next step.</summary>
    public static Failure ForStatement(MigrationFile file, SqlStatement? statement, PostgresException e, CancellationToken ct, string? blockedOn)
    {
        var reason = ReasonFor(e, ct, ReasonCodes.SqlApplyFailed);
        int? line = statement is null ? null : e.Position > 0 ? statement.LineOfPosition(e.Position) : statement.Line;
        var nextStep = e.SqlState switch
        {
            UnsafeNewEnumValueUsage when file.Script.Statements.FirstOrDefault(StatementRules.AddsEnumValue) is { } added =>
                $"{file.Id}:{added.Line} adds the enum label in this file's transaction, and PostgreSQL lets no statement use a new label before the transaction that added it commits. "
                + $"Split the file: keep the ALTER TYPE ... ADD VALUE (line {added.Line}) in this one and move the statements that use the new label to the next file.",
            PostgresErrorCodes.ActiveSqlTransaction =>
                $"This server refuses the statement inside a transaction block. Move it to a migration file of its own that starts with '{MigrationDirectives.Prefix}no-transaction'.",
            _ => null,
        };
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
            NextStep = nextStep,
        };
    }
}
