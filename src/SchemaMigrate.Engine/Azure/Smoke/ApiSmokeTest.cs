using System.Diagnostics;
using System.Net;
using Azure.Core;
using Azure.Identity;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure.Smoke;

/// <summary>
/// Seed 000's API smoke check after a rollout. health-2xx: the health endpoint answers 2xx. unauthenticated-rejected:
/// the probe without credentials answers 401 or 403. authorized-2xx: the probe with the token answers 2xx, retried
/// with backoff within the retry window while it answers 401 or 403 (auth still propagating). Every call also
/// retries 408, 429, 5xx and no answer a bounded number of times on its own. The first failed assertion ends the
/// run with its reason code (the rest are skipped), reported in <see cref="ApiSmokeRun.Failure"/> rather than
/// thrown, so that api-smoke.json is written whatever happened, a cancellation included.
/// </summary>
public static class ApiSmokeTest
{
    public const string HealthAssertion = "health-2xx";
    public const string UnauthenticatedAssertion = "unauthenticated-rejected";
    public const string AuthorizedAssertion = "authorized-2xx";

    public static async Task<ApiSmokeRun> RunAsync(ApiSmokeRequest request, IJobListener listener, CancellationToken ct)
    {
        var checks = Plan(request);
        var artifact = request.WritesArtifact ? DeployArtifact.PathFor(request.ArtifactPath, request.CommitSha, ApiSmokeArtifact.FileName) : null;
        var given = request.Token is null ? null : new NetworkCredential("", request.Token).Password;
        Redactor.Register(given);
        var run = new RunState(request, checks);
        try
        {
            // Asked once, before any call (-WhatIf prints it, -Confirm prompts; a host that cannot prompt is CONFIRMATION_REQUIRED).
            if (!listener.ShouldProcess(Redactor.Redact(request.BaseUri.ToString()), Action(checks))) return run.ToRun(null) with { Declined = true };
        }
        catch (MigrationException e) when (e.Reason == ReasonCodes.ConfirmationRequired)
        {
            run.Refuse(e.Failure);
            return await WriteAsync(run, artifact, listener);
        }

        using var client = new SmokeClient(request.RequestTimeout, request.Tls);
        try
        {
            foreach (var check in checks)
            {
                run.Current = check;
                var token = check.Authorized ? given ?? await TokenAsync(request, ct) : null;
                var last = await CallAsync(client, check, token, request, run, listener, ct);
                if (!run.Judge(check, last, listener)) break;
            }
        }
        catch (MigrationException e)
        {
            run.Fail(run.Current!, e.Failure, "no token", $"no token: {e.Failure.Message}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var check = run.Current!;
            run.Fail(check, new Failure
            {
                Reason = ReasonCodes.Cancelled,
                Message = $"cancelled during {check.AssertionId} after {Attempts(run.AttemptsOf(check))} of GET {check.Url}",
                NextStep = "Rerun Invoke-ApiSmokeTest: the rollout is not verified until it passes.",
            }, run.LastAnswer(check), "cancelled");
        }

        return await WriteAsync(run, artifact, listener);
    }

    /// <summary>The ShouldProcess action: the two paths as called (below -BaseUri), redacted: a query may carry a key.</summary>
    private static string Action(IReadOnlyList<Check> checks) =>
        Redactor.Redact($"GET {checks[0].Url.AbsolutePath}{checks[0].Url.Query}, then {checks[1].Url.AbsolutePath}{checks[1].Url.Query} without and with a token");

    private static async Task<ApiSmokeRun> WriteAsync(RunState run, string? artifact, IJobListener listener)
    {
        var result = run.ToRun(artifact);
        if (artifact is null) return result;
        var unwritten = await DeployArtifact.TryWriteAsync(artifact, ApiSmokeArtifact.ToJson(result, DeployArtifact.CommitOf(artifact)), listener);
        return unwritten is null ? result : result with { Failure = result.Failure ?? unwritten, ArtifactPath = null };
    }

    /// <summary>The three checks, after refusing what cannot be tested safely (INVALID_ARGUMENT before any call).</summary>
    private static IReadOnlyList<Check> Plan(ApiSmokeRequest request)
    {
        var b = request.BaseUri;
        if (!b.IsAbsoluteUri || !(b.Scheme == Uri.UriSchemeHttps || (b.Scheme == Uri.UriSchemeHttp && b.IsLoopback)))
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"-BaseUri '{b}' is not an https address: a token only travels over https (http is accepted for localhost)");
        if (b.UserInfo.Length > 0 || b.Query.Length > 0 || b.Fragment.Length > 0)
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"-BaseUri '{b}' must be scheme://host[:port][/path], without user, query or fragment; a query belongs in -HealthPath or -ProbePath");
        if ((request.Token is null) == (request.Scope is null))
            throw new MigrationException(ReasonCodes.InvalidArgument, "the authorized call needs a token: pass -Token or -Scope, not both");
        if (request.Scope is { } scope && string.IsNullOrWhiteSpace(scope))
            throw new MigrationException(ReasonCodes.InvalidArgument, "-Scope is empty: name the API's scope, e.g. api://<application id>/.default");
        if (request.RetryWindow < TimeSpan.Zero || request.RequestTimeout <= TimeSpan.Zero)
            throw new MigrationException(ReasonCodes.InvalidArgument, "-RetryWindow must be 0 or more and -RequestTimeout more than 0");

        var probe = Join(b, request.ProbePath, "-ProbePath");
        return
        [
            new(HealthAssertion, "health", Join(b, request.HealthPath, "-HealthPath"), Authorized: false, "2xx"),
            new(UnauthenticatedAssertion, "unauthorized", probe, Authorized: false, "401 or 403"),
            new(AuthorizedAssertion, "authorized", probe, Authorized: true, $"2xx within {Durations.Format(request.RetryWindow)}"),
        ];
    }

    /// <summary>A path below the base address, which may carry a prefix (an API behind a gateway): /api + /health is /api/health.</summary>
    private static Uri Join(Uri baseUri, string path, string parameter)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains("://", StringComparison.Ordinal) || path.Contains('#'))
            throw new MigrationException(ReasonCodes.InvalidArgument, $"{parameter} '{path}' is not a path such as /health or /api/me");
        return new Uri(baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + path.Trim().TrimStart('/'));
    }

    private static async Task<string> TokenAsync(ApiSmokeRequest request, CancellationToken ct)
    {
        var scope = request.Scope!.Trim();
        try
        {
            // The credential registers every token it hands out with the Redactor.
            var credential = AzureRestClient.CreateCredential(request.Azure);
            return (await credential.GetTokenAsync(new TokenRequestContext([scope]), ct)).Token;
        }
        catch (AuthenticationFailedException e)
        {
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.AzureAuthFailed,
                Message = Redactor.Redact($"could not get a token for {scope}: {e.Message.Split('\n')[0].Trim()}"),
                NextStep = "Sign in (az login, Connect-AzAccount) or give the runner a managed identity, and check that -Scope is the API's application ID URI with /.default (e.g. api://<application id>/.default).",
            }, e);
        }
        catch (ArgumentException e)
        {
            throw new MigrationException(ReasonCodes.InvalidArgument, $"-Scope '{scope}' is not a scope: {e.Message}", e);
        }
    }

    /// <summary>Sends the check's GET until it has an answer to judge; every attempt lands in <paramref name="run"/> as it happens.</summary>
    private static async Task<SmokeExchange> CallAsync(SmokeClient client, Check check, string? token, ApiSmokeRequest request,
        RunState run, IJobListener listener, CancellationToken ct)
    {
        var attempts = run.Begin(check);
        var clock = Stopwatch.StartNew();
        var transientRetries = 0;
        var rejectionDelay = request.FirstRetryDelay;
        while (true)
        {
            var (at, sent) = (DateTimeOffset.UtcNow, clock.Elapsed);
            var exchange = await client.GetAsync(check.Url, token, ct);
            run.Answered(check, exchange);
            TimeSpan? wait = null;
            var kind = Classify(exchange);
            if (kind is Answer.None or Answer.Transient && transientRetries < request.TransientRetries)
                wait = Backoff(request, ++transientRetries, exchange.Response);
            else if (kind is Answer.Rejected && check.Authorized && clock.Elapsed < request.RetryWindow)
            {
                wait = Min(rejectionDelay, request.RetryWindow - clock.Elapsed);
                rejectionDelay = Min(rejectionDelay * 2, request.MaxRetryDelay);
            }
            attempts.Add(new SmokeAttempt(attempts.Count + 1, at, sent, exchange.Duration, exchange.Response?.Status, exchange.Error, exchange.Response?.Gist, wait));
            if (wait is not { } delay) return exchange;

            var answer = exchange.Response?.StatusLine ?? exchange.Error;
            listener.OnEvent(new JobNote($"{check.AssertionId}: attempt {attempts.Count} of GET {check.Url}: {answer}; next in {Elapsed.Format(delay)}"));
            listener.OnEvent(new JobProgress($"API smoke test: {check.AssertionId}", $"attempt {attempts.Count}: {answer}; next in {Elapsed.Format(delay)}",
                clock.Elapsed, check.Authorized ? request.RetryWindow : TimeSpan.Zero));
            await Task.Delay(delay, ct);
        }
    }

    private static TimeSpan Backoff(ApiSmokeRequest request, int retry, SmokeResponse? response)
    {
        var delay = Min(request.FirstRetryDelay * Math.Pow(2, retry - 1), request.MaxRetryDelay);
        return int.TryParse(response?.Header("retry-after"), out var seconds) ? Min(Max(delay, TimeSpan.FromSeconds(seconds)), request.MaxRetryDelay) : delay;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private enum Answer { None, Success, Rejected, Transient, Other }

    private static Answer Classify(SmokeExchange exchange) => exchange.Response?.Status switch
    {
        null => Answer.None,
        >= 200 and < 300 => Answer.Success,
        401 or 403 => Answer.Rejected,
        408 or 429 or >= 500 => Answer.Transient,
        _ => Answer.Other,
    };

    /// <summary>The assertion's verdict on the last answer: null when it holds, else why not.</summary>
    private static Failure? Verdict(Check check, SmokeExchange last, int attempts, TimeSpan window)
    {
        var kind = Classify(last);
        var tries = attempts > 1 ? $" after {Attempts(attempts)}" : "";
        var said = last.Response?.Gist is { } gist ? $": {gist}" : "";
        var status = last.Response?.StatusLine;
        var get = check.AssertionId switch
        {
            HealthAssertion => $"GET {check.Url}",
            UnauthenticatedAssertion => $"GET {check.Url} without credentials",
            _ => $"GET {check.Url} with the token",
        };
        if (kind == Answer.None) return Fail(ReasonCodes.SmokeUnreachable, $"{get} got no answer{tries}: {last.Error}");
        return (check.AssertionId, kind) switch
        {
            (HealthAssertion, Answer.Success) or (UnauthenticatedAssertion, Answer.Rejected) or (AuthorizedAssertion, Answer.Success) => null,
            (HealthAssertion, _) => Fail(ReasonCodes.SmokeHealthFailed, $"{get} answered {status}{tries}, not 2xx{said}"),
            (UnauthenticatedAssertion, Answer.Success) => Fail(ReasonCodes.SmokeUnauthenticatedAccepted, $"{get} answered {status}: the API lets anonymous callers through{said}"),
            (AuthorizedAssertion, Answer.Rejected) => Fail(ReasonCodes.SmokeAuthNotPropagated,
                $"{get} still answered {status} when the {Durations.Format(window)} retry window ended ({Attempts(attempts)}){said}"),
            (_, Answer.Transient) => Fail(ReasonCodes.SmokeServerError, $"{get} answered {status}{tries}{said}"),
            _ => Fail(ReasonCodes.SmokeUnexpectedStatus, $"{get} answered {status}, not {check.Expected}{said}"),
        };
    }

    private static string Attempts(int n) => n == 1 ? "1 attempt" : $"{n} attempts";

    private static Failure Fail(ReasonCode reason, string message) => new() { Reason = reason, Message = Redactor.Redact(message) };

    private sealed record Check(string AssertionId, string Call, Uri Url, bool Authorized, string Expected);

    /// <summary>What the run has seen so far: each call's attempts and last answer, and each assertion's verdict.</summary>
    private sealed class RunState(ApiSmokeRequest request, IReadOnlyList<Check> checks)
    {
        private readonly Dictionary<Check, List<SmokeAttempt>> _attempts = [];
        private readonly Dictionary<Check, SmokeExchange> _last = [];
        private readonly Dictionary<Check, SmokeAssertion> _verdicts = [];
        private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
        private Failure? _failure;

        public Check? Current { get; set; }

        public List<SmokeAttempt> Begin(Check check) => _attempts[check] = [];

        public void Answered(Check check, SmokeExchange exchange) => _last[check] = exchange;

        public int AttemptsOf(Check check) => _attempts.TryGetValue(check, out var a) ? a.Count : 0;

        public string? LastAnswer(Check check) => _last.TryGetValue(check, out var e) ? e.Response?.StatusLine ?? "no answer" : null;

        /// <summary>Records the verdict on the check's last answer; false when it failed.</summary>
        public bool Judge(Check check, SmokeExchange last, IJobListener listener)
        {
            var attempts = AttemptsOf(check);
            var actual = last.Response?.StatusLine ?? "no answer";
            var took = attempts > 1 ? $" after {Attempts(attempts)} ({Elapsed.Format(_attempts[check][^1].Elapsed)})" : $" in {Elapsed.Format(last.Duration)}";
            if (Verdict(check, last, attempts, request.RetryWindow) is { } failure)
            {
                var gist = last.Response?.Gist is { } g ? $": {g}" : "";
                Fail(check, failure, actual, last.Response is null ? $"{last.Error}{took}" : $"{actual}{took}{gist}");
                return false;
            }
            _verdicts[check] = new SmokeAssertion(check.AssertionId, check.Call, SmokeOutcome.Passed, check.Expected, actual, actual + took);
            listener.OnEvent(new JobNote($"{check.AssertionId} passed: GET {check.Url} answered {actual}{took}"));
            return true;
        }

        /// <summary>The run did not start (CONFIRMATION_REQUIRED): every assertion is skipped for that reason.</summary>
        public void Refuse(Failure failure) => _failure = failure;

        public void Fail(Check check, Failure failure, string? actual, string detail)
        {
            _failure = failure;
            _verdicts[check] = new SmokeAssertion(check.AssertionId, check.Call, SmokeOutcome.Failed, check.Expected, actual, Redactor.Redact(detail));
        }

        private string SkipReason() =>
            _failure?.Reason == ReasonCodes.Cancelled ? "cancelled"
            : _verdicts.Values.FirstOrDefault(v => v.Outcome == SmokeOutcome.Failed)?.Id is { } failed ? $"{failed} failed"
            : _failure?.Reason.Code ?? "declined";

        public ApiSmokeRun ToRun(string? artifactPath) => new()
        {
            BaseUri = request.BaseUri,
            Assertions = checks.Select(c => _verdicts.GetValueOrDefault(c) ?? new SmokeAssertion(c.AssertionId, c.Call, SmokeOutcome.Skipped, c.Expected, null,
                $"not run: {SkipReason()}")).ToList(),
            Calls = checks.Where(_attempts.ContainsKey).Select(c => new SmokeCall(c.Call, c.AssertionId, c.Url, c.Authorized, _attempts[c].ToList(),
                _last.GetValueOrDefault(c)?.Response, _last.GetValueOrDefault(c)?.Error)).ToList(),
            RetryWindow = request.RetryWindow,
            RequestTimeout = request.RequestTimeout,
            Failure = _failure,
            StartedAt = _startedAt,
            CompletedAt = DateTimeOffset.UtcNow,
            ArtifactPath = artifactPath,
        };
    }
}
