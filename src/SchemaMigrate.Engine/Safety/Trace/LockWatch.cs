using Npgsql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// Sees the locks of a statement that must run outside a transaction block, where its own session cannot read
/// them before commit: another session opens a REPEATABLE READ transaction first, so a CONCURRENTLY form, which
/// waits for every older snapshot, stops on it holding its locks; the watcher reads them from pg_locks, then
/// commits and lets the statement finish. A statement that never waits is seen only if a poll catches it running.
/// </summary>
internal sealed class LockWatch(NpgsqlConnection observer)
{
    private const string Query = """
        SELECT l.relation::regclass::text, l.mode, l.granted, l.locktype
          FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
         WHERE l.pid = $1 AND (l.locktype <> 'relation' OR c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace))
        """;

    /// <summary>Runs <paramref name="statement"/> and returns the relation locks seen, and whether the statement was caught waiting.</summary>
    public async Task<(Dictionary<string, HashSet<LockMode>> Locks, bool Caught)> WatchAsync(int pid, Func<Task> statement, CancellationToken ct)
    {
        var seen = new Dictionary<string, HashSet<LockMode>>(StringComparer.Ordinal);
        var caught = false;
        await using (var begin = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1", observer))
            await begin.ExecuteNonQueryAsync(ct);
        var running = statement();
        try
        {
            while (!running.IsCompleted && !caught)
            {
                await using var cmd = new NpgsqlCommand(Query, observer) { Parameters = { new() { Value = pid } } };
                await using (var reader = await cmd.ExecuteReaderAsync(ct))
                {
                    var waiting = false;
                    var now = new List<(string, LockMode)>();
                    while (await reader.ReadAsync(ct))
                    {
                        if (!reader.GetBoolean(2)) waiting = true;
                        else if (reader.GetString(3) == "relation" && LockModes.Parse(reader.GetString(1)) is { } mode) now.Add((reader.GetString(0), mode));
                    }
                    foreach (var (relation, mode) in now)
                    {
                        if (!seen.TryGetValue(relation, out var modes)) seen[relation] = modes = [];
                        modes.Add(mode);
                    }
                    caught = waiting && now.Count > 0;
                }
                if (!caught) await Task.WhenAny(running, Task.Delay(2, ct));
            }
        }
        finally
        {
            await using var commit = new NpgsqlCommand("COMMIT", observer);
            await commit.ExecuteNonQueryAsync(CancellationToken.None);
        }
        await running;
        return (seen, caught || seen.Count > 0);
    }
}
