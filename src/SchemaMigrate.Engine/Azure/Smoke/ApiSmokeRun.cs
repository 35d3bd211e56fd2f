using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure.Smoke;

public enum SmokeOutcome
{
    Passed,
    Failed,
    /// <summary>Not run, because an earlier assertion failed or the run was cancelled.</summary>
    Skipped,
}

/// <summary>One assertion of the smoke test, by its stable id (health-2xx, unauthenticated-rejected, authorized-2xx).</summary>
public sealed record SmokeAssertion(string Id, string Call, SmokeOutcome Outcome, string Expected, string? Actual, string Detail);

/// <summary>
/// One attempt of a call: when it was sent (<paramref name="Elapsed"/> after the call's first attempt), how long the
/// answer took, its status or why there was none, what it said (WWW-Authenticate or the start of the text), and
/// the wait before the next attempt, if there was one.
/// </summary>
public sealed record SmokeAttempt(int Number, DateTimeOffset At, TimeSpan Elapsed, TimeSpan Duration, int? Status, string? Error, string? Detail, TimeSpan? RetryIn);

/// <summary>An answer as the artifact keeps it: headers with their secrets masked, the start of the text, redacted.</summary>
public sealed record SmokeResponse(int Status, string StatusText, IReadOnlyList<KeyValuePair<string, string>> Headers, string Text, bool TextTruncated)
{
    public string StatusLine => $"{Status} {StatusText}".TrimEnd();

    /// <summary>What the answer says, short: why a 401/403 was refused (WWW-Authenticate), where a redirect goes, else its text.</summary>
    public string? Gist
    {
        get
        {
            var text = Header("www-authenticate") ?? (Header("location") is { } location ? $"redirects to {location}" : Text.ReplaceLineEndings(" ").Trim());
            return text.Length == 0 ? null : text.Length > 200 ? text[..199] + "…" : text;
        }
    }

    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>One call of the smoke test (health, unauthorized, authorized): every attempt, and the last answer or error.</summary>
public sealed record SmokeCall(string Name, string AssertionId, Uri Url, bool Authorized, IReadOnlyList<SmokeAttempt> Attempts, SmokeResponse? Response, string? Error)
{
    public TimeSpan Elapsed => Attempts.Count == 0 ? TimeSpan.Zero : Attempts[^1].Elapsed + Attempts[^1].Duration;

    /// <summary>The address as the artifact and the cmdlet's output show it: a key in its query (?code=, ?api_key=) masked.</summary>
    public string DisplayUrl => Redactor.Redact(Url.ToString());
}

/// <summary>What one Invoke-ApiSmokeTest did: its assertions, calls, and why it failed.</summary>
public sealed record ApiSmokeRun
{
    public required Uri BaseUri { get; init; }
    public required IReadOnlyList<SmokeAssertion> Assertions { get; init; }
    public required IReadOnlyList<SmokeCall> Calls { get; init; }
    public TimeSpan RetryWindow { get; init; }
    public TimeSpan RequestTimeout { get; init; }
    public Failure? Failure { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
    public TimeSpan Elapsed => CompletedAt - StartedAt;
    public string? ArtifactPath { get; init; }
    /// <summary>The listener's ShouldProcess said no (-WhatIf, or No at the -Confirm prompt): nothing was called or written.</summary>
    public bool Declined { get; init; }

    public bool Passed => Failure is null;
    public SmokeAssertion? FailedAssertion => Assertions.FirstOrDefault(a => a.Outcome == SmokeOutcome.Failed);
    public SmokeCall? Call(string name) => Calls.FirstOrDefault(c => c.Name == name);
}
