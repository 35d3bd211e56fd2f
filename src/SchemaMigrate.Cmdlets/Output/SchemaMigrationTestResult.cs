namespace SchemaMigrate.Cmdlets;

/// <summary>What Test-SchemaMigration found for one file of the folder.</summary>
public sealed class SchemaMigrationTestResult
{
    public required string Id { get; init; }
    /// <summary>False when the file will not run as named or written (the errors say why).</summary>
    public required bool Valid { get; init; }
    /// <summary>True when -Verify applied it to a throwaway database.</summary>
    public bool Verified { get; init; }
    public int? Statements { get; init; }
    public string[] Directives { get; init; } = [];
    public string? Checksum { get; init; }
    /// <summary>The file's full path.</summary>
    public required string FullName { get; init; }
    /// <summary>The migrations folder; Invoke-SchemaMigration applies from it when this object is piped in.</summary>
    public required string DirectoryName { get; init; }
    /// <summary>What the deploy gate found in the file (refused ones are also written as POLICY_VIOLATION errors).</summary>
    public SchemaMigrationFinding[] Findings { get; init; } = [];
    /// <summary>With -Trace: what each statement of the file did on PostgreSQL.</summary>
    public SchemaMigrationTracedStatement[] Trace { get; init; } = [];
    /// <summary>True when the deploy gate would refuse nothing in this file.</summary>
    public bool GatePassed => Findings.All(f => f.Verdict != "Refused");

    public override string ToString() => Id;
}
