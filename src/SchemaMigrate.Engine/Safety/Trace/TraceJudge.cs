using System.Diagnostics;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// Turns what the tracer saw into the report: per statement its locks, rewrites, scans, new and validated
/// constraints and indexes, each gate prediction Confirmed or Mismatch; the schema diff's breaking changes; the app
/// images' queries that no longer prepare. Every finding is decided as the gate decides its own (phase, waivers).
/// </summary>
internal sealed class TraceJudge(TraceInput input, IReadOnlyList<SchemaChange> changes)
{
    private readonly Dictionary<(string, int), StatementVerdict> _verdicts = input.Gate.Statements.ToDictionary(s => (s.File, s.Line));
    private readonly Dictionary<string, GateFile> _files = input.Pending.ToDictionary(f => f.Id, StringComparer.Ordinal);
    /// <summary>When each lock of a file's transaction was taken: the start of the statement that took it.</summary>
    private readonly Dictionary<(string File, string Relation, LockMode Mode), long> _taken = [];

    /// <summary>A relation or object name without schema and quotes, as the gate's names compare.</summary>
    public static string Bare(string name) => name.Split('(')[0].Split('.')[^1].Trim('"');

    public TracedStatement Statement(Tracer.Step step)
    {
        var locks = Locks(step);
        foreach (var l in locks.Where(l => l.New)) _taken[(step.File.Id, l.Relation, l.Mode)] = step.Started;
        // The strongest lock that matters to traffic: on a relation that existed before the statement (a new index or
        // table is locked by its creator, and nobody can be waiting for it), tables before indexes.
        var older = locks.Where(l => !step.Created.Contains(l.Relation)).ToList();
        var strongest = older.Where(l => l.New).OrderByDescending(l => l.Mode).ThenBy(l => step.IsIndex(l.Relation)).FirstOrDefault()
                        ?? older.OrderByDescending(l => l.Mode).ThenBy(l => step.IsIndex(l.Relation)).FirstOrDefault();
        var statement = new TracedStatement
        {
            File = step.File.Id,
            Line = step.Statement.Line,
            Summary = Redactor.Redact(Summary(step.Statement.Text)),
            Observation = step.Watched is null ? LockObservation.Session : step.Missed ? LockObservation.Missed : LockObservation.Watched,
            Locks = locks,
            Rewrites = step.Rewrites,
            Scanned = step.Scanned,
            NewConstraints = step.NewConstraints,
            ValidatedConstraints = step.ValidatedConstraints,
            NewIndexes = step.NewIndexes,
            StrongestLock = strongest,
            HeldFor = strongest is null ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_taken.GetValueOrDefault((step.File.Id, strongest.Relation, strongest.Mode), step.Started), step.HeldUntil),
            Elapsed = Stopwatch.GetElapsedTime(step.Started, step.Ended),
        };
        var checkedPredictions = (_verdicts.TryGetValue((step.File.Id, step.Statement.Line), out var verdict) ? verdict.Predictions : [])
            .Select(p => Check(p, statement)).ToArray();
        var endLine = step.Statement.LineOfPosition(step.Statement.Text.Length);
        var findings = input.Gate.Findings.Where(f => f.File == step.File.Id && f.Line >= step.Statement.Line && f.Line <= endLine)
            .Concat(checkedPredictions.Where(c => c.Outcome == PredictionOutcome.Mismatch).Select(c => Mismatch(step, statement, c)))
            .ToArray();
        return statement with { Predictions = checkedPredictions, Findings = findings };
    }

    /// <summary>The gate's findings on the files that belong to no statement (a phase this run does not allow, an unused allow).</summary>
    public IEnumerable<Finding> FileFindings(IEnumerable<GateFile> traced)
    {
        foreach (var file in traced)
        {
            var first = file.Script.Statements.Count == 0 ? int.MaxValue : file.Script.Statements[0].Line;
            foreach (var f in input.Gate.Findings.Where(f => f.File == file.Id && (f.Line < first || f.Rule is Rules.UnusedAllow or Rules.PhaseNotAllowed)))
                yield return f;
        }
    }

    public IEnumerable<Finding> SchemaFindings() =>
        changes.Where(c => c.Breaks is not null)
            .Select(c => Gate.Decide(_files[c.File], input.Options, GateRules.Get<Rules.SchemaBreakingChange>(), StatementClass.Contract, c.Line, $"{c}: {c.Breaks}"));

    /// <param name="image">"rollback": must prepare after the pending files. "current": must prepare before them (a warning) and after them.</param>
    public IEnumerable<Finding> QueryFindings(string image, IReadOnlyList<AppQuery> queries, IReadOnlyList<PrepareError?> before, IReadOnlyList<PrepareError?> after)
    {
        var rule = GateRules.Get<Rules.AppQueryBroken>();
        for (int i = 0; i < queries.Count; i++)
        {
            var (query, was, now) = (queries[i], before[i], after[i]);
            var what = $"{image} image query {query.Number} ({Summary(query.Text)})";
            if (now is not null && !AppQueries.SaysNothing(now) && (was is null || image == "current"))
            {
                var change = Removal(now.Missing);
                var file = change?.File ?? input.Pending[^1].Id;
                var by = change is null ? "" : $"; {change.File}:{change.Line} {change}";
                yield return Located(rule, StatementClass.Contract, file, change?.Line ?? 1,
                    $"{what} no longer prepares after the pending files: {now.Message}{by}",
                    "the image still runs this query: keep what it needs until no deployed or rollback image runs it");
            }
            else if (was is not null && !AppQueries.SaysNothing(was) && now is null && image == "current")
            {
                var change = Addition(was.Missing);
                yield return Located(rule, StatementClass.Risky, change?.File ?? input.Pending[0].Id, change?.Line ?? 1,
                    $"{what} does not prepare before the pending files: {was.Message}{(change is null ? "" : $"; it needs {change.File}")}",
                    "this image must not serve traffic until the job has applied the pending files");
            }
            else if (was is not null && !AppQueries.SaysNothing(was) && image == "rollback")
                yield return Located(rule, StatementClass.Risky, input.Pending[0].Id, 1,
                    $"{what} does not prepare even before the pending files: {was.Message}",
                    "the queries file does not match the schema the trace started from: export it again, or check which files the trace replayed as deployed");
        }
    }

    private Finding Located(GateRule rule, StatementClass @class, string file, int line, string message, string because)
    {
        var waiver = _files[file].Waivers.FirstOrDefault(w => w.RuleId == rule.Id);
        return new Finding
        {
            // The message quotes the app's query and PostgreSQL's error about it: either may carry a literal secret.
            Rule = rule, File = file, Line = line, Class = @class, Message = Redactor.Redact(message),
            Verdict = waiver is not null ? Verdict.Waived : @class == StatementClass.Risky ? Verdict.Warning : Verdict.Refused,
            Because = waiver is not null ? $"waived at line {waiver.Line}: {waiver.Reason}" : because,
        };
    }

    /// <summary>The breaking change that took away the object a query names in its error: a drop or rename of it, or a change to it.</summary>
    private SchemaChange? Removal(string? name) =>
        name is null ? null : changes.FirstOrDefault(c => c.Breaks is not null && c.Change != SchemaChangeKind.Added && Bare(c.Object) == name);

    /// <summary>The change that gives an object of that name: an addition, or a rename to it.</summary>
    private SchemaChange? Addition(string? name) =>
        name is null ? null : changes.FirstOrDefault(c => c.Change == SchemaChangeKind.Added && Bare(c.Object) == name
                                                          || c.Change == SchemaChangeKind.Renamed && Bare(c.After!) == name);

    private CheckedPrediction Check(StatementPrediction p, TracedStatement s)
    {
        var outcome = PredictionOutcome.Confirmed;
        var observed = new List<string>();
        if (p.Lock is { } mode)
        {
            var onIt = s.Locks.Where(l => p.Relation is null || Bare(l.Relation) == p.Relation).ToList();
            if (s.Observation == LockObservation.Missed) { outcome = PredictionOutcome.Unobserved; observed.Add("locks not seen"); }
            else if (onIt.Any(l => l.Mode == mode)) observed.Add($"{mode} on {onIt.First(l => l.Mode == mode).Relation}");
            else
            {
                outcome = PredictionOutcome.Mismatch;
                observed.Add(onIt.Count == 0 ? $"no lock on {p.Relation}" : string.Join(", ", onIt.Select(l => $"{l.Mode} on {l.Relation}")));
            }
        }
        if (p.Rewrite is { } rewrite)
        {
            var rewrote = s.Rewrites.Where(r => p.Relation is null || !rewrite || Bare(r) == p.Relation).ToList();
            if (rewrite == rewrote.Count > 0) observed.Add(rewrite ? $"rewrote {string.Join(", ", rewrote)}" : "no rewrite");
            else
            {
                outcome = PredictionOutcome.Mismatch;
                observed.Add(rewrite ? "no rewrite" : $"rewrote {string.Join(", ", rewrote)}");
            }
        }
        return new CheckedPrediction(p, outcome, string.Join(" and ", observed));
    }

    private Finding Mismatch(Tracer.Step step, TracedStatement s, CheckedPrediction c)
    {
        var worse = c.Prediction.Rewrite == false && s.Rewrites.Count > 0
                    || c.Prediction.Lock is { } predicted && s.Locks.Any(l => (c.Prediction.Relation is null || Bare(l.Relation) == c.Prediction.Relation) && l.Mode > predicted);
        return Gate.Decide(step.File, input.Options, GateRules.Get<Rules.TraceMismatch>(), worse ? StatementClass.Blocked : StatementClass.Risky, step.Statement.Line,
            $"the gate predicted {c.Prediction} ({c.Prediction.Source}); PostgreSQL: {c.Observed}");
    }

    private static IReadOnlyList<TracedLock> Locks(Tracer.Step step)
    {
        var locks = new List<TracedLock>();
        if (step.Watched is { } watched)
        {
            foreach (var (relation, modes) in watched)
                foreach (var mode in modes.Order()) locks.Add(new TracedLock(relation, mode, true));
            return locks;
        }
        foreach (var (oid, (name, modes)) in step.After.Locks.OrderBy(l => step.After.Relations.TryGetValue(l.Key, out var r) && r.Kind == 'i').ThenBy(l => l.Value.Name, StringComparer.Ordinal))
            foreach (var mode in modes.Order())
                locks.Add(new TracedLock(name, mode, !(step.Before.Locks.TryGetValue(oid, out var had) && had.Modes.Contains(mode))));
        foreach (var (name, mode) in step.After.ObjectLocks)
            locks.Add(new TracedLock(name, mode, !(step.Before.ObjectLocks.TryGetValue(name, out var had) && had >= mode)));
        return locks;
    }

    private static string Summary(string text)
    {
        var first = text.Split('\n')[0].Trim();
        return first.Length > 80 ? first[..77] + "..." : first + (text.Contains('\n') ? " ..." : "");
    }
}
