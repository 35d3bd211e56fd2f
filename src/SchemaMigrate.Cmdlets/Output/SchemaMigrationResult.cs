using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Cmdlets;

public enum SchemaMigrationOutcome
{
    Applied,
    Failed,
    Skipped,
}

/// <summary>What Invoke-SchemaMigration -PassThru reports for each migration the run reached.</summary>
public sealed class SchemaMigrationResult
{
    public required string Id { get; init; }
    public required SchemaMigrationOutcome Outcome { get; init; }
    public string? Checksum { get; init; }
    public int? Statements { get; init; }
    public TimeSpan? Elapsed { get; init; }
    /// <summary>The failure's reason code, or why the migration was skipped.</summary>
    public string? ReasonCode { get; init; }
    public string? Message { get; init; }
    /// <summary>host:port/database as user.</summary>
    public required string Database { get; init; }

    internal static SchemaMigrationResult Applied(MigrationApplied e, string database) => new()
    {
        Id = e.Id, Outcome = SchemaMigrationOutcome.Applied, Checksum = e.Checksum, Statements = e.Statements, Elapsed = e.Elapsed, Database = database,
    };

    internal static SchemaMigrationResult Failed(MigrationFailed e, string database) => new()
    {
        Id = e.Id, Outcome = SchemaMigrationOutcome.Failed, ReasonCode = e.Failure.ReasonCode, Message = Redactor.Redact(e.Failure.Message), Database = database,
    };

    internal static SchemaMigrationResult Skipped(MigrationSkipped e, string database) => new()
    {
        Id = e.Id, Outcome = SchemaMigrationOutcome.Skipped, Message = e.Reason, Database = database,
    };

    public override string ToString() => Id;
}
