namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ALTER DOMAIN ... ADD CONSTRAINT.</summary>
public sealed class BanAlterDomainWithAddConstraint() : StatementRule("ban-alter-domain-with-add-constraint", StatementClass.Blocked,
    "Adding a constraint to a domain",
    "a lock on every table with a column of the domain while each is checked: blocks their writes",
    "Every column of the domain, in every table, is checked against the new constraint in one statement; the previous app's writes that break it start failing.",
    "Put a CHECK on the columns themselves (ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT), or ADD the domain constraint NOT VALID and VALIDATE it in a later file.")
{
    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb == "ALTER" && s.Kind == "DOMAIN" && context.Tokens.Is(s.AfterName, "ADD") && !context.Tokens.Has("NOT", "VALID"))
            context.Report(this, context.Tokens, s.AfterName, $"domain {s.Name} gets a constraint that is checked against every column using it");
    }
}
