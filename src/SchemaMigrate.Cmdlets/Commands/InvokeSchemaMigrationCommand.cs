using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsLifecycle.Invoke, "SchemaMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SchemaMigrationResult))]
public sealed class InvokeSchemaMigrationCommand : DatabaseCmdlet
{
    private string? _highestTo;
    private bool _pipedAny;
    private string? _pipedFolder;

    /// <summary>Migrations folder; default MIGRATIONS_DIR; binds the DirectoryName of piped status objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DirectoryName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Stop after this migration; binds the Id of piped status objects.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MigrationIdCompleter))]
    public string? To { get; set; }

    [Parameter]
    public SwitchParameter Strict { get; set; }

    [Parameter]
    [DurationTransformation]
    public TimeSpan? LockTimeout { get; set; }

    [Parameter]
    [DurationTransformation]
    public TimeSpan? LockWait { get; set; }

    /// <summary>How often a migration that hit lock_timeout runs again.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int? LockRetries { get; set; }

    /// <summary>The phases beyond expand the deploy gate may apply: contract steps after cutover, backfill jobs; default SCHEMAMIGRATE_ALLOW.</summary>
    [Parameter]
    [ValidateSet("Contract", "Backfill")]
    public string[]? Allow { get; set; }

    /// <summary>A `Test-SchemaMigration -Trace` / `verify --trace --format json` report: refuse files it does not cover or refuses; default SCHEMAMIGRATE_REQUIRE_TRACE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RequireTrace { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Piped ids are gathered and applied in one run, up to the one that sorts last (the order migrations run in).
    protected override void ProcessRecord()
    {
        if (To is not null && (_highestTo is null || StringComparer.Ordinal.Compare(To, _highestTo) > 0)) _highestTo = To;
        _pipedAny |= MyInvocation.ExpectingInput && To is not null;
        if (!MyInvocation.ExpectingInput || Path is null) return;
        var folder = System.IO.Path.TrimEndingDirectorySeparator(GetUnresolvedProviderPathFromPSPath(Path));
        _pipedFolder ??= folder;
        if (!string.Equals(folder, _pipedFolder, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
            ThrowFailure(new Failure
            {
                Reason = ReasonCodes.InvalidArgument,
                Message = $"the piped migrations come from two folders, {_pipedFolder} and {folder}",
                NextStep = "Pipe one folder's migrations per call.",
            });
    }

    protected override void EndProcessing()
    {
        // Only a call without pipeline input applies everything pending: an empty pipeline (a filter that matched
        // nothing) or piped objects without an Id applies nothing.
        if (MyInvocation.ExpectingInput && !_pipedAny)
        {
            WriteWarning("no migration id was piped in, so nothing was applied; run Invoke-SchemaMigration without pipeline input to apply everything pending");
            return;
        }
        Run();
    }

    private void Run() => Execute(() =>
    {
        var parameters = ConnectionParameters(Path) with { To = _highestTo, Strict = Strict, LockTimeout = LockTimeout, LockWait = LockWait, LockRetries = LockRetries, Allow = Allow, RequireTrace = RequireTrace };
        return new ApplyOperation(BuildSettings(parameters), PassThru, WhatIfRequested).RunAsync;
    });
}
