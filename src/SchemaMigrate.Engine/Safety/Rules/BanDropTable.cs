namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>DROP TABLE of a table that existed before this set.</summary>
public sealed class BanDropTable() : StatementRule("ban-drop-table", StatementClass.Contract,
    "Dropping a table",
    "ACCESS EXCLUSIVE on the table (and on tables whose foreign keys point at it)",
    "The previous app image still reads and writes the table; its queries fail with 'relation does not exist', and the data is gone for a rollback.",
    "Remove every use from the app, deploy, wait for full cutover and a backup, then drop it in a contract file (-- schemamigrate:contract) run with --allow contract.")
{
    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb != "DROP" || s.Kind is not ("TABLE" or "FOREIGN TABLE")) return;
        foreach (var name in DroppedNames(context.Tokens, s).Where(n => !context.IsNew(n)))
            context.Report(this, $"drops table {name}");
    }

    /// <summary>Every name of DROP kind [IF EXISTS] a, b, c.</summary>
    internal static IEnumerable<ObjectName> DroppedNames(TokenRange tokens, StatementShape shape)
    {
        if (shape.Name is null) yield break;
        yield return shape.Name;
        int at = shape.AfterName;
        while (tokens[at] == "," && tokens.Name(at + 1, out var next) is { } more)
        {
            yield return more;
            at = next;
        }
    }
}
