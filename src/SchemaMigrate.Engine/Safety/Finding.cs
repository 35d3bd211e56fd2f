namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// One thing the gate found: the rule, where (file, 1-based line and column), the class of the statement, what
/// this run does about it, and why. Lock, effect and recipe come from the rule; <see cref="Page"/> explains it.
/// </summary>
public sealed record Finding
{
    public required GateRule Rule { get; init; }
    public required string File { get; init; }
    public required int Line { get; init; }
    public int Column { get; init; } = 1;
    /// <summary>Usually the rule's class; a rule may raise it (a type change that also rewrites the table is Blocked).</summary>
    public required StatementClass Class { get; init; }
    public required Verdict Verdict { get; init; }
    /// <summary>What this statement does, naming the object.</summary>
    public required string Message { get; init; }
    /// <summary>Why this run refuses, allows or waives it (the phase, the waiver's reason).</summary>
    public string? Because { get; init; }

    public string RuleId => Rule.Id;
    public string Page => Rule.Page;
    public bool Refused => Verdict == Verdict.Refused;

    public override string ToString() => $"{File}:{Line}:{Column} {Rule.Id} ({Class}, {Verdict}): {Message}";
}
