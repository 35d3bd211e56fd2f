using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsDiagnostic.Test, "SchemaMigration", DefaultParameterSetName = StaticSet)]
[OutputType(typeof(SchemaMigrationTestResult))]
public sealed class TestSchemaMigrationCommand : SchemaMigrateCmdlet
{
    private const string StaticSet = "Static";
    private const string VerifySet = "Verify";
    private const string TraceSet = "Trace";

    /// <summary>Migrations folder; default MIGRATIONS_DIR.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Also apply every migration to a throwaway database.</summary>
    [Parameter(Mandatory = true, ParameterSetName = VerifySet)]
    public SwitchParameter Verify { get; set; }

    /// <summary>
    /// Replay what is deployed on a throwaway database, then run every pending statement there and report its locks,
    /// rewrites, the schema diff and the app images' queries, as `MigrateRunner verify --trace` does.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = TraceSet)]
    public SwitchParameter Trace { get; set; }

    /// <summary>
    /// With -Verify: create and drop a scratch database on this server instead of starting a throwaway cluster. With
    /// -Trace, a connection string naming a database other than postgres makes the scratch database a copy of it.
    /// </summary>
    [Parameter(ParameterSetName = VerifySet)]
    [Parameter(ParameterSetName = TraceSet)]
    [ValidateNotNullOrEmpty]
    public string? DevDatabase { get; set; }

    /// <summary>With -Trace: the rollback image's SQL, one statement per line or ';'-separated; each must still prepare after the pending files.</summary>
    [Parameter(ParameterSetName = TraceSet)]
    [ValidateNotNullOrEmpty]
    public string? AppQueries { get; set; }

    /// <summary>With -Trace: the current image's SQL, prepared before and after the pending files.</summary>
    [Parameter(ParameterSetName = TraceSet)]
    [ValidateNotNullOrEmpty]
    public string? CurrentAppQueries { get; set; }

    /// <summary>The newest deployed migration: files up to it are never judged by the gate ('none': nothing is deployed yet).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AppliedThrough { get; set; }

    /// <summary>Judge as a run that allows these phases beyond expand would.</summary>
    [Parameter]
    [ValidateSet("Contract", "Backfill")]
    public string[]? Allow { get; set; }

    /// <summary>With -Verify or -Trace: the journal's schema in the scratch database; default SCHEMAMIGRATE_JOURNAL_SCHEMA.</summary>
    [Parameter(ParameterSetName = VerifySet)]
    [Parameter(ParameterSetName = TraceSet)]
    [ValidateNotNullOrEmpty]
    public string? JournalSchema { get; set; }

    /// <summary>With -Verify or -Trace: the journal's table; default SCHEMAMIGRATE_JOURNAL_TABLE, else schema_migrations.</summary>
    [Parameter(ParameterSetName = VerifySet)]
    [Parameter(ParameterSetName = TraceSet)]
    [ValidateNotNullOrEmpty]
    public string? JournalTable { get; set; }

    protected override void ProcessRecord() =>
        Execute(() => new TestOperation(BuildSettings(new SettingsParameters { Path = Path, Allow = Allow, JournalSchema = JournalSchema, JournalTable = JournalTable }), Verify, DevDatabase, AppliedThrough)
        {
            Trace = Trace ? new Engine.Migrations.TraceRequest(AppliedThrough, Resolve(AppQueries), Resolve(CurrentAppQueries)) : null,
        }.RunAsync);

    private string? Resolve(string? path) => path is null ? null : GetUnresolvedProviderPathFromPSPath(path);
}
