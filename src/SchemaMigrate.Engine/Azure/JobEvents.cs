namespace SchemaMigrate.Engine.Azure;

/// <summary>What a job operation reports while it works; the cmdlets turn these into Verbose, Warning and Progress.</summary>
public abstract record JobEvent(string Message);

/// <summary>A step worth a Verbose line (request sent, execution started, logs found).</summary>
public sealed record JobNote(string Message) : JobEvent(Message);

/// <summary>Something the operator should know that does not fail the operation.</summary>
public sealed record JobWarning(string Message) : JobEvent(Message);

/// <summary>A wait in progress: <paramref name="Elapsed"/> of at most <paramref name="Limit"/>.</summary>
public sealed record JobProgress(string Activity, string Message, TimeSpan Elapsed, TimeSpan Limit) : JobEvent(Message);

/// <summary>An execution reached a new status (the status timeline).</summary>
public sealed record JobStatusChanged(string ExecutionName, JobStatusChange Change)
    : JobEvent($"{ExecutionName}: {Change.Status} after {Elapsed.Format(Change.Elapsed)}");

/// <summary>One entry of the status timeline: the status first seen at <paramref name="At"/>, <paramref name="Elapsed"/> after the start request.</summary>
public sealed record JobStatusChange(string Status, DateTimeOffset At, TimeSpan Elapsed);

/// <summary>Receives a job operation's events and confirms its changes (PowerShell's ShouldProcess).</summary>
public interface IJobListener
{
    void OnEvent(JobEvent e);

    bool ShouldProcess(string target, string action) => true;
}

/// <summary>How often and how long the job operations poll. Tests shorten these.</summary>
public sealed record JobPolling
{
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan LogInterval { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>How long a wait for logs keeps polling once the execution has ended (ingestion usually lags minutes).</summary>
    public TimeSpan LogWait { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>How long a stop waits for the execution to read Stopped.</summary>
    public TimeSpan StopWait { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>A just-started execution may not be readable yet: its 404 is tolerated this long.</summary>
    public TimeSpan NotFoundGrace { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A wait or run time for people: milliseconds under a second, else whole seconds, minutes or hours.</summary>
internal static class Elapsed
{
    public static string Format(TimeSpan t) =>
        t < TimeSpan.FromSeconds(1) ? $"{(long)t.TotalMilliseconds}ms" : Configuration.Durations.Format(TimeSpan.FromSeconds(Math.Round(t.TotalSeconds)));
}
