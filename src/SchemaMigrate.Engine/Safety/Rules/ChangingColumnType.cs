namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ALTER COLUMN ... [SET DATA] TYPE on an existing table.</summary>
public sealed class ChangingColumnType() : StatementRule("changing-column-type", StatementClass.Contract,
    "Changing a column's type",
    "ACCESS EXCLUSIVE on the table; for most changes for the whole rewrite of the table and its indexes",
    "The previous app reads and writes the old type (drivers map it, code compares it), and unless the change is binary-coercible (varchar to text, a longer varchar) PostgreSQL rewrites the table under the strongest lock. With a USING clause or to any other type it is Blocked as well.",
    "Add a new column of the new type, keep both in step (trigger or dual writes), backfill it in a backfill job, switch reads, then drop the old column in a contract step.")
{
    /// <summary>Targets that are binary-coercible from varchar/text, so no rewrite: the change is Contract only.</summary>
    private static readonly HashSet<string> NoRewriteTargets = new(StringComparer.Ordinal) { "TEXT", "VARCHAR", "CITEXT" };

    /// <summary>The binary-coercible changes (reported as Contract) keep the table; the rest (Blocked) rewrite it.</summary>
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: @class == StatementClass.Blocked);

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (!action.StartsWith("ALTER")) continue;
            var column = action.Name(action.Is(1, "COLUMN") ? 2 : 1, out var next);
            if (column is null) continue;
            int type = action.Is(next, "TYPE") ? next + 1 : action.Is(next, "SET", "DATA", "TYPE") ? next + 3 : -1;
            if (type < 0) continue;
            var target = action.Slice(type);
            var plain = target.Count == 1 && NoRewriteTargets.Contains(target[0])
                        || target.Count == 2 && target[0] == "CHARACTER" && target[1] == "VARYING";
            context.Report(this, action, next,
                plain ? $"{context.Shape.Name}.{column} changes type to {target[0].ToLowerInvariant()}: the previous app still expects the old one"
                      : $"{context.Shape.Name}.{column} changes type{(action.Has("USING") ? " with USING" : "")}: PostgreSQL rewrites the table under ACCESS EXCLUSIVE, and the previous app expects the old type",
                plain ? StatementClass.Contract : StatementClass.Blocked);
        }
    }
}
