namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>SET NOT NULL on an existing column without a validated CHECK (column IS NOT NULL).</summary>
public sealed class AddingNotNullableField() : StatementRule("adding-not-nullable-field", StatementClass.Contract,
    "Setting NOT NULL on an existing column",
    "ACCESS EXCLUSIVE on the table while every row is scanned: blocks every read and write",
    "The previous app may still write NULL into the column, and those writes fail once the constraint holds; the scan also blocks all traffic. It is a hard NOT NULL without a prior backfill (seed 000: deferred contract step).",
    "Expand: ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID. Backfill the NULLs in a backfill job. Then VALIDATE CONSTRAINT c in its own file, and in the contract step SET NOT NULL, which on PostgreSQL 12+ uses the validated check instead of a scan; drop the check afterwards.")
{
    public override string PgVersions => "12+ (the validated-check shortcut)";

    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (!action.StartsWith("ALTER")) continue;
            int at = action.Is(1, "COLUMN") ? 2 : 1;
            var column = action.Name(at, out var next);
            if (column is null || !action.Is(next, "SET", "NOT", "NULL")) continue;
            if (context.Facts.HasValidatedNotNullCheck(context.Shape.Name!, column.Name)) continue;
            context.Report(this, action, next, $"{context.Shape.Name}.{column} becomes NOT NULL with no validated CHECK ({column} IS NOT NULL) seen before it");
        }
    }
}
