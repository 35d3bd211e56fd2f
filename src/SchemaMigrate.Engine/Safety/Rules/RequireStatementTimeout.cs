namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>DDL on an existing table with no statement_timeout: satisfied by the runner when --statement-timeout is set.</summary>
public sealed class RequireStatementTimeout() : StatementRule("require-statement-timeout", StatementClass.Risky,
    "DDL on an existing table without a statement_timeout",
    "whatever the statement takes, for as long as it runs",
    "A statement that runs far longer than expected (a scan, a rewrite) holds its lock for all that time; nothing stops it before the deploy's own timeout.",
    "Pass --statement-timeout (SCHEMAMIGRATE_STATEMENT_TIMEOUT; the runner then sets it for every migration statement), or SET statement_timeout at the top of the file; use the statement-timeout directive for a file that is known to be long.")
{
    public override void Check(StatementContext context) =>
        RequireTimeout(context, "statement_timeout", context.Options.StatementTimeout, context.Facts.StatementTimeoutSetInFile, ref context.Facts.StatementTimeoutReportedInFile,
            "--statement-timeout is not set");
}
