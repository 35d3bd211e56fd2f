using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Start-MigrationJob: starts an execution (the engine refuses a parallel run and asks ShouldProcess first) and
/// writes it; with -Wait, once it has ended. A failure (refused, Failed, Stopped, Degraded, timed out) is thrown
/// after migration.json is written; a failed execution is written first and is the error's target.
/// Declined (-WhatIf, or No at the prompt): nothing is written.
/// </summary>
internal sealed class StartJobOperation(MigrationJobOperations jobs, JobStartRequest request)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var listener = new JobSinkListener(sink);
        var run = await jobs.StartAsync(request, listener, ct);
        listener.Complete();
        if (!run.Started)
        {
            if (run.Failure is { } refused) throw new MigrationException(refused);
            return;
        }
        var execution = MigrationJobExecution.From(run);
        sink.WriteObject(execution);
        if (run.Failure is { } failure) throw new TargetedFailureException(failure, execution);
        sink.WriteVerbose(run.Summary);
    }
}
