using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>A lock the statement's session held when the statement ended; <see cref="New"/> when this statement took it.</summary>
public sealed record TracedLock(string Relation, LockMode Mode, bool New);

/// <summary>How the trace saw a statement's locks.</summary>
public enum LockObservation
{
    /// <summary>Read from pg_locks in the statement's own session before its transaction committed.</summary>
    Session,
    /// <summary>A statement that cannot run in a transaction block: read from another session while it waited for that session's snapshot.</summary>
    Watched,
    /// <summary>It ran outside a transaction block and finished before another session could see its locks.</summary>
    Missed,
}

public enum PredictionOutcome
{
    Confirmed,
    Mismatch,
    /// <summary>The locks could not be seen (see <see cref="LockObservation.Missed"/>), so the lock part is not judged.</summary>
    Unobserved,
}

/// <summary>One static prediction of the gate against what PostgreSQL did.</summary>
public sealed record CheckedPrediction(StatementPrediction Prediction, PredictionOutcome Outcome, string Observed);

/// <summary>What one pending statement did on PostgreSQL.</summary>
public sealed record TracedStatement
{
    public required string File { get; init; }
    public required int Line { get; init; }
    /// <summary>The statement's first line, for people.</summary>
    public required string Summary { get; init; }
    public required LockObservation Observation { get; init; }
    public required IReadOnlyList<TracedLock> Locks { get; init; }
    /// <summary>Tables and indexes that existed before the pending set and got a new relfilenode (were rewritten).</summary>
    public required IReadOnlyList<string> Rewrites { get; init; }
    /// <summary>Tables this statement read in full (sequential scans: a validation, an index build, a rewrite).</summary>
    public required IReadOnlyList<string> Scanned { get; init; }
    public required IReadOnlyList<string> NewConstraints { get; init; }
    public required IReadOnlyList<string> ValidatedConstraints { get; init; }
    public required IReadOnlyList<string> NewIndexes { get; init; }
    /// <summary>The strongest lock this statement took (or, when it took none, the strongest its transaction held).</summary>
    public TracedLock? StrongestLock { get; init; }
    /// <summary>How long <see cref="StrongestLock"/> was held: from this statement's start until its transaction committed.</summary>
    public TimeSpan HeldFor { get; init; }
    public TimeSpan Elapsed { get; init; }
    public IReadOnlyList<CheckedPrediction> Predictions { get; init; } = [];
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>The common operations that wait while <see cref="StrongestLock"/> is held.</summary>
    public IReadOnlyList<string> Blocks => StrongestLock?.Mode.Blocks() ?? [];
}

/// <summary>A pending file the trace ran to the end, with the checksum that `up --require-trace` matches.</summary>
public sealed record TracedFile(string Id, string Checksum, IReadOnlyList<TracedStatement> Statements);

public enum SchemaChangeKind
{
    Added,
    Dropped,
    /// <summary><see cref="SchemaChange.Before"/> and <see cref="SchemaChange.After"/> are the old and new names.</summary>
    Renamed,
    /// <summary><see cref="SchemaChange.Before"/> and <see cref="SchemaChange.After"/> are the old and new definitions.</summary>
    Changed,
}

/// <summary>A change between the schema before and after the pending files, and the file (and line) that made it.</summary>
public sealed record SchemaChange(string Kind, string Object, SchemaChangeKind Change, string? Before, string? After, string File, int Line)
{
    /// <summary>Why a client of the old schema breaks, or null for an additive change.</summary>
    public string? Breaks { get; init; }

    public override string ToString() => Change switch
    {
        SchemaChangeKind.Added => $"adds {Kind} {Object}",
        SchemaChangeKind.Dropped => $"drops {Kind} {Object}",
        SchemaChangeKind.Renamed => $"renames {Kind} {Before} to {After}",
        _ => $"changes {Kind} {Object} from {Before} to {After}",
    };
}

/// <summary>What `verify --trace` saw: every pending statement, the schema diff, the app images' queries, and all findings.</summary>
public sealed record TraceReport
{
    public required IReadOnlyList<TracedFile> Files { get; init; }
    public required IReadOnlyList<SchemaChange> SchemaChanges { get; init; }
    /// <summary>Findings that belong to no single statement: the schema diff's and the queries'.</summary>
    public required IReadOnlyList<Finding> SetFindings { get; init; }
    /// <summary>Relation name to its total size in bytes, for every rewritten or scanned table.</summary>
    public IReadOnlyDictionary<string, long> Sizes { get; init; } = new Dictionary<string, long>();
    public int QueriesChecked { get; init; }
    public int QueriesSkipped { get; init; }
    /// <summary>The statement that failed, when one did; the files after it were not traced.</summary>
    public Failure? Failure { get; init; }

    public IEnumerable<TracedStatement> Statements => Files.SelectMany(f => f.Statements);
    public IReadOnlyList<Finding> Findings => Statements.SelectMany(s => s.Findings).Concat(SetFindings)
        .OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column).ToArray();
    public IReadOnlyList<Finding> Refused => Findings.Where(f => f.Refused).ToArray();
}
