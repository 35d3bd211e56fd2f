using System.Text.Json;
using static SchemaMigrate.Engine.Azure.DeployArtifact;

namespace SchemaMigrate.Engine.Azure.Smoke;

/// <summary>
/// Seed 000's API smoke artifact, `.artifacts/deploy/&lt;sha&gt;/api-smoke.json`: reasonCode/reason, the assertions by id
/// and the failed one's detail, the bounded authorized-retry timeline, and the status and text of the health,
/// unauthorized and authorized calls. Written by the conventions of <see cref="DeployArtifact"/> (every string redacted).
/// </summary>
public static class ApiSmokeArtifact
{
    public const string FileName = "api-smoke.json";

    internal static string ToJson(ApiSmokeRun run, string commitSha) => Render(w =>
    {
        w.WriteNumber("schemaVersion", 1);
        Str(w, "commitSha", commitSha);
        Str(w, "status", run.Passed ? "passed" : "failed");
        Str(w, "reasonCode", run.Failure?.ReasonCode);
        Str(w, "reason", run.Failure?.Message);
        Str(w, "nextStep", run.Failure?.Action);
        if (run.FailedAssertion is { } failed)
        {
            w.WritePropertyName("failedAssertion");
            Assertion(w, failed);
        }
        else w.WriteNull("failedAssertion");

        Str(w, "baseUri", run.BaseUri.ToString());
        Time(w, "startedAt", run.StartedAt);
        Time(w, "completedAt", run.CompletedAt);
        Ms(w, "elapsedMs", run.Elapsed);
        Ms(w, "retryWindowMs", run.RetryWindow);
        Ms(w, "requestTimeoutMs", run.RequestTimeout);

        w.WriteStartArray("assertions");
        foreach (var assertion in run.Assertions) Assertion(w, assertion);
        w.WriteEndArray();

        w.WriteStartObject("calls");
        foreach (var name in new[] { "health", "unauthorized", "authorized" })
        {
            if (run.Call(name) is { } call) Call(w, call);
            else w.WriteNull(name);
        }
        w.WriteEndObject();

        if (run.Call("authorized") is { } authorized)
        {
            w.WriteStartArray("authorizedRetryTimeline");
            foreach (var attempt in authorized.Attempts) Attempt(w, attempt);
            w.WriteEndArray();
        }
        else w.WriteNull("authorizedRetryTimeline");
    });

    private static void Assertion(Utf8JsonWriter w, SmokeAssertion a)
    {
        w.WriteStartObject();
        Str(w, "id", a.Id);
        Str(w, "call", a.Call);
        Str(w, "outcome", a.Outcome.ToString().ToLowerInvariant());
        Str(w, "expected", a.Expected);
        Str(w, "actual", a.Actual);
        Str(w, "detail", a.Detail);
        w.WriteEndObject();
    }

    private static void Call(Utf8JsonWriter w, SmokeCall call)
    {
        w.WriteStartObject(call.Name);
        Str(w, "assertionId", call.AssertionId);
        Str(w, "method", "GET");
        Str(w, "url", call.DisplayUrl);
        Str(w, "authorization", call.Authorized ? "bearer" : "none");
        w.WriteNumber("attempts", call.Attempts.Count);
        Ms(w, "elapsedMs", call.Elapsed);
        if (call.Response is { } r) w.WriteNumber("status", r.Status); else w.WriteNull("status");
        Str(w, "statusText", call.Response?.StatusText);
        Str(w, "error", call.Error);
        if (call.Response is { } response)
        {
            w.WriteStartObject("headers");
            foreach (var (name, value) in response.Headers) Str(w, name, value);
            w.WriteEndObject();
        }
        else w.WriteNull("headers");
        Str(w, "text", call.Response?.Text);
        w.WriteBoolean("textTruncated", call.Response?.TextTruncated ?? false);
        w.WriteEndObject();
    }

    private static void Attempt(Utf8JsonWriter w, SmokeAttempt a)
    {
        w.WriteStartObject();
        w.WriteNumber("attempt", a.Number);
        Time(w, "at", a.At);
        Ms(w, "elapsedMs", a.Elapsed);
        Ms(w, "durationMs", a.Duration);
        if (a.Status is { } status) w.WriteNumber("status", status); else w.WriteNull("status");
        Str(w, "error", a.Error);
        Str(w, "detail", a.Detail);
        Ms(w, "retryInMs", a.RetryIn);
        w.WriteEndObject();
    }
}
