using Npgsql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// What one session holds and what the catalogs say about user relations at one moment, read in one round trip
/// inside the traced statement's own transaction: the relation and object locks this backend holds (pg_locks,
/// before commit), each table's and index's relfilenode (a rewrite changes it), constraints with whether they are
/// validated, index validity, and the sequential scans this transaction made (pg_stat_xact_user_tables).
/// </summary>
internal sealed class CatalogState
{
    public sealed record Relation(string Name, char Kind, long FileNode, bool? Valid);
    public sealed record Constraint(string Name, char Type, bool Validated);

    private const string UserNamespaces = "NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)";

    private const string Query = $"""
        SELECT 'lock', l.relation::bigint, l.relation::regclass::text, l.mode, NULL
          FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
         WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND c.relnamespace {UserNamespaces}
        UNION ALL
        SELECT 'object', l.objid::bigint, coalesce(pg_describe_object(l.classid, l.objid, l.objsubid), ''), l.mode, NULL
          FROM pg_locks l
         WHERE l.pid = pg_backend_pid() AND l.locktype = 'object' AND l.granted
           AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
        UNION ALL
        SELECT 'rel', c.oid::bigint, c.oid::regclass::text, c.relkind::text, c.relfilenode::text || ' ' || coalesce(i.indisvalid::text, '')
          FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
         WHERE c.relkind IN ('r', 'm', 'i') AND c.relnamespace {UserNamespaces}
        UNION ALL
        SELECT 'con', k.oid::bigint, k.conname || ' on ' || k.conrelid::regclass::text, k.contype::text, k.convalidated::text
          FROM pg_constraint k
         WHERE k.conrelid <> 0 AND k.connamespace {UserNamespaces}
        UNION ALL
        SELECT 'scan', s.relid::bigint, s.relid::regclass::text, s.seq_scan::text, NULL
          FROM pg_stat_xact_user_tables s WHERE s.seq_scan > 0
        """;

    public Dictionary<long, (string Name, HashSet<LockMode> Modes)> Locks { get; } = [];
    public Dictionary<string, LockMode> ObjectLocks { get; } = new(StringComparer.Ordinal);
    public Dictionary<long, Relation> Relations { get; } = [];
    public Dictionary<long, Constraint> Constraints { get; } = [];
    public Dictionary<long, (string Name, long Scans)> Scans { get; } = [];

    public static async Task<CatalogState> ReadAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var state = new CatalogState();
        await using var cmd = new NpgsqlCommand(Query, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
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
