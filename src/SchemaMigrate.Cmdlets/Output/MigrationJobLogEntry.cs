using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets;

/// <summary>One console or system log row of a job execution, as Get-MigrationJobLog writes it (Message is redacted).</summary>
public sealed class MigrationJobLogEntry
{
    public required DateTimeOffset Time { get; init; }
    /// <summary>stdout, stderr, or system (the platform's events).</summary>
    public required string Stream { get; init; }
    public string? Replica { get; init; }
    public string? Container { get; init; }
    public required string Message { get; init; }
    /// <summary>On system rows: the platform's event (ProcessExited, Completed, BackoffLimitExceeded, ...).</summary>
    public string? Reason { get; init; }
    /// <summary>The Log Analytics table the row came from.</summary>
    public required string Source { get; init; }

    internal static MigrationJobLogEntry From(JobLogEntry e) => new()
    {
        Time = e.Time, Stream = e.Stream, Replica = e.Replica, Container = e.Container, Message = e.Message, Reason = e.Reason, Source = e.SourceTable,
    };

    public override string ToString() => Message;
}
