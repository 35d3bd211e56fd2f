using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Cmdlets;

/// <summary>The engine's MigrationState, as a type PowerShell can name (-State Pending, [SchemaMigrate.Cmdlets.SchemaMigrationState]).</summary>
public enum SchemaMigrationState
{
    Applied,
    Pending,
    Modified,
    Missing,
    OutOfOrder,
    /// <summary>A no-transaction migration that stopped part-way in an earlier run (reported by engines that resume such files).</summary>
    Incomplete,
}

/// <summary>
/// One migration as Get-SchemaMigrationStatus reports it. Output types live in this assembly because PowerShell
/// cannot name types from the engine's private load context; each is filled from the engine record in one place.
/// </summary>
public sealed class SchemaMigrationStatus
{
    public required string Id { get; init; }
    public required SchemaMigrationState State { get; init; }
    /// <summary>Checksum of the file on disk (null when Missing).</summary>
    public string? Checksum { get; init; }
    /// <summary>Checksum recorded in schema_migrations (null unless applied).</summary>
    public string? AppliedChecksum { get; init; }
    public DateTimeOffset? AppliedAt { get; init; }
    public string[] Directives { get; init; } = [];
    /// <summary>Another tool's no-transaction marker the file is read by (e.g. -- atlas:txmode none), or null.</summary>
    public string? Marker { get; init; }
    public string[] Warnings { get; init; } = [];
    /// <summary>The file's full path (null when Missing).</summary>
    public string? FullName { get; init; }
    /// <summary>The migrations folder; Invoke-SchemaMigration applies from it when this object is piped in.</summary>
    public required string DirectoryName { get; init; }

    internal static SchemaMigrationStatus From(MigrationStatus status, string directory) => new()
    {
        Id = status.Id,
        State = Enum.Parse<SchemaMigrationState>(status.State.ToString()),
        Checksum = status.Checksum,
        AppliedChecksum = status.AppliedChecksum,
        AppliedAt = status.AppliedAt,
        Directives = [.. status.Directives],
        Marker = status.Marker,
        Warnings = [.. status.Warnings],
        FullName = status.Path,
        DirectoryName = directory,
    };

    public override string ToString() => Id;
}
