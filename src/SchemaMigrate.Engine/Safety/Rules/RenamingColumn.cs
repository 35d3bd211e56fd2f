namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>RENAME COLUMN on an existing table or view.</summary>
public sealed class RenamingColumn() : StatementRule("renaming-column", StatementClass.Contract,
    "Renaming a column",
    "ACCESS EXCLUSIVE on the table, briefly",
    "The previous app image still uses the old name; its queries fail with 'column does not exist' the moment the rename commits.",
    "Add the new column, keep both in step (trigger or dual writes), backfill, switch the app, then drop the old column in a contract step. Or rename only in the app's mapping.")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb != "ALTER" || s.Kind is not ("TABLE" or "VIEW" or "MATERIALIZED VIEW") || context.IsNew(s.Name)) return;
        var rest = context.Tokens.Slice(s.AfterName);
        if (!rest.StartsWith("RENAME") || rest.Is(1, "TO") || rest.Is(1, "CONSTRAINT")) return;
        var column = rest.Name(rest.Is(1, "COLUMN") ? 2 : 1, out var next);
        if (column is not null && rest.Is(next, "TO"))
            context.Report(this, rest, 0, $"renames {s.Name}.{column} to {rest.Name(next + 1)}");
    }
}
