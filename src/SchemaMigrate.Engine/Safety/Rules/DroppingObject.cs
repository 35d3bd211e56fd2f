namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>
/// Removing anything else the previous app may use: DROP of a view, function, type, index, trigger, schema ...,
/// ALTER TABLE ... DROP CONSTRAINT, ALTER COLUMN ... DROP DEFAULT / DROP IDENTITY, and REVOKE.
/// </summary>
public sealed class DroppingObject() : StatementRule("dropping-object", StatementClass.Contract,
    "Dropping an object, a constraint, a default or a privilege",
    "ACCESS EXCLUSIVE on the object (and on the table, for constraints, defaults, triggers and policies), briefly",
    "The previous app image may still call the function, query the view, rely on the index's plans, insert without the column (so needs its default), use ON CONFLICT on the constraint, or need the privilege.",
    "Stop using it in the app, deploy, wait for full cutover, then drop it in a contract file (-- schemamigrate:contract) run with --allow contract; drop an index with DROP INDEX CONCURRENTLY in a no-transaction file.")
{
    private static readonly string[] Handled = ["TABLE", "FOREIGN TABLE", "DATABASE", ""];

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        var t = context.Tokens;
        if (s.Verb == "DROP" && !Handled.Contains(s.Kind))
        {
            // A plain DROP INDEX is require-concurrent-index-deletion's; DROP INDEX CONCURRENTLY is a contract step.
            if (s.Name is null || IsNew(context, s) || (s.Kind == "INDEX" && !s.Concurrently)) return;
            context.Report(this, $"drops {s.Kind.ToLowerInvariant()} {s.Name}{(s.Table is { } on && s.Kind is "TRIGGER" or "POLICY" or "RULE" ? " on " + on : "")}");
        }
        else if (s.Verb == "REVOKE")
            context.Report(this, "revokes privileges the previous app may need");
        else if (s.Verb == "ALTER" && s.Kind is "TYPE" && t.Is(s.AfterName, "DROP", "ATTRIBUTE"))
            context.Report(this, t, s.AfterName, $"drops an attribute of type {s.Name}");
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (action.StartsWith("DROP", "CONSTRAINT"))
                context.Report(this, action, 0, $"drops constraint {action.Name(action.SkipGuards(2))} of {s.Name}");
            else if (action.StartsWith("ALTER") && action.Name(action.Is(1, "COLUMN") ? 2 : 1, out var next) is { } column
                     && (action.Is(next, "DROP", "DEFAULT") || action.Is(next, "DROP", "IDENTITY") || action.Is(next, "DROP", "EXPRESSION")))
                context.Report(this, action, next, $"drops the {action[next + 1].ToLowerInvariant()} of {s.Name}.{column}");
        }
    }

    private static bool IsNew(StatementContext context, StatementShape s) =>
        s.Kind is "TRIGGER" or "POLICY" or "RULE" ? context.IsNew(s.Table) : context.Facts.IsNewObject(s.Kind, s.Name!);
}
