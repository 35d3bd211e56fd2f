namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ALTER TABLE ... DETACH PARTITION on an existing table: Blocked without CONCURRENTLY, Contract with it.</summary>
public sealed class RequireConcurrentPartitionDetach() : StatementRule("require-concurrent-partition-detach", StatementClass.Blocked,
    "Detaching a partition",
    "ACCESS EXCLUSIVE on the parent table without CONCURRENTLY (blocks every read and write); SHARE UPDATE EXCLUSIVE with it",
    "The partition's rows disappear from the parent table that the previous app queries; without CONCURRENTLY all traffic on the parent also waits.",
    "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) in a no-transaction contract file, once the app no longer needs those rows through the parent.")
{
    public override string PgVersions => "14+ for CONCURRENTLY";

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (!action.StartsWith("DETACH", "PARTITION")) continue;
            var concurrent = action.Has("CONCURRENTLY") || action.Has("FINALIZE");
            context.Report(this, action, 0,
                $"detaches partition {action.Name(2)} from {context.Shape.Name}{(concurrent ? ": its rows leave the parent the previous app reads" : " under ACCESS EXCLUSIVE")}",
                concurrent ? StatementClass.Contract : StatementClass.Blocked);
        }
    }
}
