using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsCommon.New, "SchemaMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class NewSchemaMigrationCommand : SchemaMigrateCmdlet
{
    /// <summary>snake_case description, e.g. add_orders_table; the number is picked for you.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Migrations folder; default MIGRATIONS_DIR.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord() =>
        Execute(() => new NewMigrationOperation(BuildSettings(new SettingsParameters { Path = Path }).MigrationsDirectory, Name).RunAsync);
}
