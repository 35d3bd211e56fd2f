namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>CREATE DOMAIN ... CHECK.</summary>
public sealed class BanCreateDomainWithConstraint() : StatementRule("ban-create-domain-with-constraint", StatementClass.Risky,
    "Creating a domain with a CHECK constraint",
    "none now; later changes to the domain's constraint lock every table that uses it",
    "Harmless today, but changing the constraint later revalidates every column of the domain at once, and casts to a constrained domain can force table rewrites.",
    "Use the base type and put the CHECK on each column, where it can be added NOT VALID and validated separately.")
{
    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        if (s.Verb == "CREATE" && s.Kind == "DOMAIN" && context.Tokens.Find("CHECK") is var at and >= 0)
            context.Report(this, context.Tokens, at, $"domain {s.Name} carries a CHECK; changing it later locks every table using it");
    }
}
