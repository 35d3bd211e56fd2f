using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Mutual exclusion between runners on one database: a session advisory lock keyed on the journal's qualified
/// name, taken with pg_try_advisory_lock and polled with jittered backoff on a connection of its own that never
/// holds an open transaction (a blocking or transaction-scoped lock deadlocks with CREATE INDEX CONCURRENTLY).
/// The lock dies with its session, so a killed runner leaves nothing to clean up. The same connection serves as
/// the run's control connection: it watches the migration's backend and records no-transaction progress.
/// </summary>
internal sealed class MigrationLock : IAsyncDisposable
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(2);

    private MigrationLock(NpgsqlConnection control, long key, JournalLocation journal)
    {
        Control = control;
        Key = key;
        Journal = journal;
    }

    public NpgsqlConnection Control { get; }
    public long Key { get; }
    /// <summary>Where the journal is, or will be created: resolved before the lock is taken, since the name is its key.</summary>
    public JournalLocation Journal { get; }

    /// <summary>A stable 64-bit key per journal: runners on different journals of one database do not exclude each other.</summary>
    public static long KeyFor(string journal) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("schemamigrate:" + journal)));

    public static async Task<MigrationLock> AcquireAsync(DatabaseTarget database, MigrationSettings settings, IMigrationListener listener, CancellationToken ct)
    {
        var wait = settings.LockWait;
        PhaseTimings.Mark("datasource");
        var control = await database.OpenAsync(ct);
        PhaseTimings.Mark("open");
        try
        {
            // The lock is taken before the journal is created (CREATE TABLE IF NOT EXISTS races), so its name
            // comes from where the journal is or where it will be created; neither depends on the search_path.
            var journal = (await JournalLocation.ResolveAsync(control, settings, ct)).Name;
            var key = KeyFor(journal);
            PhaseTimings.Mark("resolve");
            // Server-side keepalives: if the runner's host vanishes without closing the connection, the server
            // ends this session, and so releases the lock, within about a minute instead of the OS's two hours.
            await using (var keepalive = new NpgsqlCommand("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3", control))
                await keepalive.ExecuteNonQueryAsync(ct);
            var clock = Stopwatch.StartNew();
            var delay = FirstPoll;
            var announced = false;
            while (true)
            {
                if (await TryLockAsync(control, key, ct))
                {
                    // Another runner may have created the journal meanwhile: what it holds is only known under the lock.
                    var now = await JournalLocation.ResolveAsync(control, settings, ct);
                    if (now.Name == journal)
                    {
                        listener.OnEvent(new LockAcquired(journal, clock.Elapsed));
                        return new MigrationLock(control, key, now);
                    }
                    await UnlockAsync(control, key);
                    (journal, key) = (now.Name, KeyFor(now.Name));
                    continue;
                }
                var left = wait - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    var holder = await HolderAsync(control, key, ct);
                    throw new MigrationException(ReasonCodes.MigrationLockBusy,
                        $"the migration lock on {journal} is still held after waiting {Durations.Format(wait)} ({{lock-wait}}): {holder}");
                }
                if (!announced)
                {
                    listener.OnEvent(new LockWaiting(journal, await HolderAsync(control, key, ct), wait));
                    announced = true;
                }
                var jittered = delay * (0.5 + Random.Shared.NextDouble());
                await Task.Delay(jittered < left ? jittered : left, ct);
                delay = delay * 2 < LongestPoll ? delay * 2 : LongestPoll;
            }
        }
        catch
        {
            await control.DisposeAsync();
            throw;
        }
    }

    /// <summary>Fails with CONNECTION_LOST when the lock's session is gone, so no migration runs unprotected.</summary>
    public async Task EnsureHeldAsync(CancellationToken ct)
    {
        try
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1",
                Control);
            AddKey(cmd, Key);
            if ((long)(await cmd.ExecuteScalarAsync(ct))! > 0) return;
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new MigrationException(ReasonCodes.ConnectionLost, $"the connection holding the migration lock broke ({e.Message}); nothing more was applied", e);
        }
        catch (InvalidOperationException e) when (Control.State != System.Data.ConnectionState.Open)
        {
            // Npgsql closes a connection it saw break (here while the lock watcher looked): terminated, or the server went away.
            throw new MigrationException(ReasonCodes.ConnectionLost,
                "the session holding the migration lock is gone (terminated, or the server closed it); nothing more was applied", e);
        }
        throw new MigrationException(ReasonCodes.ConnectionLost, "the migration lock is no longer held by this run; nothing more was applied");
    }

    /// <summary>
    /// A statement for the work connection's transaction, just before its COMMIT, that fails it (P0001) unless the
    /// lock's session still holds the lock: a run that lost it commits nothing more.
    /// </summary>
    public NpgsqlBatchCommand HeldCheck() => new(
        $"""
        DO $check$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = {Control.ProcessID} AND granted
                         AND classid = {(ulong)Key >> 32}::bigint::oid AND objid = {Key & 0xFFFFFFFFL}::bigint::oid AND objsubid = 1) THEN
            RAISE EXCEPTION 'the migration lock is no longer held by this run (its session, pid {Control.ProcessID}, lost it)';
          END IF;
        END $check$
        """);

    /// <summary>Who holds the lock: pid, application_name, client address and since when, as far as this role may see.</summary>
    public static async Task<string> HolderAsync(NpgsqlConnection conn, long key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT l.pid, coalesce(nullif(a.application_name, ''), '(none)'), coalesce(host(a.client_addr), 'local'), a.usename,
                   to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), a.state
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1
            """, conn);
        AddKey(cmd, key);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return "its holder has just released it";
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetValue(i).ToString();
        return $"held by pid {reader.GetInt32(0)} (application_name {Text(1)}, user {Text(3) ?? "?"}, client {Text(2)}, connected since {Text(4) ?? "?"}, state {Text(5) ?? "?"})";
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection conn, long key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static void AddKey(NpgsqlCommand cmd, long key)
    {
        cmd.Parameters.Add(new NpgsqlParameter { Value = (long)((ulong)key >> 32) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key & 0xFFFFFFFFL });
    }

    private static async Task UnlockAsync(NpgsqlConnection conn, long key)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        await cmd.ExecuteScalarAsync(CancellationToken.None);
    }

    /// <summary>Releases the lock and closes the control connection; a broken connection has already released it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await UnlockAsync(Control, Key);
        }
        catch (NpgsqlException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        await Control.DisposeAsync();
    }
}
