using SchemaMigrate.Engine.Azure.Smoke;

namespace SchemaMigrate.Cmdlets;

public enum ApiSmokeOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>
/// One assertion of Invoke-ApiSmokeTest (health-2xx, unauthenticated-rejected, authorized-2xx) with the call that
/// decided it. The failed one is also the TargetObject of the terminating error that follows.
/// </summary>
public sealed class ApiSmokeAssertion
{
    public required string Id { get; init; }
    public required ApiSmokeOutcome Outcome { get; init; }
    /// <summary>health, unauthorized or authorized: the call's entry in api-smoke.json.</summary>
    public required string Call { get; init; }
    public string? Url { get; init; }
    /// <summary>The HTTP status of the call's last answer; empty when there was none.</summary>
    public int? Status { get; init; }
    public int Attempts { get; init; }
    public TimeSpan? Elapsed { get; init; }
    public required string Expected { get; init; }
    public string? Actual { get; init; }
    public required string Detail { get; init; }
    /// <summary>The failed assertion's reason code (the ErrorId of the error that follows).</summary>
    public string? ReasonCode { get; init; }
    /// <summary>The api-smoke.json written, if any.</summary>
    public string? ArtifactPath { get; init; }

    internal static ApiSmokeAssertion From(SmokeAssertion assertion, ApiSmokeRun run)
    {
        var call = run.Call(assertion.Call);
        return new()
        {
            Id = assertion.Id,
            Outcome = Enum.Parse<ApiSmokeOutcome>(assertion.Outcome.ToString()),
            Call = assertion.Call,
            Url = call?.DisplayUrl,
            Status = call?.Response?.Status,
            Attempts = call?.Attempts.Count ?? 0,
            Elapsed = call?.Elapsed,
            Expected = assertion.Expected,
            Actual = assertion.Actual,
            Detail = assertion.Detail,
            ReasonCode = assertion.Outcome == SmokeOutcome.Failed ? run.Failure?.ReasonCode : null,
            ArtifactPath = run.ArtifactPath,
        };
    }

    public override string ToString() => $"{Id}: {Outcome}";
}
