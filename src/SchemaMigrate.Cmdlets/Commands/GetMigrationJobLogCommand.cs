using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsCommon.Get, "MigrationJobLog", DefaultParameterSetName = OnceSet)]
[OutputType(typeof(MigrationJobLogEntry))]
public sealed class GetMigrationJobLogCommand : MigrationJobCmdlet
{
    private const string OnceSet = "Once";
    private const string WaitSet = "Wait";
    private const string FollowSet = "Follow";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ExecutionName { get; set; } = "";

    /// <summary>The Log Analytics workspace id (a GUID); default the one the job's managed environment names.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkspaceId { get; set; }

    /// <summary>Poll through Log Analytics' ingestion delay until the execution has ended and its logs are complete.</summary>
    [Parameter(Mandatory = true, ParameterSetName = WaitSet)]
    public SwitchParameter Wait { get; set; }

    /// <summary>Write rows as they arrive, until the execution has ended and its logs are complete (or Ctrl+C).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FollowSet)]
    public SwitchParameter Follow { get; set; }

    /// <summary>How long -Wait polls, or -Follow keeps polling after the execution ended; default 10min.</summary>
    [Parameter(ParameterSetName = WaitSet)]
    [Parameter(ParameterSetName = FollowSet)]
    [DurationTransformation]
    public TimeSpan? Timeout { get; set; }

    protected override void ProcessRecord() => Execute(() =>
    {
        var request = new JobLogRequest(Job(ExecutionName), ExecutionName) { WorkspaceId = WorkspaceId, Wait = Wait, Timeout = Timeout };
        return new JobLogOperation(JobOperations(), request, Follow).RunAsync;
    });
}
