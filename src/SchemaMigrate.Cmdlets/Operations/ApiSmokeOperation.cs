using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Azure.Smoke;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Invoke-ApiSmokeTest: runs the engine's smoke test (which asks ShouldProcess through the sink first; progress while the authorized call is retried), writes one
/// object per assertion, then fails closed: a failed assertion is a terminating error with its reason code,
/// targeting that assertion, thrown after api-smoke.json is written.
/// </summary>
internal sealed class ApiSmokeOperation(ApiSmokeRequest request)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var listener = new JobSinkListener(sink);
        var run = await ApiSmokeTest.RunAsync(request, listener, ct);
        listener.Complete();
        if (run.Declined) return;
        // Cancelled, or never started because this host cannot ask (CONFIRMATION_REQUIRED): no assertion objects, just the error.
        if (run.Failure is { } stopped && (stopped.Reason == ReasonCodes.Cancelled || stopped.Reason == ReasonCodes.ConfirmationRequired))
            throw new MigrationException(stopped);
        var assertions = run.Assertions.Select(a => ApiSmokeAssertion.From(a, run)).ToList();
        foreach (var assertion in assertions) sink.WriteObject(assertion);
        if (run.Failure is { } failure)
        {
            var failed = assertions.FirstOrDefault(a => a.Outcome == ApiSmokeOutcome.Failed);
            throw failed is null ? new MigrationException(failure) : new TargetedFailureException(failure, failed);
        }
        sink.WriteVerbose($"{request.BaseUri}: all {assertions.Count} assertions passed in {(long)run.Elapsed.TotalMilliseconds}ms");
    }
}
