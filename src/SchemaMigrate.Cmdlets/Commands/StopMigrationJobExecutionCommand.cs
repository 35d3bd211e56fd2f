using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsLifecycle.Stop, "MigrationJobExecution", SupportsShouldProcess = true)]
[OutputType(typeof(MigrationJobExecution))]
public sealed class StopMigrationJobExecutionCommand : MigrationJobCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ExecutionName { get; set; } = "";

    /// <summary>Write the execution once it reads Stopped (or as it is, when it had already ended).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() =>
        Execute(() => new StopJobExecutionOperation(JobOperations(), Job(ExecutionName), ExecutionName, PassThru).RunAsync);
}
