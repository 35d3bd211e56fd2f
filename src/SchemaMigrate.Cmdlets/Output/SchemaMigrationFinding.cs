using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Cmdlets;

/// <summary>A deploy-gate finding as Test-SchemaMigration reports it; <see cref="HelpUri"/> is the rule's page.</summary>
public sealed class SchemaMigrationFinding
{
    public required string File { get; init; }
    public required int Line { get; init; }
    public int Column { get; init; }
    public required string RuleId { get; init; }
    /// <summary>Expand, Risky, Backfill, Contract, Blocked or Opaque.</summary>
    public required string Class { get; init; }
    /// <summary>Refused, Warning, Allowed, Waived or Note.</summary>
    public required string Verdict { get; init; }
    public required string Message { get; init; }
    public string? Because { get; init; }
    public required string Locks { get; init; }
    public required string Recipe { get; init; }
    public required string HelpUri { get; init; }

    internal static SchemaMigrationFinding From(Finding f) => new()
    {
        File = f.File, Line = f.Line, Column = f.Column, RuleId = f.RuleId, Class = f.Class.ToString(), Verdict = f.Verdict.ToString(),
        Message = Redactor.Redact(f.Message), Because = f.Because is null ? null : Redactor.Redact(f.Because), Locks = f.Rule.Locks,
        Recipe = f.Rule.Recipe, HelpUri = f.Rule.HelpUri,
    };

    public override string ToString() => $"{File}:{Line} {RuleId}";
}
