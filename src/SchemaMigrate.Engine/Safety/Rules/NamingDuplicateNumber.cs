namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>Two files that share a number.</summary>
public sealed class NamingDuplicateNumber() : FolderRule("naming-duplicate-number", StatementClass.Risky,
    "Two migrations with the same number",
    "They run in name order, which is rarely what two parallel branches meant; one of them usually depends on the other.",
    "Renumber the one that is not applied anywhere yet so it sorts after the other.");
