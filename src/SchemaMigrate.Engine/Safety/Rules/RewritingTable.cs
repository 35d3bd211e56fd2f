namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>VACUUM FULL, CLUSTER, and ALTER TABLE ... SET LOGGED | UNLOGGED | TABLESPACE | ACCESS METHOD on an existing table.</summary>
public sealed class RewritingTable() : StatementRule("rewriting-table", StatementClass.Blocked,
    "Rewriting a table in place",
    "ACCESS EXCLUSIVE on the table for the whole rewrite: blocks every read and write",
    "The whole table (and its indexes) is copied while no query can touch it.",
    "Do it outside the deploy in a maintenance window, or with an online tool (pg_repack, or REPACK CONCURRENTLY on PostgreSQL 19+).")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: true);

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        var t = context.Tokens;
        if (s.Verb == "VACUUM" && t.HasAnywhere("FULL"))
            context.Report(this, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE");
        else if (s.Verb == "CLUSTER" && !context.IsNew(s.Table))
            context.Report(this, $"CLUSTER rewrites {s.Table?.ToString() ?? "every clustered table"} under ACCESS EXCLUSIVE");
        foreach (var action in context.ActionsOnExistingTable)
            if (action.StartsWith("SET", "LOGGED") || action.StartsWith("SET", "UNLOGGED") || action.StartsWith("SET", "TABLESPACE") || action.StartsWith("SET", "ACCESS", "METHOD"))
                context.Report(this, action, 0, $"{string.Join(' ', Enumerable.Range(0, 2).Select(i => action[i]))} rewrites {s.Name} under ACCESS EXCLUSIVE");
    }
}
