using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsCommon.Get, "MigrationJobExecution")]
[OutputType(typeof(MigrationJobExecution))]
public sealed class GetMigrationJobExecutionCommand : MigrationJobCmdlet
{
    /// <summary>This execution only (binds the ExecutionName of piped executions); otherwise the latest ones.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ExecutionName { get; set; }

    /// <summary>How many of the newest executions to list.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Latest { get; set; } = 10;

    protected override void ProcessRecord() =>
        Execute(() => new GetJobExecutionOperation(JobOperations(), Job(ExecutionName), ExecutionName, Latest).RunAsync);
}
