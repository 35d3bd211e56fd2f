using System.Diagnostics;
using System.Runtime.CompilerServices;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

public enum JobLogMode
{
    /// <summary>One query: what Log Analytics holds now.</summary>
    Once,
    /// <summary>Poll through the ingestion delay until the execution has ended and its logs are complete (bounded).</summary>
    Wait,
    /// <summary>Tail: report new rows as they arrive until the execution has ended and its logs are complete (bounded after the end).</summary>
    Follow,
}

/// <summary>
/// Reads an execution's console and system rows from Log Analytics: finds the workspace, sends one KQL query
/// over the log-analytics (_CL) and azure-monitor (resource) tables, and polls through the ingestion delay.
/// </summary>
internal sealed class JobLogReader(IContainerAppsJobClient arm, ILogAnalyticsClient logs, JobPolling polling)
{
    /// <summary>Rows arrive this late after the event (container shutdown, clock skew); the query window allows for it.</summary>
    private static readonly TimeSpan WindowMargin = TimeSpan.FromMinutes(15);

    /// <summary>System event reasons that end an execution: after one of these no new rows are expected.</summary>
    private static readonly string[] FinalReasons = ["Completed", "BackoffLimitExceeded", "DeadlineExceeded", "Suspended"];

    /// <summary>The workspace given, or the one the job's managed environment sends its logs to.</summary>
    public async Task<LogTail> OpenAsync(JobReference job, string? workspaceId, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(workspaceId)) return new LogTail(workspaceId.Trim(), "workspace given explicitly");
        var definition = await arm.GetJobAsync(job, ct);
        if (definition.EnvironmentId is null)
            throw Unavailable($"job {job.JobName} names no managed environment", "Pass -WorkspaceId with the Log Analytics workspace id (a GUID).");
        var environment = await arm.GetManagedEnvironmentAsync(definition.EnvironmentId, ct);
        var name = environment.Name;
        return environment.LogsDestination switch
        {
            ManagedEnvironment.LogAnalytics when Guid.TryParse(environment.WorkspaceId, out _) =>
                new LogTail(environment.WorkspaceId!, $"managed environment {name} (destination log-analytics)"),
            ManagedEnvironment.LogAnalytics => throw Unavailable(environment.WorkspaceId is null
                    ? $"managed environment {name} sends logs to log-analytics but names no workspace (logAnalyticsConfiguration.customerId is absent)"
                    : $"managed environment {name} names Log Analytics workspace '{environment.WorkspaceId}', which is not a workspace customer id (a GUID)",
                "Pass -WorkspaceId with the customer id (a GUID, 'Workspace ID' in the portal) of the workspace the environment sends its logs to."),
            ManagedEnvironment.AzureMonitor => throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.InvalidArgument,
                Message = Redactor.Redact($"managed environment {name} sends logs through Azure Monitor diagnostic settings, which do not name the workspace here"),
                NextStep = "Pass -WorkspaceId with the workspace id (a GUID) of the Log Analytics workspace its diagnostic setting targets.",
            }),
            _ when !environment.HasLogsConfiguration => throw Unavailable(
                $"managed environment {name} has no logs configuration (ARM's answer has no appLogsConfiguration), so its jobs' console and system logs are not stored", null),
            null or "none" => throw Unavailable($"managed environment {name} stores no logs (destination '{environment.LogsDestination ?? "none"}')", null),
            _ => throw Unavailable($"managed environment {name} sends logs to '{environment.LogsDestination}', which SchemaMigrate cannot read",
                "Pass -WorkspaceId with the customer id (a GUID) of a Log Analytics workspace that receives the environment's logs."),
        };
    }

    /// <summary>Polls per <paramref name="mode"/> and yields each batch of rows not seen before, in time order.</summary>
    public async IAsyncEnumerable<IReadOnlyList<JobLogEntry>> ReadAsync(LogTail tail, JobExecution execution, JobLogMode mode, TimeSpan limit,
        IJobListener listener, [EnumeratorCancellation] CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var endedAt = JobExecutionStatus.IsTerminal(execution.Status) ? TimeSpan.Zero : (TimeSpan?)null;
        var finalEventSeen = false;
        for (var poll = 1; ; poll++)
        {
            var from = (execution.StartTime ?? DateTimeOffset.UtcNow) - WindowMargin;
            var to = (execution.EndTime ?? DateTimeOffset.UtcNow) + WindowMargin;
            var result = await logs.QueryAsync(tail.WorkspaceId, JobLogQuery.For(execution), from, to, ct);
            if (result.PartialError is { } partial)
            {
                tail.Note = $"Log Analytics returned a partial result: {partial}";
                listener.OnEvent(new JobWarning(tail.Note));
            }
            var fresh = tail.Add(JobLogQuery.Entries(result));
            finalEventSeen |= fresh.Any(e => e.IsSystem && FinalReasons.Contains(e.Reason, StringComparer.OrdinalIgnoreCase));
            if (fresh.Count > 0) yield return fresh;
            if (mode == JobLogMode.Once) break;

            if (endedAt is null)
            {
                execution = await arm.GetExecutionAsync(execution.Job, execution.ExecutionName, ct);
                if (JobExecutionStatus.IsTerminal(execution.Status)) endedAt = clock.Elapsed;
            }
            if (endedAt is not null && finalEventSeen && fresh.Count == 0)
            {
                tail.Complete = true;
                break;
            }
            var waited = mode == JobLogMode.Follow ? clock.Elapsed - (endedAt ?? clock.Elapsed) : clock.Elapsed;
            if (waited >= limit)
            {
                tail.Note ??= $"logs may be incomplete: polled for {Elapsed.Format(waited)} without " +
                    (endedAt is null ? $"execution {execution.ExecutionName} ending" : "its final system event (Completed, BackoffLimitExceeded, DeadlineExceeded)") +
                    "; Log Analytics ingestion can lag several minutes, so query again later";
                listener.OnEvent(new JobWarning(tail.Note));
                break;
            }
            listener.OnEvent(new JobProgress($"Logs of {execution.ExecutionName}",
                $"{tail.Count} rows after {poll} queries; execution {execution.Status ?? "starting"}", waited, limit));
            // The last poll comes at the limit, not a whole interval after it.
            var left = limit - waited;
            await Task.Delay(left < polling.LogInterval ? left : polling.LogInterval, ct);
        }
        if (tail.Count == 0 && JobExecutionStatus.IsTerminal(execution.Status))
            tail.Note ??= $"no console or system rows for {execution.ExecutionName} in workspace {tail.WorkspaceId}: the execution may never have got a replica (image, secret or start failure), or its environment logs elsewhere";
    }

    /// <summary>Everything <see cref="ReadAsync"/> yields, in time order.</summary>
    public async Task<JobLogs> CollectAsync(LogTail tail, JobExecution execution, JobLogMode mode, TimeSpan limit, IJobListener listener, CancellationToken ct)
    {
        await foreach (var _ in ReadAsync(tail, execution, mode, limit, listener, ct)) { }
        return new JobLogs(tail.Entries, tail.Source);
    }

    private static MigrationException Unavailable(string message, string? nextStep) =>
        new(new Failure { Reason = ReasonCodes.JobLogsUnavailable, Message = Redactor.Redact(message), NextStep = nextStep });
}

/// <summary>The rows read so far from one workspace, de-duplicated across polls and across both table schemas.</summary>
internal sealed class LogTail(string workspaceId, string origin)
{
    private readonly HashSet<(DateTimeOffset, string?, string, string)> _seen = [];
    private readonly List<JobLogEntry> _entries = [];

    public string WorkspaceId { get; } = workspaceId;
    public bool Complete { get; set; }
    public string? Note { get; set; }
    public int Count => _entries.Count;

    public IReadOnlyList<JobLogEntry> Entries => _entries.OrderBy(e => e.Time).ToList();

    public JobLogSource Source => new()
    {
        WorkspaceId = WorkspaceId,
        Origin = origin,
        Tables = _entries.Select(e => e.SourceTable).Distinct().Order(StringComparer.Ordinal).ToList(),
        Complete = Complete,
        Note = Note,
    };

    public IReadOnlyList<JobLogEntry> Add(IEnumerable<JobLogEntry> rows)
    {
        var fresh = rows.Where(e => _seen.Add((e.Time, e.Replica, e.Stream, e.Message))).OrderBy(e => e.Time).ToList();
        _entries.AddRange(fresh);
        return fresh;
    }
}
