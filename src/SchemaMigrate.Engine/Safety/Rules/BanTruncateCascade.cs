namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>TRUNCATE ... CASCADE.</summary>
public sealed class BanTruncateCascade() : StatementRule("ban-truncate-cascade", StatementClass.Blocked,
    "Truncating with CASCADE",
    "ACCESS EXCLUSIVE on the table and on every table that references it",
    "CASCADE empties every table with a foreign key to this one, and theirs in turn, without naming them: data the statement does not mention is gone.",
    "Name every table to empty in the TRUNCATE, in a backfill file, after checking what references them.")
{
    public override void Check(StatementContext context)
    {
        if (context.Shape.Verb == "TRUNCATE" && context.Tokens.Find("CASCADE") is var at and >= 0)
            context.Report(this, context.Tokens, at, $"TRUNCATE {context.Shape.Name} CASCADE also empties every table that references it");
    }
}
