namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>CREATE INDEX without CONCURRENTLY on a table that existed before this set.</summary>
public sealed class RequireConcurrentIndexCreation() : StatementRule("require-concurrent-index-creation", StatementClass.Blocked,
    "Creating an index without CONCURRENTLY on an existing table",
    "SHARE on the table for the whole build: blocks every write (reads go on)",
    "Inserts, updates and deletes of the app wait for the whole index build; on a large table that is minutes of failed requests.",
    "CREATE INDEX CONCURRENTLY in a file that starts with '-- schemamigrate:no-transaction' (it cannot run in a transaction). On a table created in the same set a plain CREATE INDEX is fine.")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.ShareLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb == "CREATE" && s.Kind == "INDEX" && !s.Concurrently && s.Table is { } table && !context.IsNew(table))
            context.Report(this, $"index {s.Name?.ToString() ?? "(unnamed)"} on existing table {table} is built while writes wait");
    }
}
