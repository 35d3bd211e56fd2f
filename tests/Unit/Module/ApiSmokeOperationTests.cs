using System.Text.Json;
using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure.Smoke;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;
using Xunit.Abstractions;

namespace SchemaMigrate.Tests.Module;

/// <summary>Invoke-ApiSmokeTest's operation as the cmdlet runs it, against the local fake API: what reaches each stream.</summary>
public sealed class ApiSmokeOperationTests : IAsyncLifetime
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("schemamigrate-smoke-").FullName;
    private FakeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_artifacts, recursive: true);
    }

    private ApiSmokeRequest Request(FakeApiBehaviour behaviour, string sha) =>
        _api.Request(_api.Add(behaviour)) with { RetryWindow = TimeSpan.FromSeconds(1), ArtifactPath = _artifacts, CommitSha = sha };

    /// <summary>Every stream, every property of what was written, and the error: nowhere the token or the session.</summary>
    private void AssertNoSecret(RecordingSink sink, Exception? error = null)
    {
        var text = sink.AllText + JsonSerializer.Serialize(sink.Objects) + error?.Message + (error is TargetedFailureException t ? t.Failure + JsonSerializer.Serialize(t.Target) : "");
        Assert.DoesNotContain(_api.Token, text);
        Assert.DoesNotContain(_api.SessionCookie, text);
    }

    [Fact]
    public async Task A_passing_api_writes_one_passed_assertion_per_check_and_the_artifact_path()
    {
        var sink = new RecordingSink();

        await new ApiSmokeOperation(Request(FakeApiBehaviour.Healthy, "ok1")).RunAsync(sink, default);

        var assertions = sink.Written<ApiSmokeAssertion>();
        Assert.Equal(["health-2xx", "unauthenticated-rejected", "authorized-2xx"], assertions.Select(a => a.Id));
        Assert.All(assertions, a => Assert.Equal(ApiSmokeOutcome.Passed, a.Outcome));
        Assert.Equal([200, 401, 200], assertions.Select(a => a.Status));
        Assert.All(assertions, a => Assert.Equal(Path.Combine(_artifacts, "ok1", "api-smoke.json"), a.ArtifactPath));
        Assert.Contains(sink.Verbose, v => System.Text.RegularExpressions.Regex.IsMatch(v, @"/: all 3 assertions passed in \d+ms$"));
        AssertNoSecret(sink);
    }

    [Fact]
    public async Task A_failed_assertion_is_written_then_thrown_with_its_reason_code_targeting_it_after_a_progress_bar_that_closes()
    {
        var sink = new RecordingSink();

        var error = await Assert.ThrowsAsync<TargetedFailureException>(() =>
            new ApiSmokeOperation(Request(FakeApiBehaviour.NeverPropagates, "never1")).RunAsync(sink, default));

        Assert.Equal("SMOKE_AUTH_NOT_PROPAGATED", error.Failure.ReasonCode);
        var failed = Assert.IsType<ApiSmokeAssertion>(error.Target);
        Assert.Equal(("authorized-2xx", ApiSmokeOutcome.Failed, 403, "SMOKE_AUTH_NOT_PROPAGATED"), (failed.Id, failed.Outcome, failed.Status, failed.ReasonCode));
        Assert.Same(failed, sink.Written<ApiSmokeAssertion>()[2]);
        Assert.True(failed.Attempts > 1);
        Assert.Contains(sink.Progress, p => p.Activity == "API smoke test: authorized-2xx" && !p.Completed && p.PercentComplete > 0);
        Assert.True(sink.Progress[^1].Completed);
        Assert.True(File.Exists(failed.ArtifactPath));
        AssertNoSecret(sink, error);
    }

    [Fact]
    public async Task A_cancelled_run_writes_no_objects_throws_CANCELLED_and_leaves_the_artifact()
    {
        var sink = new RecordingSink();
        using var stop = new CancellationTokenSource();
        var request = Request(FakeApiBehaviour.NeverPropagates, "stop1") with { RetryWindow = TimeSpan.FromMinutes(5), MaxRetryDelay = TimeSpan.FromMinutes(1) };
        var running = new ApiSmokeOperation(request).RunAsync(new ProgressSignal(sink, stop), stop.Token);

        var error = await Assert.ThrowsAsync<MigrationException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(ReasonCodes.Cancelled, error.Reason);
        Assert.Empty(sink.Objects);
        var artifact = JsonDocument.Parse(File.ReadAllText(Path.Combine(_artifacts, "stop1", "api-smoke.json"))).RootElement;
        Assert.Equal("CANCELLED", artifact.GetProperty("reasonCode").GetString());
    }

    /// <summary>A sink that presses Ctrl+C as soon as the first progress bar appears.</summary>
    private sealed class ProgressSignal(RecordingSink inner, CancellationTokenSource stop) : IOperationSink
    {
        public void WriteObject(object item) => inner.WriteObject(item);
        public void WriteError(Failure failure, object target) => inner.WriteError(failure, target);
        public void WriteWarning(string message) => inner.WriteWarning(message);
        public void WriteVerbose(string message) => inner.WriteVerbose(message);
        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);

        public void WriteProgress(OperationProgress progress)
        {
            inner.WriteProgress(progress);
            stop.Cancel();
        }
    }
}
