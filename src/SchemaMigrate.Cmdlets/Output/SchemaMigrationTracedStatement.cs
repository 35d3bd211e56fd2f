using SchemaMigrate.Engine.Safety.Trace;

namespace SchemaMigrate.Cmdlets;

/// <summary>One pending statement as Test-SchemaMigration -Trace saw it run on PostgreSQL.</summary>
public sealed class SchemaMigrationTracedStatement
{
    public required string File { get; init; }
    public required int Line { get; init; }
    public required string Summary { get; init; }
    /// <summary>Session (pg_locks in its own session before commit), Watched (from another session) or Missed.</summary>
    public required string Observation { get; init; }
    /// <summary>"AccessExclusiveLock on users"; those taken by an earlier statement of the file end in "(held)".</summary>
    public required string[] Locks { get; init; }
    public string? StrongestLock { get; init; }
    public TimeSpan HeldFor { get; init; }
    /// <summary>Which of SELECT, INSERT, UPDATE, DELETE and DDL wait while the strongest lock is held.</summary>
    public required string[] Blocks { get; init; }
    /// <summary>Tables and indexes that got a new relfilenode, with their size.</summary>
    public required string[] Rewrites { get; init; }
    public required string[] Scanned { get; init; }
    public required string[] NewConstraints { get; init; }
    public required string[] ValidatedConstraints { get; init; }
    public required string[] NewIndexes { get; init; }
    /// <summary>"Confirmed: ..." or "Mismatch: ..." for each prediction of the gate.</summary>
    public required string[] Predictions { get; init; }
    public TimeSpan Elapsed { get; init; }
    public required SchemaMigrationFinding[] Findings { get; init; }

    internal static SchemaMigrationTracedStatement From(TracedStatement s, IReadOnlyDictionary<string, long> sizes)
    {
        string Sized(string relation) => sizes.TryGetValue(relation, out var bytes) ? $"{relation} ({bytes} bytes)" : relation;
        return new()
        {
            File = s.File, Line = s.Line, Summary = s.Summary, Observation = s.Observation.ToString(),
            Locks = [.. s.Locks.Select(l => $"{l.Mode} on {l.Relation}{(l.New ? "" : " (held)")}")],
            StrongestLock = s.StrongestLock is { } l ? $"{l.Mode} on {l.Relation}" : null, HeldFor = s.HeldFor, Blocks = [.. s.Blocks],
            Rewrites = [.. s.Rewrites.Select(Sized)], Scanned = [.. s.Scanned.Select(Sized)], NewConstraints = [.. s.NewConstraints],
            ValidatedConstraints = [.. s.ValidatedConstraints], NewIndexes = [.. s.NewIndexes],
            Predictions = [.. s.Predictions.Select(p => $"{p.Outcome}: {p.Prediction.Source} predicted {p.Prediction}; PostgreSQL: {p.Observed}")],
            Elapsed = s.Elapsed, Findings = [.. s.Findings.Select(SchemaMigrationFinding.From)],
        };
    }

    public override string ToString() => $"{File}:{Line} {Summary}";
}
