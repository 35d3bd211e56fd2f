namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A .sql file without a numeric prefix.</summary>
public sealed class NamingNoNumericPrefix() : FolderRule("naming-no-numeric-prefix", StatementClass.Blocked,
    "A migration without a numeric prefix",
    "Files run in ordinal name order; 'add_index.sql' sorts after every numbered file, so it runs last now and in a different place once newer files exist.",
    "Give it the next number (New-SchemaMigration picks it): 004_add_index.sql.");
