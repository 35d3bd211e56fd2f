namespace SchemaMigrate.Tests.Support;

/// <summary>
/// What a failed run must leave as it found it: every relation outside the system schemas with its columns, and
/// a digest of each table's rows (the journal's among them). Two states compare equal when nothing changed.
/// </summary>
public static class DatabaseState
{
    public static async Task<List<string>> ReadAsync(TestDatabase db)
    {
        var relations = await db.RowsAsync("""
            SELECT format('%I.%I', n.nspname, c.relname), c.relkind::text,
                   coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                             FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_(toast_)?temp_'
            ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
            """);
        var state = new List<string>();
        foreach (var row in relations)
        {
            var (name, kind, columns) = ((string)row[0]!, (string)row[1]!, (string)row[2]!);
            var rows = kind is "r" or "p"
                ? await db.ScalarAsync<string>($"SELECT count(*) || ' rows ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t")
                : "";
            state.Add($"{name} [{kind}] ({columns}) {rows}");
        }
        return state;
    }
}
