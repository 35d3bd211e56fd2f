using Npgsql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// The schema as clients see it, from the catalogs: tables and views, columns with type, nullability and default,
/// constraints, indexes, view columns, functions with their result, enum labels and sequences. Each object is a
/// key ("column public.users.email") with a definition and the identity PostgreSQL keeps across a rename (its oid,
/// or table oid and column number), so a rename reads as one, not as a drop and an add.
/// </summary>
internal sealed class SchemaSnapshot
{
    public sealed record Entry(string Kind, string Name, string Definition, string Identity, string Owner);

    private const string User = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'";

    private const string Query = $"""
        SELECT 'relation', n.nspname || '.' || c.relname, c.relkind::text, c.oid::text, n.nspname || '.' || c.relname
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname {User}
        UNION ALL
        SELECT 'column', n.nspname || '.' || c.relname || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                 || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') || CASE WHEN a.attgenerated <> '' OR a.attidentity <> '' THEN ' GENERATED' ELSE '' END,
               c.oid::text || ':' || a.attnum::text, n.nspname || '.' || c.relname
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname {User}
        UNION ALL
        SELECT 'constraint', n.nspname || '.' || c.relname || '.' || k.conname, k.contype::text || ' ' || pg_get_constraintdef(k.oid), k.oid::text, n.nspname || '.' || c.relname
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname {User}
        UNION ALL
        SELECT 'index', n.nspname || '.' || c.relname, pg_get_indexdef(i.indexrelid), c.oid::text, n.nspname || '.' || t.relname
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname {User}
        UNION ALL
        SELECT 'function', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               coalesce(pg_get_function_result(p.oid), 'procedure'), p.oid::text, n.nspname || '.' || p.proname
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname {User} AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'e')
        UNION ALL
        SELECT 'enum label', n.nspname || '.' || t.typname || '.' || e.enumlabel, e.enumsortorder::text, e.oid::text, n.nspname || '.' || t.typname
          FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname {User}
        UNION ALL
        SELECT 'sequence', n.nspname || '.' || c.relname, format_type(s.seqtypid, NULL), c.oid::text, n.nspname || '.' || c.relname
          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname {User}
        """;

    private SchemaSnapshot(Dictionary<string, Entry> entries) => Entries = entries;

    /// <summary>By "kind name".</summary>
    public IReadOnlyDictionary<string, Entry> Entries { get; }

    public static async Task<SchemaSnapshot> ReadAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(Query, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var entry = new Entry(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2), reader.GetString(3), reader.GetString(4));
            entries[entry.Kind + " " + entry.Name] = entry;
        }
        return new SchemaSnapshot(entries);
    }
}
