using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Azure.Smoke;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;

namespace SchemaMigrate.Tests.Azure;

/// <summary>
/// The API smoke check end to end: the engine's real HTTP client over HTTPS to a local fake of the rolled-out API that
/// plays each scenario; every run writes api-smoke.json, which is read back as an operator would.
/// </summary>
public sealed class ApiSmokeTests : IAsyncLifetime
{
    private const string Scope = "api://fake-api/.default";
    private readonly string _artifacts = Directory.CreateTempSubdirectory("schemamigrate-smoke-").FullName;
    private FakeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_artifacts, recursive: true);
    }

    private ApiSmokeRequest Request(Uri scenario, string sha) => _api.Request(scenario) with { ArtifactPath = _artifacts, CommitSha = sha };

    private static SecureString Secure(string text) => new NetworkCredential("", text).SecurePassword;

    private async Task<(ApiSmokeRun Run, JsonElement Artifact, RecordingListener Listener)> RunAsync(ApiSmokeRequest request, CancellationToken ct = default)
    {
        var listener = new RecordingListener();
        var run = await ApiSmokeTest.RunAsync(request, listener, ct);
        var path = Path.Combine(_artifacts, request.CommitSha!, "api-smoke.json");
        Assert.Equal(path, run.ArtifactPath);
        var text = await File.ReadAllTextAsync(path);
        AssertNoSecret(text, "api-smoke.json");
        AssertNoSecret(string.Join("\n", listener.Events.Select(e => e.ToString())), "the events");
        AssertNoSecret(string.Join("\n", run.Assertions.Select(a => a.ToString()).Append(run.Failure?.ToString() ?? "")), "the result");
        return (run, JsonDocument.Parse(text).RootElement, listener);
    }

    private void AssertNoSecret(string text, string where)
    {
        Assert.False(text.Contains(_api.Token), $"{where} shows the token");
        Assert.False(text.Contains(_api.SessionCookie), $"{where} shows the session cookie");
    }

    private static string[] Outcomes(JsonElement artifact) =>
        artifact.GetProperty("assertions").EnumerateArray().Select(a => $"{a.GetProperty("id").GetString()}={a.GetProperty("outcome").GetString()}").ToArray();

    [Fact]
    public async Task A_healthy_api_passes_all_three_assertions_and_the_artifact_shows_each_call_without_its_secrets()
    {
        var scenario = _api.Add(FakeApiBehaviour.Healthy);

        var (run, artifact, listener) = await RunAsync(Request(scenario, "4f2c9e1"));

        Assert.True(run.Passed, run.Failure?.Message);
        Assert.Equal(["health-2xx=passed", "unauthenticated-rejected=passed", "authorized-2xx=passed"], Outcomes(artifact));
        Assert.Equal("passed", artifact.GetProperty("status").GetString());
        Assert.Equal("4f2c9e1", artifact.GetProperty("commitSha").GetString());
        Assert.Equal(JsonValueKind.Null, artifact.GetProperty("reasonCode").ValueKind);
        Assert.Equal(JsonValueKind.Null, artifact.GetProperty("failedAssertion").ValueKind);
        var calls = artifact.GetProperty("calls");
        Assert.Equal(200, calls.GetProperty("health").GetProperty("status").GetInt32());
        Assert.Equal(new Uri(scenario, "health").ToString(), calls.GetProperty("health").GetProperty("url").GetString());
        Assert.Contains("\"status\":\"ok\"", calls.GetProperty("health").GetProperty("text").GetString());
        var unauthorized = calls.GetProperty("unauthorized");
        Assert.Equal((401, "none"), (unauthorized.GetProperty("status").GetInt32(), unauthorized.GetProperty("authorization").GetString()));
        Assert.Equal("Bearer realm=\"fake-api\"", unauthorized.GetProperty("headers").GetProperty("www-authenticate").GetString());
        var authorized = calls.GetProperty("authorized");
        Assert.Equal((200, "bearer"), (authorized.GetProperty("status").GetInt32(), authorized.GetProperty("authorization").GetString()));
        // The API quoted the token back and set a session cookie: both are masked, the rest of the answer stays readable.
        Assert.Contains("\"seen\":\"Bearer ***\"", authorized.GetProperty("text").GetString());
        Assert.Equal(Redactor.Mask, authorized.GetProperty("headers").GetProperty("set-cookie").GetString());
        Assert.Equal(1, Assert.Single(artifact.GetProperty("authorizedRetryTimeline").EnumerateArray()).GetProperty("attempt").GetInt32());

        // What went over the wire: no credentials on the first two calls, the token on the third, nothing else.
        var requests = _api.RequestsOf(scenario).ToList();
        Assert.Equal(["/health", "/api/me", "/api/me"], requests.Select(r => r.Path));
        Assert.Equal([null, null, $"Bearer {_api.Token}"], requests.Select(r => r.Authorization));
        Assert.Contains(listener.Events, e => e is JobNote n && n.Message.StartsWith("authorized-2xx passed: GET ") && n.Message.Contains("200 OK"));
        Assert.Contains(listener.Events, e => e is JobNote n && n.Message == $"wrote {run.ArtifactPath}");
    }

    [Fact]
    public async Task A_broken_health_endpoint_is_SMOKE_HEALTH_FAILED_after_its_retries_and_nothing_else_is_called()
    {
        var scenario = _api.Add(FakeApiBehaviour.BrokenHealth);

        var (run, artifact, _) = await RunAsync(Request(scenario, "broken1"));

        Assert.Equal(ReasonCodes.SmokeHealthFailed, run.Failure?.Reason);
        Assert.Equal(["health-2xx=failed", "unauthenticated-rejected=skipped", "authorized-2xx=skipped"], Outcomes(artifact));
        Assert.Equal("SMOKE_HEALTH_FAILED", artifact.GetProperty("reasonCode").GetString());
        Assert.Matches(@"^GET https://127\.0\.0\.1:\d+/brokenhealth-\w+/health answered 503 Service Unavailable after 3 attempts, not 2xx: \{""status"":""unhealthy""",
            artifact.GetProperty("reason").GetString());
        Assert.Equal(ReasonCodes.SmokeHealthFailed.NextStep, artifact.GetProperty("nextStep").GetString());
        var failed = artifact.GetProperty("failedAssertion");
        Assert.Equal(("health-2xx", "2xx", "503 Service Unavailable"), (failed.GetProperty("id").GetString(), failed.GetProperty("expected").GetString(), failed.GetProperty("actual").GetString()));
        Assert.Contains("ECONNREFUSED 10.0.0.4:5432", failed.GetProperty("detail").GetString());
        var health = artifact.GetProperty("calls").GetProperty("health");
        Assert.Equal((503, 3), (health.GetProperty("status").GetInt32(), health.GetProperty("attempts").GetInt32()));
        Assert.Equal(JsonValueKind.Null, artifact.GetProperty("calls").GetProperty("unauthorized").ValueKind);
        Assert.Equal(JsonValueKind.Null, artifact.GetProperty("authorizedRetryTimeline").ValueKind);
        Assert.Equal("not run: health-2xx failed", run.Assertions[1].Detail);
        Assert.All(_api.RequestsOf(scenario), r => Assert.Equal("/health", r.Path));
    }

    [Fact]
    public async Task An_api_that_lets_anonymous_calls_through_is_SMOKE_UNAUTHENTICATED_ACCEPTED_and_never_sees_the_token()
    {
        var scenario = _api.Add(FakeApiBehaviour.Anonymous);

        var (run, artifact, _) = await RunAsync(Request(scenario, "anon1"));

        Assert.Equal(ReasonCodes.SmokeUnauthenticatedAccepted, run.Failure?.Reason);
        Assert.Equal(["health-2xx=passed", "unauthenticated-rejected=failed", "authorized-2xx=skipped"], Outcomes(artifact));
        Assert.Contains("without credentials answered 200 OK: the API lets anonymous callers through", artifact.GetProperty("reason").GetString());
        Assert.Equal(200, artifact.GetProperty("calls").GetProperty("unauthorized").GetProperty("status").GetInt32());
        Assert.Equal("401 or 403", artifact.GetProperty("failedAssertion").GetProperty("expected").GetString());
        Assert.All(_api.RequestsOf(scenario), r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Auth_that_becomes_valid_after_some_seconds_passes_and_the_timeline_shows_the_refusals_before_it()
    {
        _api.PropagationDelay = TimeSpan.FromSeconds(1.2);
        var scenario = _api.Add(FakeApiBehaviour.Propagating);

        var (run, artifact, listener) = await RunAsync(Request(scenario, "prop1"));

        Assert.True(run.Passed, run.Failure?.Message);
        var timeline = artifact.GetProperty("authorizedRetryTimeline").EnumerateArray().ToList();
        Assert.True(timeline.Count >= 3, $"{timeline.Count} attempts");
        Assert.All(timeline[..^1], t =>
        {
            Assert.Equal(401, t.GetProperty("status").GetInt32());
            Assert.Contains("The signing key of the token is not known yet", t.GetProperty("detail").GetString());
            Assert.True(t.GetProperty("retryInMs").GetInt64() > 0);
        });
        Assert.Equal(200, timeline[^1].GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, timeline[^1].GetProperty("retryInMs").ValueKind);
        // Backoff: each wait is at least the one before, up to the cap.
        var waits = timeline[..^1].Select(t => t.GetProperty("retryInMs").GetInt64()).ToList();
        Assert.Equal(waits.Order(), waits);
        Assert.True(timeline[^1].GetProperty("elapsedMs").GetInt64() >= 1100);
        Assert.Matches(@"^200 OK after \d+ attempts", run.Assertions[2].Detail);
        // Progress while retrying, against the window.
        var progress = listener.Events.OfType<JobProgress>().ToList();
        Assert.Equal(timeline.Count - 1, progress.Count);
        Assert.All(progress, p => Assert.Equal(("API smoke test: authorized-2xx", TimeSpan.FromSeconds(5)), (p.Activity, p.Limit)));
        Assert.StartsWith("attempt 1: 401 Unauthorized; next in ", progress[0].Message);
    }

    [Fact]
    public async Task Auth_that_never_becomes_valid_is_SMOKE_AUTH_NOT_PROPAGATED_when_the_window_ends_and_the_timeline_stays_inside_it()
    {
        var scenario = _api.Add(FakeApiBehaviour.NeverPropagates);
        var request = Request(scenario, "never1") with { RetryWindow = TimeSpan.FromSeconds(1.5) };

        var (run, artifact, _) = await RunAsync(request);

        Assert.Equal(ReasonCodes.SmokeAuthNotPropagated, run.Failure?.Reason);
        Assert.Equal(["health-2xx=passed", "unauthenticated-rejected=passed", "authorized-2xx=failed"], Outcomes(artifact));
        var timeline = artifact.GetProperty("authorizedRetryTimeline").EnumerateArray().ToList();
        Assert.True(timeline.Count >= 3, $"{timeline.Count} attempts");
        Assert.All(timeline, t => Assert.Equal(403, t.GetProperty("status").GetInt32()));
        // Bounded: the waits add up to the window, no more, and the last attempt is not followed by another wait.
        var waited = timeline[..^1].Sum(t => t.GetProperty("retryInMs").GetInt64());
        Assert.InRange(waited, 1500 - 400, 1500);
        Assert.Equal(JsonValueKind.Null, timeline[^1].GetProperty("retryInMs").ValueKind);
        Assert.Equal(1500, artifact.GetProperty("retryWindowMs").GetInt64());
        var reason = artifact.GetProperty("reason").GetString()!;
        Assert.Contains($"with the token still answered 403 Forbidden when the 1500ms retry window ended ({timeline.Count} attempts)", reason);
        Assert.Contains("insufficient_scope", reason);
        // The API quoted the token in its refusal.
        Assert.Contains("token *** lacks the app role", artifact.GetProperty("calls").GetProperty("authorized").GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_api_that_never_answers_is_SMOKE_UNREACHABLE_after_the_request_timeout_and_its_retries()
    {
        var scenario = _api.Add(FakeApiBehaviour.Hangs);
        var request = Request(scenario, "hang1") with { RequestTimeout = TimeSpan.FromMilliseconds(300) };

        var (run, artifact, _) = await RunAsync(request);

        Assert.Equal(ReasonCodes.SmokeUnreachable, run.Failure?.Reason);
        Assert.Equal("health-2xx", artifact.GetProperty("failedAssertion").GetProperty("id").GetString());
        Assert.EndsWith("got no answer after 3 attempts: no answer within 300ms", artifact.GetProperty("reason").GetString());
        var health = artifact.GetProperty("calls").GetProperty("health");
        Assert.Equal(JsonValueKind.Null, health.GetProperty("status").ValueKind);
        Assert.Equal("no answer within 300ms", health.GetProperty("error").GetString());
        Assert.Equal(3, health.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_500_on_the_authorized_call_is_SMOKE_SERVER_ERROR_after_its_own_bounded_retries()
    {
        var scenario = _api.Add(FakeApiBehaviour.ServerError);

        var (run, artifact, _) = await RunAsync(Request(scenario, "err1"));

        Assert.Equal(ReasonCodes.SmokeServerError, run.Failure?.Reason);
        var timeline = artifact.GetProperty("authorizedRetryTimeline").EnumerateArray().ToList();
        Assert.Equal([500, 500, 500], timeline.Select(t => t.GetProperty("status").GetInt32()));
        Assert.Contains("TypeError: Cannot read properties of undefined", artifact.GetProperty("calls").GetProperty("authorized").GetProperty("text").GetString());
        Assert.Contains("with the token answered 500 Internal Server Error after 3 attempts", artifact.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_closed_port_is_SMOKE_UNREACHABLE_naming_the_connection_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (run, artifact, _) = await RunAsync(Request(new Uri($"https://127.0.0.1:{port}/"), "closed1"));

        Assert.Equal(ReasonCodes.SmokeUnreachable, run.Failure?.Reason);
        Assert.Contains("could not connect", artifact.GetProperty("calls").GetProperty("health").GetProperty("error").GetString());
    }

    [Fact]
    public async Task With_a_scope_the_token_comes_from_the_azure_credential_and_is_masked_like_a_given_one()
    {
        var scenario = _api.Add(FakeApiBehaviour.NeverPropagates);
        var credential = new ApiCredential(_api.Token);
        var request = Request(scenario, "scope1") with
        {
            Token = null, Scope = Scope, RetryWindow = TimeSpan.Zero, Azure = new AzureSettings { TokenCredential = credential },
        };

        var (run, artifact, _) = await RunAsync(request);

        Assert.Equal([Scope], credential.Scopes);
        Assert.Equal(ReasonCodes.SmokeAuthNotPropagated, run.Failure?.Reason);
        Assert.Equal($"Bearer {_api.Token}", _api.RequestsOf(scenario).Last().Authorization);
        Assert.Single(artifact.GetProperty("authorizedRetryTimeline").EnumerateArray()); // a window of 0: one attempt
    }

    [Fact]
    public async Task No_token_from_the_credential_is_AZURE_AUTH_FAILED_on_the_authorized_assertion_with_the_artifact_written()
    {
        var scenario = _api.Add(FakeApiBehaviour.Healthy);
        var request = Request(scenario, "noauth1") with { Token = null, Scope = Scope, Azure = new AzureSettings { TokenCredential = new ApiCredential(null) } };

        var (run, artifact, _) = await RunAsync(request);

        Assert.Equal(ReasonCodes.AzureAuthFailed, run.Failure?.Reason);
        Assert.Equal(["health-2xx=passed", "unauthenticated-rejected=passed", "authorized-2xx=failed"], Outcomes(artifact));
        Assert.StartsWith($"no token: could not get a token for {Scope}: nobody signed in", artifact.GetProperty("failedAssertion").GetProperty("detail").GetString());
        Assert.Contains("-Scope is the API's application ID URI", artifact.GetProperty("nextStep").GetString());
        Assert.DoesNotContain(_api.RequestsOf(scenario), r => r.Authorization is not null);
    }

    [Fact]
    public async Task Cancelling_during_the_retry_window_stops_at_once_and_still_writes_the_artifact()
    {
        var scenario = _api.Add(FakeApiBehaviour.NeverPropagates);
        var request = Request(scenario, "cancel1") with { RetryWindow = TimeSpan.FromMinutes(5), MaxRetryDelay = TimeSpan.FromSeconds(30) };
        using var cancel = new CancellationTokenSource();
        var listener = new RecordingListener();
        var running = ApiSmokeTest.RunAsync(request, listener, cancel.Token);
        while (!listener.Events.OfType<JobProgress>().Any()) await Task.Delay(20);

        cancel.Cancel();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(ReasonCodes.Cancelled, run.Failure?.Reason);
        Assert.Equal([SmokeOutcome.Passed, SmokeOutcome.Passed, SmokeOutcome.Failed], run.Assertions.Select(a => a.Outcome));
        var artifact = JsonDocument.Parse(await File.ReadAllTextAsync(run.ArtifactPath!)).RootElement;
        Assert.Equal("CANCELLED", artifact.GetProperty("reasonCode").GetString());
        Assert.Matches(@"^cancelled during authorized-2xx after 1 attempt of GET https://.*/api/me$", artifact.GetProperty("reason").GetString());
        Assert.Equal(403, Assert.Single(artifact.GetProperty("authorizedRetryTimeline").EnumerateArray()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_large_answer_is_cut_after_it_is_redacted()
    {
        var scenario = _api.Add(FakeApiBehaviour.Healthy);

        var (run, artifact, _) = await RunAsync(Request(scenario, "large1") with { HealthPath = FakeApi.LargePath });

        Assert.True(run.Passed, run.Failure?.Message);
        var health = artifact.GetProperty("calls").GetProperty("health");
        Assert.True(health.GetProperty("textTruncated").GetBoolean());
        var text = health.GetProperty("text").GetString()!;
        Assert.Equal(1024, text.Length);
        // Cut first, the text would end in the token's first 12 characters, which no longer match the registered token.
        Assert.Contains("\",\"note\":\"*** xxx", text);
        Assert.DoesNotContain(_api.Token[..8], text);
    }

    [Theory]
    [InlineData("http://api.example.com/", "/api/me", "is not an https address")]
    [InlineData("https://deployer:hunter2@api.example.com/", "/api/me", "without user, query or fragment")]
    [InlineData("https://api.example.com/?code=1", "/api/me", "without user, query or fragment")]
    [InlineData("https://api.example.com/", "https://elsewhere.example.com/me", "-ProbePath 'https://elsewhere.example.com/me' is not a path")]
    public async Task What_cannot_be_tested_safely_is_INVALID_ARGUMENT_before_any_call(string baseUri, string probe, string message)
    {
        var request = new ApiSmokeRequest(new Uri(baseUri), probe) { Token = Secure(_api.Token) };

        var error = await Assert.ThrowsAsync<MigrationException>(() => ApiSmokeTest.RunAsync(request, new RecordingListener(), default));

        Assert.Equal(ReasonCodes.InvalidArgument, error.Reason);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public async Task The_authorized_call_needs_exactly_one_of_token_and_scope()
    {
        var scenario = _api.Add(FakeApiBehaviour.Healthy);
        foreach (var request in new[] { Request(scenario, "x") with { Token = null }, Request(scenario, "x") with { Scope = Scope } })
        {
            var error = await Assert.ThrowsAsync<MigrationException>(() => ApiSmokeTest.RunAsync(request, new RecordingListener(), default));
            Assert.Equal("the authorized call needs a token: pass -Token or -Scope, not both", error.Message);
        }
        Assert.Empty(_api.RequestsOf(scenario));
    }

    /// <summary>Entra ID for the fake API: the API's token for any scope, or no sign-in at all.</summary>
    private sealed class ApiCredential(string? token) : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext context, CancellationToken ct)
        {
            Scopes.AddRange(context.Scopes);
            return token is null
                ? throw new CredentialUnavailableException("nobody signed in (az login, Connect-AzAccount)")
                : new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext context, CancellationToken ct) => new(GetToken(context, ct));
    }
}
