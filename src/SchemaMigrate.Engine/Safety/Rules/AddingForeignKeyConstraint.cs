namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A foreign key added to an existing table without NOT VALID.</summary>
public sealed class AddingForeignKeyConstraint() : StatementRule("adding-foreign-key-constraint", StatementClass.Blocked,
    "Adding a foreign key that is validated at once",
    "SHARE ROW EXCLUSIVE on both tables while every row is checked: blocks writes to both",
    "Validating the key scans the whole table with writes to it and to the referenced table blocked; on a large table the app's inserts and updates queue behind it.",
    "Add it with NOT VALID (only new rows are checked, the lock is brief), then VALIDATE CONSTRAINT in a later file: validation takes SHARE UPDATE EXCLUSIVE, which lets reads and writes through.")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.ShareRowExclusiveLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (TableConstraint.Kind(action) == "FOREIGN" && !TableConstraint.NotValid(action))
                context.Report(this, action, 0, $"foreign key on {context.Shape.Name} is validated while both tables are write-locked");
            else if (ColumnDefinition.Of(action) is { } column && column.Clauses.Find("REFERENCES") is var at and >= 0)
                context.Report(this, column.Clauses, at, $"column {column.Name} REFERENCES another table inline, which cannot be NOT VALID");
        }
    }
}
