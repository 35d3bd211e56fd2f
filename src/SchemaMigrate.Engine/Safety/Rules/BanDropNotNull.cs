namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ALTER COLUMN ... DROP NOT NULL.</summary>
public sealed class BanDropNotNull() : StatementRule("ban-drop-not-null", StatementClass.Risky,
    "Dropping NOT NULL from a column",
    "ACCESS EXCLUSIVE on the table, briefly",
    "It is the usual first step before removing a column, but the previous app (and PL/pgSQL code) may read the column assuming it is never NULL, and the new app may now write NULLs.",
    "Make sure every reader copes with NULL before the new app writes one; otherwise keep the column NOT NULL with a default or sentinel value.")
{
    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (!action.StartsWith("ALTER")) continue;
            var column = action.Name(action.Is(1, "COLUMN") ? 2 : 1, out var next);
            if (column is not null && action.Is(next, "DROP", "NOT", "NULL"))
                context.Report(this, action, next, $"{context.Shape.Name}.{column} may now hold NULL; readers of the previous app may not expect it");
        }
    }
}
