namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ALTER TABLE ... DROP COLUMN on an existing table.</summary>
public sealed class BanDropColumn() : StatementRule("ban-drop-column", StatementClass.Contract,
    "Dropping a column",
    "ACCESS EXCLUSIVE on the table, briefly (no rewrite)",
    "The previous app image still selects and inserts the column: its queries fail with 'column does not exist' until it is gone, so a rollback breaks.",
    "Stop using the column in the app first (ORMs: ignore it), deploy, wait for full cutover, then drop it in a contract file (-- schemamigrate:contract) run with --allow contract.")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (!action.StartsWith("DROP") || action.Is(1, "CONSTRAINT")) continue;
            int at = action.SkipGuards(action.Is(1, "COLUMN") ? 2 : 1);
            context.Report(this, action, 0, $"drops column {context.Shape.Name}.{action.Name(at)}");
        }
    }
}
