namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A file that looks like a migration but is never picked up (.SQL, a numbered non-.sql file).</summary>
public sealed class NamingNeverRuns() : FolderRule("naming-never-runs", StatementClass.Blocked,
    "A migration-looking file that never runs",
    "Only names ending in lowercase .sql are migrations: '004_add_index.SQL' or '004_add_index.sql.txt' is skipped on every deploy, silently.",
    "Rename it to end in .sql (if it is not applied anywhere yet), or move it out of the migrations folder.");
