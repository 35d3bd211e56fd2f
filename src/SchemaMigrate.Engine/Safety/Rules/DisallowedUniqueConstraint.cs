namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ADD UNIQUE or EXCLUDE on an existing table without USING INDEX, or ADD COLUMN ... UNIQUE.</summary>
public sealed class DisallowedUniqueConstraint() : StatementRule("disallowed-unique-constraint", StatementClass.Blocked,
    "Adding a unique or exclusion constraint that builds its index in place",
    "ACCESS EXCLUSIVE on the table while the index is built: blocks every read and write",
    "The constraint's index is built under the strongest lock; on a large table all traffic waits for the whole build, and duplicates make it fail at the end.",
    "CREATE UNIQUE INDEX CONCURRENTLY in a no-transaction file, then ADD CONSTRAINT ... UNIQUE USING INDEX. An exclusion constraint has no such path: build it on a new table.")
{
    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (TableConstraint.Kind(action) is "UNIQUE" or "EXCLUDE" && !TableConstraint.UsingIndex(action))
                context.Report(this, action, 0, $"{TableConstraint.Kind(action)} constraint on {context.Shape.Name} builds its index under ACCESS EXCLUSIVE");
            else if (ColumnDefinition.Of(action) is { } column && column.Clauses.Find("UNIQUE") is var at and >= 0)
                context.Report(this, column.Clauses, at, $"column {column.Name} is added UNIQUE, which builds the index under ACCESS EXCLUSIVE");
        }
    }
}
