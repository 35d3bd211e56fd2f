using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsLifecycle.Start, "MigrationJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = StartSet)]
[OutputType(typeof(MigrationJobExecution))]
public sealed class StartMigrationJobCommand : MigrationJobCmdlet
{
    private const string StartSet = "Start";
    private const string WaitSet = "Wait";

    /// <summary>Runs this execution with another image, keeping the job's command, args, env and resources.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Image { get; set; }

    /// <summary>Poll until the execution ends; a failure is then a terminating error with its reason code.</summary>
    [Parameter(Mandatory = true, ParameterSetName = WaitSet)]
    public SwitchParameter Wait { get; set; }

    [Parameter(ParameterSetName = WaitSet)]
    [DurationTransformation]
    public TimeSpan? Timeout { get; set; }

    /// <summary>The Log Analytics workspace to read a failed execution's logs from, when the environment does not name it.</summary>
    [Parameter(ParameterSetName = WaitSet)]
    [ValidateNotNullOrEmpty]
    public string? WorkspaceId { get; set; }

    /// <summary>Start even though an execution is Running or Processing.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The folder receiving &lt;sha&gt;/migration.json; default .artifacts/deploy when -CommitSha is given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ArtifactPath { get; set; }

    /// <summary>The commit the release was built from; default GITHUB_SHA or BUILD_SOURCEVERSION when -ArtifactPath is given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CommitSha { get; set; }

    protected override void ProcessRecord() => Execute(() =>
    {
        var request = new JobStartRequest(Job())
        {
            Image = Image,
            Force = Force,
            Wait = Wait,
            WorkspaceId = WorkspaceId,
            ArtifactPath = ArtifactFolder(ArtifactPath, CommitSha),
            CommitSha = CommitSha,
        };
        if (Timeout is { } timeout) request = request with { Timeout = timeout };
        return new StartJobOperation(JobOperations(), request).RunAsync;
    });
}
