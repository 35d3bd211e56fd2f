using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// A Container Apps job. <see cref="Subscription"/> may be a subscription id, a display name or null (the one
/// subscription the identity sees, or AZURE_SUBSCRIPTION_ID) until the operations resolve it to an id.
/// </summary>
public sealed partial record JobReference(string ResourceGroupName, string JobName, string? Subscription = null)
{
    internal string Path => $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroupName}/providers/Microsoft.App/jobs/{JobName}";

    /// <summary>Job, execution and resource group names as ARM accepts them (reference §0: ^[-\w\._\(\)]+$).</summary>
    internal static bool IsName(string? value) => value is not null && ArmName().IsMatch(value);

    internal static string CheckName(string? value, string what) =>
        IsName(value) ? value!
            : throw new MigrationException(ReasonCodes.InvalidArgument,
                $"{what} '{value}' is not a valid Azure resource name (letters, digits, '-', '_', '.', '(', ')').");

    [GeneratedRegex(@"^[-\w\._\(\)]{1,260}$")]
    private static partial Regex ArmName();
}

/// <summary>The execution states ARM reports (JobExecutionRunningState; unknown strings are tolerated).</summary>
public static class JobExecutionStatus
{
    public const string Running = "Running";
    public const string Processing = "Processing";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Stopped = "Stopped";
    public const string Degraded = "Degraded";

    /// <summary>Running or Processing: the job is busy, a new start would run in parallel.</summary>
    public static bool IsActive(string? status) => Is(status, Running) || Is(status, Processing);

    /// <summary>Succeeded, Failed, Stopped or Degraded. Unknown and a missing status are not terminal.</summary>
    public static bool IsTerminal(string? status) => Is(status, Succeeded) || IsFailure(status);

    /// <summary>Failed, Stopped or Degraded: a deploy gate must fail closed.</summary>
    public static bool IsFailure(string? status) => Is(status, Failed) || Is(status, Stopped) || Is(status, Degraded);

    private static bool Is(string? status, string expected) => string.Equals(status, expected, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A job as ARM describes it: what the operations need to start, check and triage it.</summary>
public sealed record MigrationJob
{
    public required JobReference Reference { get; init; }
    public required string Id { get; init; }
    /// <summary>The managed environment's ARM id; its logging configuration names the Log Analytics workspace.</summary>
    public string? EnvironmentId { get; init; }
    public string? ProvisioningState { get; init; }
    /// <summary>Manual, Schedule or Event; seed 000's single run needs Manual with parallelism 1.</summary>
    public string? TriggerType { get; init; }
    public int? Parallelism { get; init; }
    public required JobExecutionTemplate Template { get; init; }
}

/// <summary>The containers of a job, or of one execution (the start body's JobExecutionTemplate).</summary>
public sealed record JobExecutionTemplate(IReadOnlyList<JobContainer> Containers, IReadOnlyList<JobContainer> InitContainers)
{
    /// <summary>
    /// The same containers with another image: command, args, env (secretRef entries included) and resources are
    /// kept, because a start with a template replaces the job's container list for that execution. Init
    /// containers keep their own images.
    /// </summary>
    public JobExecutionTemplate WithImage(string image) =>
        this with { Containers = Containers.Select(c => c with { Image = image }).ToList() };
}

public sealed record JobContainer(string Name, string Image)
{
    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyList<JobEnvironmentVariable> Env { get; init; } = [];
    public double? Cpu { get; init; }
    public string? Memory { get; init; }
}

/// <summary>An env entry: a plain value or a reference to one of the job's secrets.</summary>
public sealed record JobEnvironmentVariable(string Name, string? Value = null, string? SecretRef = null);

/// <summary>One execution of a job. Property names bind by name to the job cmdlets' parameters.</summary>
public sealed record JobExecution
{
    public required string Subscription { get; init; }
    public required string ResourceGroupName { get; init; }
    public required string JobName { get; init; }
    public required string ExecutionName { get; init; }
    /// <summary>As ARM reports it; null right after a start.</summary>
    public string? Status { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    /// <summary>The image of the execution's first container.</summary>
    public string? Image { get; init; }
    public string? Id { get; init; }

    /// <summary>EndTime - StartTime once the execution has ended.</summary>
    public TimeSpan? Duration => StartTime is { } start && EndTime is { } end ? end - start : null;

    public JobReference Job => new(ResourceGroupName, JobName, Subscription);
}

/// <summary>
/// A managed environment's logging: where console and system logs of its jobs go. <see cref="LogsDestination"/> is
/// log-analytics when ARM names a workspace without a destination (the specification allows the workspace only
/// with that destination); null when ARM sends none.
/// </summary>
public sealed record ManagedEnvironment(string Id, string Name, string? LogsDestination, string? WorkspaceId)
{
    public const string LogAnalytics = "log-analytics";
    public const string AzureMonitor = "azure-monitor";

    /// <summary>False when ARM's answer has no appLogsConfiguration at all.</summary>
    public bool HasLogsConfiguration { get; init; } = true;
}

/// <summary>One console or system log row of an execution. <see cref="Message"/> is redacted.</summary>
public sealed record JobLogEntry(DateTimeOffset Time, string Stream, string? Replica, string? Container, string Message, string SourceTable)
{
    public const string SystemStream = "system";

    /// <summary>The platform's event reason on system rows (ProcessExited, Completed, BackoffLimitExceeded, ...).</summary>
    public string? Reason { get; init; }

    public bool IsSystem => Stream == SystemStream;
}

/// <summary>Where an execution's logs came from, and whether they are known to be complete.</summary>
public sealed record JobLogSource
{
    /// <summary>The Log Analytics workspace (customer id), or null when none could be determined.</summary>
    public string? WorkspaceId { get; init; }
    /// <summary>How the workspace was found: the environment's log-analytics destination, or given explicitly.</summary>
    public required string Origin { get; init; }
    /// <summary>The tables that returned rows.</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];
    /// <summary>The execution ended, its final system event arrived and a later poll brought nothing new.</summary>
    public bool Complete { get; init; }
    /// <summary>Why logs are missing or may be incomplete.</summary>
    public string? Note { get; init; }
}

/// <summary>An execution's log rows in time order, and their source.</summary>
public sealed record JobLogs(IReadOnlyList<JobLogEntry> Entries, JobLogSource Source);
