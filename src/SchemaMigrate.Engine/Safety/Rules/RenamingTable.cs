namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>RENAME TO or SET SCHEMA of an existing table or view.</summary>
public sealed class RenamingTable() : StatementRule("renaming-table", StatementClass.Contract,
    "Renaming a table or view, or moving it to another schema",
    "ACCESS EXCLUSIVE on the table, briefly",
    "The previous app image still uses the old name; every query it sends fails with 'relation does not exist' the moment the rename commits.",
    "Keep the name. If it must change: create a view with the new name over the table, move the app to it, then in a contract step drop the view and rename the table in one transaction.")
{
    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: false);

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb != "ALTER" || s.Kind is not ("TABLE" or "FOREIGN TABLE" or "VIEW" or "MATERIALIZED VIEW") || context.IsNew(s.Name)) return;
        var rest = context.Tokens.Slice(s.AfterName);
        if (rest.StartsWith("RENAME", "TO"))
            context.Report(this, rest, 0, $"renames {s.Kind.ToLowerInvariant()} {s.Name} to {rest.Name(2)}");
        else if (rest.StartsWith("SET", "SCHEMA"))
            context.Report(this, rest, 0, $"moves {s.Kind.ToLowerInvariant()} {s.Name} to schema {rest.Name(2)}");
    }
}
