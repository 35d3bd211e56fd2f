namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>An allow directive that waived nothing.</summary>
public sealed class UnusedAllow() : FolderRule("unused-allow", StatementClass.Risky,
    "An allow directive that matches no finding",
    "A waiver that matches nothing today would silently waive the same rule if the file were edited to trip it, and it tells reviewers of a danger that is not there.",
    "Remove the directive, or correct the rule id it names.");
