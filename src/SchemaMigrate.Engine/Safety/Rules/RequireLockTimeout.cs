namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>DDL on an existing table with no lock_timeout: satisfied by the runner unless --lock-timeout 0.</summary>
public sealed class RequireLockTimeout() : StatementRule("require-lock-timeout", StatementClass.Risky,
    "DDL on an existing table without a lock_timeout",
    "whatever the statement takes; while it waits for that lock, every later query on the table queues behind it",
    "A DDL statement waiting for a lock held by a long query makes every later query on the table wait too: a brief ALTER becomes an outage.",
    "Nothing to do with SchemaMigrate's defaults: the runner sets lock_timeout (default 5s) for every migration statement and retries with backoff (--lock-retries). With --lock-timeout 0, SET lock_timeout at the top of the file.")
{
    public override void Check(StatementContext context) =>
        RequireTimeout(context, "lock_timeout", context.Options.LockTimeout, context.Facts.LockTimeoutSetInFile, ref context.Facts.LockTimeoutReportedInFile,
            "--lock-timeout is 0", " and retries after a timeout",
            context.Shape.Concurrently || (context.Tokens.Has("CONCURRENTLY") && context.Shape.Verb != "REFRESH")
                ? "a CONCURRENTLY form takes only SHARE UPDATE EXCLUSIVE, which lets reads and writes through; the runner runs it without lock_timeout on purpose, as a timeout would only fail it half-way"
                : null);
}
