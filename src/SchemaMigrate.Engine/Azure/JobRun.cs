using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>Start-MigrationJob's parameters.</summary>
public sealed record JobStartRequest(JobReference Job)
{
    /// <summary>Runs this execution with another image (the release's), keeping the job's command, args, env and resources.</summary>
    public string? Image { get; init; }
    /// <summary>Starts even when an execution is Running or Processing.</summary>
    public bool Force { get; init; }
    /// <summary>Polls the execution to a terminal status; a failure then carries its classified reason.</summary>
    public bool Wait { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>The Log Analytics workspace (customer id) when the environment does not name it (azure-monitor destination).</summary>
    public string? WorkspaceId { get; init; }
    /// <summary>The folder that receives &lt;sha&gt;/migration.json (default .artifacts/deploy).</summary>
    public string? ArtifactPath { get; init; }
    /// <summary>The commit the release was built from (default GITHUB_SHA or BUILD_SOURCEVERSION).</summary>
    public string? CommitSha { get; init; }

    public bool WritesArtifact => ArtifactPath is not null || CommitSha is not null;
}

/// <summary>Get-MigrationJobLog's parameters.</summary>
public sealed record JobLogRequest(JobReference Job, string ExecutionName)
{
    public string? WorkspaceId { get; init; }
    /// <summary>Poll through Log Analytics' ingestion delay until the logs are complete.</summary>
    public bool Wait { get; init; }
    /// <summary>How long a wait polls, or a follow keeps tailing after the execution ended (default <see cref="JobPolling.LogWait"/>).</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// What one Start-MigrationJob did: the execution, its status timeline and logs, and why it failed. The
/// identity properties bind by name to Get-MigrationJobLog and Stop-MigrationJobExecution.
/// </summary>
public sealed record JobRun
{
    public string? Subscription { get; init; }
    public required string ResourceGroupName { get; init; }
    public required string JobName { get; init; }
    public string? ExecutionName { get; init; }
    public string? Image { get; init; }
    /// <summary>The execution's last status seen.</summary>
    public string? Status { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public TimeSpan? Duration => StartTime is { } start && EndTime is { } end ? end - start : null;
    public IReadOnlyList<JobStatusChange> StatusTimeline { get; init; } = [];
    public IReadOnlyList<JobLogEntry> Logs { get; init; } = [];
    public JobLogSource? LogsSource { get; init; }
    public Failure? Failure { get; init; }
    public string? ReasonCode => Failure?.ReasonCode;
    /// <summary>
    /// True once Azure accepted the start and named the execution. False when the start was declined (-WhatIf),
    /// refused, or not confirmed (JOB_START_UNCONFIRMED: Azure accepted it, so an execution may be running).
    /// </summary>
    public bool Started { get; init; }
    public bool Waited { get; init; }
    public TimeSpan? WaitTimeout { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
    /// <summary>When Azure accepted the start.</summary>
    public DateTimeOffset? AcceptedAt { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
    public TimeSpan Elapsed => CompletedAt - RequestedAt;
    /// <summary>One line for people: the outcome and its reason.</summary>
    public required string Summary { get; init; }
    public string? ArtifactPath { get; init; }
    public bool Succeeded => Failure is null;
}
