using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>What a run reports while it works. <see cref="Event"/> is the "event" field of the JSON line.</summary>
public abstract record MigrationEvent(string Event);

public sealed record RunStarted(string Command, string MigrationsDirectory, string Database, string Journal, int Files, int Applied, int Pending)
    : MigrationEvent("run.started");

/// <param name="Marker">Another tool's no-transaction marker the file is read by (e.g. <c>-- atlas:txmode none</c>), or null.</param>
public sealed record MigrationStarting(string Id, IReadOnlyList<string> Directives, int Index, int Total, string? Marker = null)
    : MigrationEvent("migration.started");

public sealed record MigrationApplied(string Id, string Checksum, int Statements, TimeSpan Elapsed)
    : MigrationEvent("migration.applied");

public sealed record MigrationSkipped(string Id, string Reason)
    : MigrationEvent("migration.skipped");

public sealed record MigrationFailed(string Id, Failure Failure)
    : MigrationEvent("migration.failed");

/// <summary>Something the operator should know that does not stop the run (e.g. a modified applied file).</summary>
public sealed record MigrationWarning(string? Id, string Kind, string Message)
    : MigrationEvent("warning");

/// <summary>Another session holds the migration lock; this run polls for it for up to <see cref="Wait"/>.</summary>
public sealed record LockWaiting(string Journal, string Holder, TimeSpan Wait)
    : MigrationEvent("lock.waiting");

/// <summary>This run holds the migration lock (a session advisory lock keyed on the journal's name) until it ends.</summary>
public sealed record LockAcquired(string Journal, TimeSpan Waited)
    : MigrationEvent("lock.acquired");

/// <summary>A migration (or one statement of a no-transaction migration) hit lock_timeout and runs again after <see cref="Delay"/>.</summary>
public sealed record MigrationRetrying(string Id, int Attempt, int MaxRetries, TimeSpan Delay, string Reason)
    : MigrationEvent("migration.retrying");

/// <summary>A no-transaction migration that stopped part-way in an earlier run continues at statement <see cref="Statement"/>.</summary>
public sealed record MigrationResuming(string Id, int Statement, int Total, string Reason)
    : MigrationEvent("migration.resuming");

/// <summary>
/// One statement of a no-transaction migration ran (1-based <see cref="Index"/>): committed, or (<see cref="Committed"/>
/// false) inside a transaction the file opened itself, which commits at the file's COMMIT.
/// </summary>
public sealed record StatementApplied(string Id, int Index, int Total, int Line, TimeSpan Elapsed, bool Committed = true)
    : MigrationEvent("statement.applied");

/// <summary>Receives a run's events; may veto each migration (PowerShell's -Confirm).</summary>
public interface IMigrationListener
{
    void OnEvent(MigrationEvent e);

    bool ShouldApply(MigrationFile migration) => true;
}

/// <summary>A listener that ignores everything.</summary>
public sealed class NullListener : IMigrationListener
{
    public static readonly NullListener Instance = new();
    public void OnEvent(MigrationEvent e) { }
}

/// <summary>One migration that this run applied.</summary>
public sealed record AppliedMigration(string Id, string Checksum, int Statements, TimeSpan Elapsed);

/// <summary>The outcome of `up`. On failure <see cref="Failure"/> says why; what was applied before it stays applied.</summary>
public sealed record ApplyResult
{
    public Failure? Failure { get; init; }
    public IReadOnlyList<AppliedMigration> Applied { get; init; } = [];
    /// <summary>Migrations already in the journal before this run.</summary>
    public int AlreadyApplied { get; init; }
    /// <summary>Migrations still pending after this run (not attempted, failed, declined, or beyond --to).</summary>
    public int Pending { get; init; }
    public TimeSpan Elapsed { get; init; }
    public bool Succeeded => Failure is null;
}

/// <summary>A finding of the deploy gate, before anything runs: refused, allowed, waived, a warning or a note.</summary>
public sealed record GateFindingReported(Safety.Finding Finding)
    : MigrationEvent("gate.finding");
