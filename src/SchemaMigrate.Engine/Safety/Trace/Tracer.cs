using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// Runs the pending files on a scratch database the way `up` does, one transaction per file (statement by
/// statement in autocommit for no-transaction files), and after every statement reads, in its own session before
/// commit, what it locked, rewrote, scanned and created. Around the set it snapshots the schema (the diff) and
/// prepares the app images' queries; <see cref="TraceJudge"/> turns what it saw into findings.
/// </summary>
internal sealed class Tracer
{
    private readonly TraceInput _input;
    private NpgsqlConnection _conn;
    private readonly string _connectionString;
    private readonly NpgsqlConnection _observer;
    private HashSet<long> _existing = [];
    // What the catalogs said before the statement now traced, kept up to date from each statement's own reading.
    private readonly Dictionary<long, CatalogState.Relation> _relations = [];
    private readonly Dictionary<long, CatalogState.Constraint> _constraints = [];
    private readonly Dictionary<long, long> _scans = [];
    /// <summary>Relations created in the transaction now running: invisible to other sessions, so their locks block nobody.</summary>
    private readonly HashSet<string> _createdInTransaction = new(StringComparer.Ordinal);

    private Tracer(TraceInput input, string connectionString, NpgsqlConnection conn, NpgsqlConnection observer)
    {
        _input = input;
        _connectionString = connectionString;
        _conn = conn;
        _observer = observer;
    }

    /// <summary>
    /// One executed statement: the locks its session held before and after it, when it started and ended, and what
    /// it did to the relations and constraints that existed before it.
    /// </summary>
    internal sealed record Step(GateFile File, SqlStatement Statement, CatalogState Before, CatalogState After, long Started, long Ended)
    {
        public long HeldUntil { get; set; }
        public Dictionary<string, HashSet<LockMode>>? Watched { get; init; }
        public bool Missed { get; init; }
        public IReadOnlyList<string> Rewrites { get; set; } = [];
        public IReadOnlyList<string> Scanned { get; set; } = [];
        public IReadOnlyList<string> NewIndexes { get; set; } = [];
        public IReadOnlyList<string> NewConstraints { get; set; } = [];
        public IReadOnlyList<string> ValidatedConstraints { get; set; } = [];
        /// <summary>Relations this statement created: nobody can wait for their locks.</summary>
        public IReadOnlySet<string> Created { get; set; } = new HashSet<string>();
        public bool IsIndex(string relation) => After.Relations.Values.Any(r => r.Name == relation && r.Kind == 'i');
    }

    public static async Task<TraceReport> RunAsync(string connectionString, TraceInput input, CancellationToken ct)
    {
        // The catalog reading runs after every statement: let Npgsql prepare it once instead of planning it each time.
        var prepared = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 8, AutoPrepareMinUsages = 2 }.ConnectionString;
        var conn = new NpgsqlConnection(prepared);
        await using var observer = new NpgsqlConnection(prepared);
        var tracer = new Tracer(input, prepared, conn, observer);
        try
        {
            await conn.OpenAsync(ct);
            await observer.OpenAsync(ct);
            return await tracer.TraceAsync(ct);
        }
        finally
        {
            await tracer._conn.DisposeAsync();
        }
    }

    private async Task<TraceReport> TraceAsync(CancellationToken ct)
    {
        var start = await CatalogState.ReadAsync(_conn, everything: true, ct);
        _existing = start.Relations.Keys.ToHashSet();
        Learn(start);
        var before = await SchemaSnapshot.ReadAsync(_conn, ct);
        var rollbackBefore = await PrepareAllAsync(_input.RollbackQueries, ct);
        var currentBefore = await PrepareAllAsync(_input.CurrentQueries, ct);

        var files = new List<(GateFile File, List<Step> Steps)>();
        var changes = new List<SchemaChange>();
        Failure? failure = null;
        var schema = before;
        var sinceSnapshot = new List<List<Step>>();
        foreach (var file in _input.Pending)
        {
            var steps = new List<Step>();
            try
            {
                if (file.NoTransaction) await RunAloneAsync(file, steps, ct);
                else await RunInTransactionAsync(file, steps, ct);
            }
            catch (PostgresException e)
            {
                failure = Failed(file, steps.Count < file.Script.Statements.Count ? file.Script.Statements[steps.Count] : null, e);
                break;
            }
            files.Add((file, steps));
            sinceSnapshot.Add(steps);
            if (file != _input.Pending[^1] && file.Script.Statements.Any(_input.ChangesSessionDefaults)) await ReopenAsync(ct);
            if (!CanBreak(steps) && file != _input.Pending[^1]) continue;
            // Only a file that changed what existed before it can break a client: the others only add, and are diffed with the next.
            var after = await SchemaSnapshot.ReadAsync(_conn, ct);
            var madeBy = MadeBy(sinceSnapshot.SelectMany(s => s).ToList());
            changes.AddRange(SchemaDiff.Compare(schema, after, owner => madeBy(owner) ?? (file.Id, steps.FirstOrDefault()?.Statement.Line ?? 1)));
            schema = after;
            sinceSnapshot.Clear();
        }

        var judge = new TraceJudge(_input, changes);
        var setFindings = judge.SchemaFindings().ToList();
        int checkedQueries = 0, skipped = 0;
        if (failure is null)
        {
            var rollbackAfter = await PrepareAllAsync(_input.RollbackQueries, ct);
            var currentAfter = await PrepareAllAsync(_input.CurrentQueries, ct);
            setFindings.AddRange(judge.QueryFindings("rollback", _input.RollbackQueries, rollbackBefore, rollbackAfter));
            setFindings.AddRange(judge.QueryFindings("current", _input.CurrentQueries, currentBefore, currentAfter));
            var all = _input.RollbackQueries.Concat(_input.CurrentQueries).ToList();
            skipped = all.Count(q => !AppQueries.CanPrepare(q));
            checkedQueries = all.Count - skipped;
        }
        var traced = files.Select(f => new TracedFile(f.File.Id, f.File.Checksum, f.Steps.Select(judge.Statement).ToArray())).ToArray();
        setFindings.AddRange(judge.FileFindings(files.Select(f => f.File)));
        return new TraceReport
        {
            Files = traced, SchemaChanges = changes, SetFindings = setFindings, Sizes = await SizesAsync(traced.SelectMany(f => f.Statements).SelectMany(s => s.Rewrites.Concat(s.Scanned)).Distinct(), ct),
            QueriesChecked = checkedQueries, QueriesSkipped = skipped, Failure = failure,
        };
    }

    /// <summary>The next file starts in a new server session, not one back from the pool: role and database defaults take effect only then.</summary>
    private async Task ReopenAsync(CancellationToken ct)
    {
        await _conn.DisposeAsync();
        NpgsqlConnection.ClearPool(_conn);
        _conn = new NpgsqlConnection(_connectionString);
        await _conn.OpenAsync(ct);
    }

    private async Task RunInTransactionAsync(GateFile file, List<Step> steps, CancellationToken ct)
    {
        await using var tx = await _conn.BeginTransactionAsync(ct);
        _createdInTransaction.Clear();
        var state = new CatalogState();
        foreach (var statement in file.Script.Statements)
        {
            var step = await ExecuteAsync(file, statement, state, ct);
            steps.Add(step);
            state = step.After;
        }
        await _input.Record(_conn, file, ct);
        await tx.CommitAsync(ct);
        var committed = Stopwatch.GetTimestamp();
        foreach (var step in steps) step.HeldUntil = committed;
    }

    /// <summary>
    /// A no-transaction file, unit by unit as `up` runs it: a statement alone commits alone (those a transaction block
    /// may hold run in one of their own, so their session can read their locks before commit); a transaction the file
    /// opens and ends itself runs as written, read after each of its statements.
    /// </summary>
    private async Task RunAloneAsync(GateFile file, List<Step> steps, CancellationToken ct)
    {
        var statements = file.Script.Statements;
        foreach (var (start, end, inTransaction) in _input.Units(statements))
        {
            _createdInTransaction.Clear();
            if (inTransaction)
            {
                var unit = new List<Step>();
                var state = new CatalogState();
                for (int i = start; i < end; i++)
                {
                    var step = await ExecuteAsync(file, statements[i], state, ct);
                    unit.Add(step);
                    state = step.After;
                }
                var ended = Stopwatch.GetTimestamp();
                foreach (var step in unit) step.HeldUntil = ended;
                steps.AddRange(unit);
            }
            else if (!_input.MustRunAlone(statements[start]))
            {
                await using var tx = await _conn.BeginTransactionAsync(ct);
                var step = await ExecuteAsync(file, statements[start], new CatalogState(), ct);
                await tx.CommitAsync(ct);
                step.HeldUntil = Stopwatch.GetTimestamp();
                steps.Add(step);
            }
            else steps.Add(await WatchAsync(file, statements[start], ct));
        }
        await _input.Record(_conn, file, ct);
    }

    /// <summary>A statement that cannot run in a transaction block: run alone, its locks read from another session while it waits.</summary>
    private async Task<Step> WatchAsync(GateFile file, SqlStatement statement, CancellationToken ct)
    {
        var begun = Stopwatch.GetTimestamp();
        var (seen, caught) = await new LockWatch(_observer).WatchAsync(_conn.ProcessID, async () =>
        {
            await using var cmd = new NpgsqlCommand(statement.Text, _conn) { CommandTimeout = 0 };
            await cmd.ExecuteNonQueryAsync(ct);
        }, ct);
        var done = Stopwatch.GetTimestamp();
        // Its locks are gone by now: read every relation, not only the locked ones.
        var after = await CatalogState.ReadAsync(_conn, everything: true, ct);
        return Observe(new Step(file, statement, new CatalogState(), after, begun, done) { HeldUntil = done, Watched = seen, Missed = !caught });
    }

    /// <summary>Runs the statement and reads the catalog state in one round trip, inside the transaction the caller opened.</summary>
    private async Task<Step> ExecuteAsync(GateFile file, SqlStatement statement, CatalogState before, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var batch = new NpgsqlBatch(_conn) { BatchCommands = { new NpgsqlBatchCommand(statement.Text), CatalogState.Command(everything: false) }, Timeout = 0 };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var after = await CatalogState.ReadAsync(reader, ct);
        return Observe(new Step(file, statement, before, after, started, Stopwatch.GetTimestamp()));
    }

    /// <summary>What the statement did to what existed before it (rewrites, scans, new and validated objects); then remembers the new state.</summary>
    private Step Observe(Step step)
    {
        var after = step.After;
        step.Rewrites = after.Relations.Where(r => r.Value.Kind is 'r' or 'm' or 'i' && _existing.Contains(r.Key) && _relations.TryGetValue(r.Key, out var was) && was.FileNode != r.Value.FileNode)
            .Select(r => r.Value.Name).Order(StringComparer.Ordinal).ToArray();
        step.Scanned = after.Scans.Where(s => _existing.Contains(s.Key) && s.Value.Scans > _scans.GetValueOrDefault(s.Key)).Select(s => s.Value.Name).ToArray();
        step.NewIndexes = after.Relations.Where(r => r.Value.Kind == 'i' && r.Value.Valid != false && !(_relations.TryGetValue(r.Key, out var was) && was.Valid != false))
            .Select(r => r.Value.Name).ToArray();
        step.NewConstraints = after.Constraints.Where(c => !_constraints.ContainsKey(c.Key)).Select(c => c.Value.Name).ToArray();
        step.ValidatedConstraints = after.Constraints.Where(c => c.Value.Validated && _constraints.TryGetValue(c.Key, out var was) && !was.Validated).Select(c => c.Value.Name).ToArray();
        _createdInTransaction.UnionWith(after.Relations.Where(r => !_relations.ContainsKey(r.Key)).Select(r => r.Value.Name));
        step.Created = _createdInTransaction.ToHashSet(StringComparer.Ordinal);
        Learn(after);
        return step;
    }

    private void Learn(CatalogState state)
    {
        foreach (var (oid, relation) in state.Relations) _relations[oid] = relation;
        foreach (var (oid, constraint) in state.Constraints) _constraints[oid] = constraint;
        foreach (var (oid, scans) in state.Scans) _scans[oid] = scans.Scans;
    }

    /// <summary>
    /// Whether the file may have dropped, renamed or tightened something: it held a lock that DDL on an existing
    /// relation takes (SHARE ROW EXCLUSIVE or stronger) on a relation it did not create, or an object lock (a function,
    /// a type), or ran a statement other than CREATE whose locks were seen only from outside (DROP INDEX CONCURRENTLY).
    /// </summary>
    private static bool CanBreak(List<Step> steps)
    {
        var created = steps.SelectMany(s => s.Created).ToHashSet(StringComparer.Ordinal);
        return steps.Any(s => s.Watched is not null && !s.Statement.StartsWith("CREATE") || s.After.ObjectLocks.Count > 0
                              || s.After.Locks.Values.Any(l => l.Modes.Max() >= LockMode.ShareRowExclusiveLock && !created.Contains(l.Name)));
    }

    /// <summary>
    /// For each relation or object name, the last statement that took a lock on it, else the last that held one: the
    /// statement that changed an object of that owner (a table, a function).
    /// </summary>
    private static Func<string, (string File, int Line)?> MadeBy(List<Step> steps)
    {
        var taken = new Dictionary<string, Step>(StringComparer.Ordinal);
        var held = new Dictionary<string, Step>(StringComparer.Ordinal);
        foreach (var s in steps)
        {
            foreach (var (oid, (name, modes)) in s.After.Locks)
            {
                if (modes.Max() < LockMode.ShareUpdateExclusiveLock) continue;
                held[TraceJudge.Bare(name)] = s;
                if (!(s.Before.Locks.TryGetValue(oid, out var had) && had.Modes.Max() >= modes.Max())) taken[TraceJudge.Bare(name)] = s;
            }
            foreach (var name in s.Watched?.Keys ?? Enumerable.Empty<string>()) taken[TraceJudge.Bare(name)] = held[TraceJudge.Bare(name)] = s;
            foreach (var description in s.After.ObjectLocks.Keys)
            {
                var name = TraceJudge.Bare(description.Split(' ', 2)[^1]);
                held[name] = s;
                if (!s.Before.ObjectLocks.ContainsKey(description)) taken[name] = s;
            }
        }
        return owner =>
        {
            var name = TraceJudge.Bare(owner);
            return (taken.GetValueOrDefault(name) ?? held.GetValueOrDefault(name)) is { } step ? (step.File.Id, step.Statement.Line) : null;
        };
    }

    private async Task<IReadOnlyList<PrepareError?>> PrepareAllAsync(IReadOnlyList<AppQuery> queries, CancellationToken ct)
    {
        var results = new List<PrepareError?>();
        foreach (var query in queries)
            results.Add(AppQueries.CanPrepare(query) ? await AppQueries.PrepareAsync(_conn, query, ct) : null);
        return results;
    }

    /// <summary>The total size (heap, indexes, TOAST) of each rewritten or scanned relation, after the pending files.</summary>
    private async Task<IReadOnlyDictionary<string, long>> SizesAsync(IEnumerable<string> relations, CancellationToken ct)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in relations)
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_total_relation_size(to_regclass($1))", _conn) { Parameters = { new() { Value = name } } };
            if (await cmd.ExecuteScalarAsync(ct) is long size) sizes[name] = size;
        }
        return sizes;
    }

    private static Failure Failed(GateFile file, SqlStatement? statement, PostgresException e)
    {
        var line = statement is null ? (int?)null : e.Position > 0 ? statement.LineOfPosition(e.Position) : statement.Line;
        return new Failure
        {
            Reason = ReasonCodes.SqlApplyFailed,
            Message = Redactor.Redact($"{file.Id}{(line is null ? "" : ":" + line)}: {e.SqlState} {e.MessageText}"),
            File = file.Id,
            Line = line,
            SqlState = e.SqlState,
            Detail = Redactor.RedactOptional(e.Detail),
            Hint = Redactor.RedactOptional(e.Hint),
            Statement = statement is null ? null : Redactor.Redact(statement.Text.Length > 400 ? statement.Text[..400] + " ..." : statement.Text),
        };
    }
}

