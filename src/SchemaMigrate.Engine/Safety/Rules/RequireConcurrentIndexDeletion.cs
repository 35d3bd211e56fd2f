namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>DROP INDEX without CONCURRENTLY on an index that existed before this set.</summary>
public sealed class RequireConcurrentIndexDeletion() : StatementRule("require-concurrent-index-deletion", StatementClass.Blocked,
    "Dropping an index without CONCURRENTLY",
    "ACCESS EXCLUSIVE on the index's table: blocks every read and write while it waits for running queries",
    "The drop must wait for every query using the table to finish, and every new query queues behind it.",
    "DROP INDEX CONCURRENTLY in a no-transaction contract file (-- schemamigrate:no-transaction and -- schemamigrate:contract).")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb == "DROP" && s.Kind == "INDEX" && !s.Concurrently && s.Name is { } index && !context.IsNew(index))
            context.Report(this, $"drops index {index} under ACCESS EXCLUSIVE");
    }
}
