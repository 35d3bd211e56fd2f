using Npgsql;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>A row of schema_migrations.</summary>
public sealed record JournalEntry(string Id, string Checksum, DateTimeOffset AppliedAt);

/// <summary>
/// The schema_migrations table: created when missing, adopted as it is when present (a table made by the seed's
/// runner works unchanged), never altered.
/// </summary>
internal static class Journal
{
    public const string Table = "schema_migrations";

    /// <summary>Creates the table when missing; returns its schema-qualified name.</summary>
    public static async Task<string> EnsureAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var name = await FindAsync(conn, ct);
        if (name is null)
        {
            await using var create = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {Table} (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", conn);
            await create.ExecuteNonQueryAsync(ct);
            name = await FindAsync(conn, ct);
        }
        return name!;
    }

    /// <summary>Where <see cref="EnsureAsync"/> would create the journal: the first existing schema of the search_path.</summary>
    public static async Task<string> DefaultNameAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT CASE WHEN current_schema() IS NOT NULL THEN format('%I.%I', current_schema(), '{Table}') END", conn);
        return await cmd.ExecuteScalarAsync(ct) as string ?? Table;
    }

    /// <summary>The journal's qualified name, or null when it does not exist (nothing is created).</summary>
    public static async Task<string?> FindAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT format('%I.%I', n.nspname, c.relname),
                   array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = to_regclass($1)
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = Table });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var name = reader.GetString(0);
        var columns = reader.GetFieldValue<string[]>(1);
        var missing = new[] { "id", "checksum", "applied_at" }.Except(columns).ToArray();
        if (missing.Length > 0)
            throw new MigrationException(ReasonCodes.JournalIncompatible,
                $"{name} exists but has no {string.Join(", ", missing)} column(s) (it has: {string.Join(", ", columns)}); SchemaMigrate adopts a journal only with id, checksum and applied_at.");
        return name;
    }

    public static async Task<IReadOnlyList<JournalEntry>> ReadAsync(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT id, checksum, applied_at::timestamptz FROM {table} ORDER BY id COLLATE \"C\"", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<JournalEntry>();
        while (await reader.ReadAsync(ct))
            rows.Add(new JournalEntry(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        return rows;
    }

    public static NpgsqlBatchCommand Insert(string table, MigrationFile file) => new(
        $"INSERT INTO {table} (id, checksum, applied_at) VALUES ($1, $2, now())")
    {
        Parameters = { new NpgsqlParameter { Value = file.Id }, new NpgsqlParameter { Value = file.Checksum } },
    };
}
