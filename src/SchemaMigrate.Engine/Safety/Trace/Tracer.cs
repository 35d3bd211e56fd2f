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
    private readonly NpgsqlConnection _conn;
    private readonly NpgsqlConnection _observer;
    private HashSet<long> _existing = [];
    private readonly Dictionary<string, long> _touched = new(StringComparer.Ordinal);

    private Tracer(TraceInput input, NpgsqlConnection conn, NpgsqlConnection observer)
    {
        _input = input;
        _conn = conn;
        _observer = observer;
    }

    /// <summary>One executed statement: the catalog state before and after it and when it started and ended.</summary>
    internal sealed record Step(GateFile File, SqlStatement Statement, CatalogState Before, CatalogState After, long Started, long Ended)
    {
        public long HeldUntil { get; set; }
        public Dictionary<string, HashSet<LockMode>>? Watched { get; init; }
        public bool Missed { get; init; }
    }

    public static async Task<TraceReport> RunAsync(string connectionString, TraceInput input, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await using var observer = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await observer.OpenAsync(ct);
        return await new Tracer(input, conn, observer).TraceAsync(ct);
    }

    private async Task<TraceReport> TraceAsync(CancellationToken ct)
    {
        var start = await CatalogState.ReadAsync(_conn, ct);
        _existing = start.Relations.Keys.ToHashSet();
        var before = await SchemaSnapshot.ReadAsync(_conn, ct);
        var rollbackBefore = await PrepareAllAsync(_input.RollbackQueries, ct);
        var currentBefore = await PrepareAllAsync(_input.CurrentQueries, ct);

        var files = new List<(GateFile File, List<Step> Steps)>();
        var changes = new List<SchemaChange>();
        Failure? failure = null;
        var schema = before;
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
            var after = await SchemaSnapshot.ReadAsync(_conn, ct);
            changes.AddRange(SchemaDiff.Compare(schema, after, file.Id, owner => LineOf(steps, owner)));
            schema = after;
        }

        var judge = new TraceJudge(_input, _existing, changes);
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
        foreach (var s in traced.SelectMany(f => f.Statements))
            foreach (var name in s.Rewrites.Concat(s.Scanned)) _touched.TryAdd(name, 0);
        return new TraceReport
        {
            Files = traced, SchemaChanges = changes, SetFindings = setFindings, Sizes = await SizesAsync(ct),
            QueriesChecked = checkedQueries, QueriesSkipped = skipped, Failure = failure,
        };
    }

    private async Task RunInTransactionAsync(GateFile file, List<Step> steps, CancellationToken ct)
    {
        await using var tx = await _conn.BeginTransactionAsync(ct);
        var state = await CatalogState.ReadAsync(_conn, ct);
        foreach (var statement in file.Script.Statements)
        {
            var started = Stopwatch.GetTimestamp();
            await ExecuteAsync(statement, ct);
            var ended = Stopwatch.GetTimestamp();
            var after = await CatalogState.ReadAsync(_conn, ct);
            steps.Add(new Step(file, statement, state, after, started, ended));
            state = after;
        }
        await _input.Record(_conn, file, ct);
        await tx.CommitAsync(ct);
        var committed = Stopwatch.GetTimestamp();
        foreach (var step in steps) step.HeldUntil = committed;
    }

    /// <summary>A no-transaction file: each statement commits alone, as `up` runs it. Those a transaction block may hold run in one of their own, so their session can read their locks before commit.</summary>
    private async Task RunAloneAsync(GateFile file, List<Step> steps, CancellationToken ct)
    {
        foreach (var statement in file.Script.Statements)
        {
            if (!_input.MustRunAlone(statement))
            {
                await using var tx = await _conn.BeginTransactionAsync(ct);
                var state = await CatalogState.ReadAsync(_conn, ct);
                var started = Stopwatch.GetTimestamp();
                await ExecuteAsync(statement, ct);
                var ended = Stopwatch.GetTimestamp();
                var after = await CatalogState.ReadAsync(_conn, ct);
                await tx.CommitAsync(ct);
                steps.Add(new Step(file, statement, state, after, started, ended) { HeldUntil = Stopwatch.GetTimestamp() });
                continue;
            }
            var before = await CatalogState.ReadAsync(_conn, ct);
            var begun = Stopwatch.GetTimestamp();
            var (seen, caught) = await new LockWatch(_observer).WatchAsync(_conn.ProcessID, () => ExecuteAsync(statement, ct), ct);
            var done = Stopwatch.GetTimestamp();
            steps.Add(new Step(file, statement, before, await CatalogState.ReadAsync(_conn, ct), begun, done) { HeldUntil = done, Watched = seen, Missed = !caught });
        }
        await _input.Record(_conn, file, ct);
    }

    private async Task ExecuteAsync(SqlStatement statement, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(statement.Text, _conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The line of the last statement of the file that locked the owner (a table, a function), else the file's first statement.</summary>
    private static int LineOf(List<Step> steps, string owner)
    {
        var name = TraceJudge.Bare(owner);
        var step = steps.LastOrDefault(s => s.After.Locks.Values.Any(l => TraceJudge.Bare(l.Name) == name && l.Modes.Max() >= LockMode.ShareUpdateExclusiveLock)
                                            || s.After.ObjectLocks.Keys.Any(k => k.Contains(name, StringComparison.Ordinal)))
                   ?? steps.FirstOrDefault();
        return step?.Statement.Line ?? 1;
    }

    private async Task<IReadOnlyList<PrepareError?>> PrepareAllAsync(IReadOnlyList<AppQuery> queries, CancellationToken ct)
    {
        var results = new List<PrepareError?>();
        foreach (var query in queries)
            results.Add(AppQueries.CanPrepare(query) ? await AppQueries.PrepareAsync(_conn, query, ct) : null);
        return results;
    }

    private async Task<IReadOnlyDictionary<string, long>> SizesAsync(CancellationToken ct)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in _touched.Keys)
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
