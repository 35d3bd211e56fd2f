namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A file that runs after a file with a higher number (padding that breaks the order).</summary>
public sealed class NamingNumericOrder() : FolderRule("naming-numeric-order", StatementClass.Blocked,
    "A migration that runs out of numeric order",
    "Names sort character by character: '10_x.sql' runs before '9_y.sql'. The file runs where its name sorts, not where its number says.",
    "Zero-pad the prefix to the folder's width (010_x.sql) if the file is not applied anywhere yet.");
