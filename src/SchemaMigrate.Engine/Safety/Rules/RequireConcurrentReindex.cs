namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>REINDEX without CONCURRENTLY.</summary>
public sealed class RequireConcurrentReindex() : StatementRule("require-concurrent-reindex", StatementClass.Blocked,
    "Rebuilding an index without CONCURRENTLY",
    "SHARE on the table (blocks writes) and ACCESS EXCLUSIVE on the index (blocks queries that would use it) for the whole rebuild",
    "Writes to the table and the queries planned on the index wait for the whole rebuild.",
    "REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a file that starts with '-- schemamigrate:no-transaction'.")
{
    public override void Check(StatementContext context)
    {
        if (context.Shape.Verb == "REINDEX" && !context.Tokens.HasAnywhere("CONCURRENTLY"))
            context.Report(this, "REINDEX without CONCURRENTLY blocks writes for the whole rebuild");
    }
}
