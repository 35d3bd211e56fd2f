using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets;

/// <summary>
/// One execution of a Container Apps job, as Start-MigrationJob, Get-MigrationJobExecution and
/// Stop-MigrationJobExecution write it. Subscription, ResourceGroupName, JobName and ExecutionName bind by name to
/// the job cmdlets' parameters (JobName through the alias of -Name), so an execution pipes into
/// Get-MigrationJobLog and Stop-MigrationJobExecution. There is deliberately no Name property: it would bind the
/// execution's name to -Name, the job.
/// </summary>
public sealed class MigrationJobExecution
{
    public required string Subscription { get; init; }
    public required string ResourceGroupName { get; init; }
    public required string JobName { get; init; }
    public required string ExecutionName { get; init; }
    /// <summary>Running, Processing, Succeeded, Failed, Stopped, Degraded, Unknown, or empty right after a start.</summary>
    public string? Status { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    /// <summary>EndTime - StartTime once the execution has ended (ARM reports whole seconds).</summary>
    public TimeSpan? Duration { get; init; }
    public string? Image { get; init; }
    /// <summary>Start-MigrationJob -Wait: each status as first seen, with its time.</summary>
    public MigrationJobStatusChange[] StatusTimeline { get; init; } = [];
    /// <summary>Start-MigrationJob -Wait: why the execution failed (the ErrorId of the error that follows).</summary>
    public string? ReasonCode { get; init; }
    public string? Reason { get; init; }
    /// <summary>The migration.json Start-MigrationJob wrote.</summary>
    public string? ArtifactPath { get; init; }

    internal static MigrationJobExecution From(JobExecution e) => new()
    {
        Subscription = e.Subscription,
        ResourceGroupName = e.ResourceGroupName,
        JobName = e.JobName,
        ExecutionName = e.ExecutionName,
        Status = e.Status,
        StartTime = e.StartTime,
        EndTime = e.EndTime,
        Duration = e.Duration,
        Image = e.Image,
    };

    /// <summary>A started run (<see cref="JobRun.Started"/>).</summary>
    internal static MigrationJobExecution From(JobRun run) => new()
    {
        Subscription = run.Subscription!,
        ResourceGroupName = run.ResourceGroupName,
        JobName = run.JobName,
        ExecutionName = run.ExecutionName!,
        Status = run.Status,
        StartTime = run.StartTime,
        EndTime = run.EndTime,
        Duration = run.Duration,
        Image = run.Image,
        StatusTimeline = [.. run.StatusTimeline.Select(c => new MigrationJobStatusChange { Status = c.Status, At = c.At, Elapsed = c.Elapsed })],
        ReasonCode = run.ReasonCode,
        Reason = run.Failure?.For(PowerShellOptionNames.For("Start-MigrationJob")).Message,
        ArtifactPath = run.ArtifactPath,
    };

    public override string ToString() => ExecutionName;
}

/// <summary>An entry of an execution's status timeline: the status, when it was first seen, and how long after the start request.</summary>
public sealed class MigrationJobStatusChange
{
    public required string Status { get; init; }
    public required DateTimeOffset At { get; init; }
    public required TimeSpan Elapsed { get; init; }

    public override string ToString() => $"{Status} +{(long)Elapsed.TotalMilliseconds}ms";
}
