namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A prefix whose width differs from the folder's.</summary>
public sealed class NamingPrefixWidth() : FolderRule("naming-prefix-width", StatementClass.Risky,
    "A prefix of another width than the folder's",
    "Mixed widths (001_ and 0001_) still sort, but the next file numbered the short way can land out of order.",
    "Use the folder's width for new files (New-SchemaMigration does).");
