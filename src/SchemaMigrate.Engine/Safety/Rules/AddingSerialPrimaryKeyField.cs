namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ADD PRIMARY KEY on an existing table without USING INDEX.</summary>
public sealed class AddingSerialPrimaryKeyField() : StatementRule("adding-serial-primary-key-field", StatementClass.Blocked,
    "Adding a primary key that builds its index in place",
    "ACCESS EXCLUSIVE on the table while the unique index is built: blocks every read and write",
    "The primary key's index is built under the strongest lock, so on a large table every query waits for the whole build.",
    "CREATE UNIQUE INDEX CONCURRENTLY in a no-transaction file, then ALTER TABLE ... ADD CONSTRAINT pk PRIMARY KEY USING INDEX idx, which only takes the lock briefly.")
{
    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (TableConstraint.Kind(action) == "PRIMARY" && !TableConstraint.UsingIndex(action))
                context.Report(this, action, 0, $"primary key on {context.Shape.Name} builds its index under ACCESS EXCLUSIVE");
            else if (ColumnDefinition.Of(action) is { } column && column.Clauses.Find("PRIMARY", "KEY") is var at and >= 0)
                context.Report(this, column.Clauses, at, $"column {column.Name} is added as PRIMARY KEY, which builds the index under ACCESS EXCLUSIVE");
        }
    }
}
