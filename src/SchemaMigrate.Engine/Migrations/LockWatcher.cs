using Npgsql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// While a migration statement runs, polls pg_locks from the (otherwise idle) control connection for a lock the
/// migration's backend waits for, and who blocks it. PostgreSQL's 55P03 error does not name the relation; this
/// is what LOCK_TIMEOUT reports instead.
/// </summary>
internal sealed class LockWatcher : IAsyncDisposable
{
    private static readonly TimeSpan FirstLook = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile string? _latest;

    private LockWatcher(NpgsqlConnection control, int backendPid) => _loop = WatchAsync(control, backendPid);

    public static LockWatcher Start(NpgsqlConnection control, int backendPid) => new(control, backendPid);

    /// <summary>The last wait seen, e.g. "AccessExclusiveLock on public.accounts, blocked by pid 42 (psql, idle in transaction since ...)".</summary>
    public async Task<string?> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return _latest;
    }

    private async Task WatchAsync(NpgsqlConnection control, int backendPid)
    {
        try
        {
            await Task.Delay(FirstLook, _stop.Token);
            while (true)
            {
                // The query itself is never cancelled: a cancel request could hit a later command on this connection.
                _latest = await LookAsync(control, backendPid) ?? _latest;
                await Task.Delay(Interval, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (NpgsqlException)
        {
            // The control connection broke; the migration's own outcome reports what matters.
        }
    }

    private static async Task<string?> LookAsync(NpgsqlConnection control, int pid)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT l.mode || ' on ' || coalesce((SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = l.relation),
                                                l.locktype || ' lock'),
                   (SELECT string_agg(format('pid %s (%s, %s%s)', b.pid, coalesce(nullif(b.application_name, ''), 'no application_name'), coalesce(b.state, '?'),
                                             coalesce(', transaction since ' || to_char(b.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '')), '; ')
                    FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids($1)))
            FROM pg_locks l WHERE l.pid = $1 AND NOT l.granted LIMIT 1
            """, control);
        cmd.Parameters.Add(new NpgsqlParameter { Value = pid });
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        if (!await reader.ReadAsync(CancellationToken.None)) return null;
        var lockText = reader.GetString(0);
        return reader.IsDBNull(1) ? lockText : $"{lockText}, blocked by {reader.GetString(1)}";
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
