using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>Get-MigrationJobExecution: one execution by name, or the latest <paramref name="latest"/>, newest first.</summary>
internal sealed class GetJobExecutionOperation(MigrationJobOperations jobs, JobReference job, string? executionName, int latest)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var executions = await jobs.GetExecutionsAsync(job, executionName, latest, ct);
        if (executions.Count == 0) sink.WriteVerbose($"job {job.JobName} has no executions");
        foreach (var execution in executions) sink.WriteObject(MigrationJobExecution.From(execution));
    }
}

/// <summary>Stop-MigrationJobExecution: stops a running execution after ShouldProcess; -PassThru writes it as it ends up.</summary>
internal sealed class StopJobExecutionOperation(MigrationJobOperations jobs, JobReference job, string executionName, bool passThru)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var listener = new JobSinkListener(sink);
        var execution = await jobs.StopExecutionAsync(job, executionName, listener, ct);
        listener.Complete();
        if (execution is not null && passThru) sink.WriteObject(MigrationJobExecution.From(execution));
    }
}
