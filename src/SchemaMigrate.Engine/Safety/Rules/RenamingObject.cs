namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>RENAME or SET SCHEMA of anything but a table, view or column: a type, enum value, function, schema, sequence ...</summary>
public sealed class RenamingObject() : StatementRule("renaming-object", StatementClass.Contract,
    "Renaming a type, enum value, function, schema or other object",
    "ACCESS EXCLUSIVE on the object, briefly",
    "The previous app image still names the object (calls the function, casts to the type, compares the enum label, qualifies with the schema) and fails once it is renamed.",
    "Create the object under the new name beside the old one, move the app to it, then drop the old one in a contract step. Renaming an index or a constraint is not flagged: apps rarely name them.")
{
    private static readonly string[] Elsewhere = ["TABLE", "FOREIGN TABLE", "VIEW", "MATERIALIZED VIEW", "INDEX", ""];

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb != "ALTER" || Elsewhere.Contains(s.Kind) || s.Name is null || context.Facts.IsNewObject(s.Kind, s.Name)) return;
        var rename = context.Tokens.Find("RENAME");
        var move = context.Tokens.Find("SET", "SCHEMA");
        if (rename > 0)
            context.Report(this, context.Tokens, rename, $"renames {(context.Tokens.Is(rename + 1, "VALUE") ? "a value of " : "")}{s.Kind.ToLowerInvariant()} {s.Name}");
        else if (move > 0)
            context.Report(this, context.Tokens, move, $"moves {s.Kind.ToLowerInvariant()} {s.Name} to another schema");
    }
}
