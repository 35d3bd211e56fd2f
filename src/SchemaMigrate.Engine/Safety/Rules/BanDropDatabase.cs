namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>DROP DATABASE.</summary>
public sealed class BanDropDatabase() : StatementRule("ban-drop-database", StatementClass.Blocked,
    "Dropping a database",
    "exclusive access to the database: every session in it must end",
    "Everything in the database is gone for every app image; no migration should do this.",
    "None in a migration: drop databases by hand, after a backup, outside the deploy.")
{
    public override string PgVersions => "any";

    public override void Check(StatementContext context)
    {
        if (context.Shape.Verb == "DROP" && context.Shape.Kind == "DATABASE")
            context.Report(this, $"drops database {context.Shape.Name}");
    }
}
