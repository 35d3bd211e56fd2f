using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsCommon.Get, "SchemaMigrationStatus")]
[OutputType(typeof(SchemaMigrationStatus))]
public sealed class GetSchemaMigrationStatusCommand : DatabaseCmdlet
{
    /// <summary>Migrations folder; default MIGRATIONS_DIR.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Only migrations in these states.</summary>
    [Parameter]
    public SchemaMigrationState[]? State { get; set; }

    protected override void ProcessRecord() =>
        Execute(() => new StatusOperation(BuildSettings(ConnectionParameters(Path)), State ?? []).RunAsync);
}
