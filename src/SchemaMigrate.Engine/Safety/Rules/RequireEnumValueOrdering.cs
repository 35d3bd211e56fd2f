namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ALTER TYPE ... ADD VALUE without BEFORE or AFTER.</summary>
public sealed class RequireEnumValueOrdering() : StatementRule("require-enum-value-ordering", StatementClass.Risky,
    "Adding an enum value without saying where it sorts",
    "ACCESS EXCLUSIVE on the type, briefly",
    "The new label sorts after every existing one, which changes ORDER BY and range comparisons on the column; the previous app may also meet a label it does not know once the new app writes it.",
    "Say where the value belongs with BEFORE or AFTER, and make sure the previous app tolerates labels it does not know before the new app writes one.")
{
    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        var t = context.Tokens;
        if (s.Verb == "ALTER" && s.Kind == "TYPE" && t.Find("ADD", "VALUE") is var at and >= 0 && !t.Has("BEFORE") && !t.Has("AFTER"))
            context.Report(this, t, at, $"the new value of {s.Name} sorts after all existing ones");
    }
}
