using Npgsql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// What one session holds and what the catalogs say about user relations at one moment, read in one round trip
/// inside the traced statement's own transaction: the relation and object locks this backend holds (pg_locks,
/// before commit), each table's and index's relfilenode (a rewrite changes it), constraints with whether they are
/// validated, index validity, and the sequential scans not yet flushed to the statistics (what pg_stat_xact_user_tables shows).
/// </summary>
internal sealed class CatalogState
{
    public sealed record Relation(string Name, char Kind, long FileNode, bool? Valid);
    public sealed record Constraint(string Name, char Type, bool Validated);

    private const string UserNamespaces = "NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)";

    /// <summary>
    /// The placeholders limit the catalog rows to the relations this backend holds a lock on: a statement rewrites, creates,
    /// validates or scans nothing it has not locked, and inside its transaction it keeps every lock until commit.
    /// </summary>
    private const string Query = $$"""
        WITH locked AS (
            SELECT l.relation AS oid, l.mode FROM pg_locks l
             WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
        SELECT 'lock' AS schemamigrate_trace, l.oid::bigint, l.oid::regclass::text, l.mode, NULL
          FROM locked l JOIN pg_class c ON c.oid = l.oid
         WHERE c.relnamespace {{UserNamespaces}}
        UNION ALL
        SELECT 'object', l.objid::bigint, coalesce(pg_describe_object(l.classid, l.objid, l.objsubid), ''), l.mode, NULL
          FROM pg_locks l
         WHERE l.pid = pg_backend_pid() AND l.locktype = 'object' AND l.granted
           AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
        UNION ALL
        SELECT 'rel', c.oid::bigint, c.oid::regclass::text, c.relkind::text, c.relfilenode::text || ' ' || coalesce(i.indisvalid::text, '')
          FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
         WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I', 'S', 'v', 'f') AND c.relnamespace {{UserNamespaces}} AND {0}
        UNION ALL
        SELECT 'con', k.oid::bigint, k.conname || ' on ' || k.conrelid::regclass::text, k.contype::text, k.convalidated::text
          FROM pg_constraint k
         WHERE k.conrelid <> 0 AND k.connamespace {{UserNamespaces}} AND {1}
        UNION ALL
        SELECT 'scan', c.oid::bigint, c.oid::regclass::text, pg_stat_get_xact_numscans(c.oid)::text, NULL
          FROM pg_class c
         WHERE c.relkind IN ('r', 'm') AND c.relnamespace {{UserNamespaces}} AND {0} AND pg_stat_get_xact_numscans(c.oid) > 0
        """;

    private static readonly string Locked = string.Format(Query, "c.oid IN (SELECT oid FROM locked)", "k.conrelid IN (SELECT oid FROM locked)");
    private static readonly string Everything = string.Format(Query, "true", "true");

    public Dictionary<long, (string Name, HashSet<LockMode> Modes)> Locks { get; } = [];
    public Dictionary<string, LockMode> ObjectLocks { get; } = new(StringComparer.Ordinal);
    public Dictionary<long, Relation> Relations { get; } = [];
    public Dictionary<long, Constraint> Constraints { get; } = [];
    public Dictionary<long, (string Name, long Scans)> Scans { get; } = [];

    /// <summary>The command that reads the state: of the relations this backend has locked, or of every user relation.</summary>
    public static NpgsqlBatchCommand Command(bool everything) => new(everything ? Everything : Locked);

    public static async Task<CatalogState> ReadAsync(NpgsqlConnection conn, bool everything, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn) { BatchCommands = { Command(everything) } };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        return await ReadAsync(reader, ct);
    }

    /// <summary>Reads the state from a batch's reader, skipping the result sets of the commands before it.</summary>
    public static async Task<CatalogState> ReadAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        while (reader.FieldCount == 0 || reader.GetName(0) != "schemamigrate_trace")
            if (!await reader.NextResultAsync(ct)) throw new InvalidOperationException("the catalog state was not in the batch's results");
        var state = new CatalogState();
        while (await reader.ReadAsync(ct))
        {
            var oid = reader.GetInt64(1);
            var name = reader.GetString(2);
            var a = reader.GetString(3);
            var b = reader.IsDBNull(4) ? "" : reader.GetString(4);
            switch (reader.GetString(0))
            {
                case "lock" when LockModes.Parse(a) is { } mode:
                    if (!state.Locks.TryGetValue(oid, out var held)) state.Locks[oid] = held = (name, []);
                    held.Modes.Add(mode);
                    break;
                case "object" when name.Length > 0 && LockModes.Parse(a) is { } mode:
                    state.ObjectLocks[name] = state.ObjectLocks.TryGetValue(name, out var had) && had > mode ? had : mode;
                    break;
                case "rel":
                    var parts = b.Split(' ');
                    state.Relations[oid] = new Relation(name, a[0], long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                        parts[1].Length == 0 ? null : parts[1] == "true");
                    break;
                case "con":
                    state.Constraints[oid] = new Constraint(name, a[0], b == "true");
                    break;
                case "scan":
                    state.Scans[oid] = (name, long.Parse(a, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
        return state;
    }
}
