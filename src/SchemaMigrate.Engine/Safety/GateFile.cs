using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Safety;

/// <summary>A waiver written in a file as <c>-- schemamigrate:allow &lt;rule-id&gt; &lt;reason&gt;</c>.</summary>
public sealed record Waiver(string RuleId, string Reason, int Line);

/// <summary>
/// One migration file as the gate sees it. <see cref="Applied"/> files are never judged; they are read only for
/// what they created (so a later change to their tables is a change to an existing table).
/// </summary>
public sealed record GateFile(string Id, SqlScript Script)
{
    public MigrationPhase Phase { get; init; } = MigrationPhase.Expand;
    public IReadOnlyList<Waiver> Waivers { get; init; } = [];
    /// <summary>The file runs statement by statement in autocommit, not in one transaction.</summary>
    public bool NoTransaction { get; init; }
    public bool Applied { get; init; }
    /// <summary>SHA-256 of the file's bytes: what a trace report covers (`up --require-trace`).</summary>
    public string Checksum { get; init; } = "";
    /// <summary>Line of the phase directive, for the finding that names a phase this run does not allow.</summary>
    public int PhaseLine { get; init; } = 1;
}

/// <summary>How a run judges: which phases the operator allows, and the timeouts the runner sets for every statement.</summary>
public sealed record GateOptions
{
    public AllowedPhases Allowed { get; init; } = AllowedPhases.None;
    public TimeSpan LockTimeout { get; init; }
    public TimeSpan StatementTimeout { get; init; }
    /// <summary>
    /// Judge each pending file as if every file before it were deployed: only objects created in the same file
    /// count as new. What lint does when it knows nothing about what is deployed.
    /// </summary>
    public bool EachFileAlone { get; init; }
}
