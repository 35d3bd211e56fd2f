namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ADD COLUMN ... NOT NULL without a default on an existing table.</summary>
public sealed class AddingRequiredField() : StatementRule("adding-required-field", StatementClass.Contract,
    "Adding a NOT NULL column without a default",
    "ACCESS EXCLUSIVE on the table, briefly",
    "On a table with rows the statement fails outright; on an empty one it succeeds and then every INSERT of the previous app, which does not know the column, fails with a not-null violation.",
    "Add the column nullable, or with a constant DEFAULT (PostgreSQL 11+ stores it in the catalog, so old inserts get the default). To make it required later: backfill, CHECK ... NOT VALID, VALIDATE, then SET NOT NULL in a contract step.")
{
    public override string PgVersions => "11+";

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (ColumnDefinition.Of(action) is not { } column) continue;
            if (column.NotNull && column.Default is null && !column.Generated && !column.Serial)
                context.Report(this, column.Clauses, Math.Max(0, column.Clauses.Find("NOT")), $"column {column.Name} is NOT NULL with no default: the previous app's inserts leave it out and fail");
        }
    }
}
