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

    [Fact]
    public async Task A_key_in_the_query_of_the_paths_is_masked_in_the_question_the_objects_and_the_artifact_but_still_sent()
    {
        var sink = new RecordingSink();
        var functionKey = "fk-" + Guid.NewGuid().ToString("N");
        var apiKey = "ak-" + Guid.NewGuid().ToString("N");
        var scenario = _api.Add(FakeApiBehaviour.Healthy);
        var request = _api.Request(scenario) with
        {
            HealthPath = $"/health?code={functionKey}", ProbePath = $"/api/me?api_key={apiKey}&v=2", ArtifactPath = _artifacts, CommitSha = "query1",
        };

        await new ApiSmokeOperation(request).RunAsync(sink, default);

        var (target, action) = Assert.Single(sink.Questions);
        Assert.Equal(scenario.ToString(), target);
        Assert.Equal($"GET {scenario.AbsolutePath}health?code=***, then {scenario.AbsolutePath}api/me?api_key=***&v=2 without and with a token", action);
        var assertions = sink.Written<ApiSmokeAssertion>();
        Assert.Equal([new Uri(scenario, "health?code=***").ToString(), new Uri(scenario, "api/me?api_key=***&v=2").ToString(), new Uri(scenario, "api/me?api_key=***&v=2").ToString()],
            assertions.Select(a => a.Url));
        var text = File.ReadAllText(Path.Combine(_artifacts, "query1", "api-smoke.json"));
        var calls = JsonDocument.Parse(text).RootElement.GetProperty("calls");
        Assert.Equal(new Uri(scenario, "health?code=***").ToString(), calls.GetProperty("health").GetProperty("url").GetString());
        Assert.Equal(new Uri(scenario, "api/me?api_key=***&v=2").ToString(), calls.GetProperty("authorized").GetProperty("url").GetString());
        foreach (var shown in new[] { text, JsonSerializer.Serialize(sink.Objects), action })
        {
            Assert.DoesNotContain(functionKey, shown);
            Assert.DoesNotContain(apiKey, shown);
        }
        // Masked where it is shown, not where it is sent: the API got its keys.
        Assert.Equal(3, _api.RequestsOf(scenario).Count());
    }

    [Fact]
    public async Task Declined_by_ShouldProcess_calls_nothing_writes_nothing_and_does_not_throw()
    {
        var sink = new RecordingSink { Answer = _ => false };
        var scenario = _api.Add(FakeApiBehaviour.Healthy);

        await new ApiSmokeOperation(_api.Request(scenario) with { ArtifactPath = _artifacts, CommitSha = "declined1" }).RunAsync(sink, default);

        Assert.Single(sink.Questions);
        Assert.Empty(sink.Objects);
        Assert.Empty(_api.RequestsOf(scenario));
        Assert.False(Directory.Exists(Path.Combine(_artifacts, "declined1")));
    }

    [Fact]
    public async Task A_host_that_cannot_ask_is_CONFIRMATION_REQUIRED_with_no_call_no_objects_and_the_artifact_saying_so()
    {
        var sink = new RecordingSink { Answer = _ => throw new MigrationException(ReasonCodes.ConfirmationRequired, "this host cannot prompt: pass -Confirm:$false") };
        var scenario = _api.Add(FakeApiBehaviour.Healthy);

        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            new ApiSmokeOperation(_api.Request(scenario) with { ArtifactPath = _artifacts, CommitSha = "noprompt1" }).RunAsync(sink, default));

        Assert.Equal(ReasonCodes.ConfirmationRequired, error.Reason);
        Assert.Empty(sink.Objects);
        Assert.Empty(_api.RequestsOf(scenario));
        var artifact = JsonDocument.Parse(File.ReadAllText(Path.Combine(_artifacts, "noprompt1", "api-smoke.json"))).RootElement;
        Assert.Equal(("failed", "CONFIRMATION_REQUIRED"), (artifact.GetProperty("status").GetString(), artifact.GetProperty("reasonCode").GetString()));
        Assert.StartsWith("Pass -Confirm:$false", artifact.GetProperty("nextStep").GetString());
        Assert.All(artifact.GetProperty("assertions").EnumerateArray(), a =>
            Assert.Equal(("skipped", "not run: CONFIRMATION_REQUIRED"), (a.GetProperty("outcome").GetString(), a.GetProperty("detail").GetString())));
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
