using Npgsql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>A row of the journal.</summary>
public sealed record JournalEntry(string Id, string Checksum, DateTimeOffset AppliedAt);

/// <summary>
/// The journal table (schema_migrations unless configured) at its <see cref="JournalLocation"/>: created when
/// missing, adopted as it is when present (a table made by the seed's runner works unchanged), never altered.
/// Every statement names it schema-qualified, so no search_path is involved.
/// </summary>
internal static class Journal
{
    /// <summary>Creates the table (and a configured schema) when missing; returns the location, now existing.</summary>
    public static async Task<JournalLocation> EnsureAsync(NpgsqlConnection conn, JournalLocation journal, CancellationToken ct)
    {
        if (journal.Exists) return journal;
        var schema = journal.Configured && !journal.SchemaExists ? $"CREATE SCHEMA IF NOT EXISTS {journal.QuotedSchema}; " : "";
        await using var create = new NpgsqlCommand(
            schema + $"CREATE TABLE IF NOT EXISTS {journal.Name} (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", conn);
        await BookkeepingFailure.RunAsync(create, c => c.ExecuteNonQueryAsync(ct), ct);
        return journal with { Exists = true, SchemaExists = true };
    }

    public static async Task<IReadOnlyList<JournalEntry>> ReadAsync(NpgsqlConnection conn, JournalLocation journal, CancellationToken ct)
    {
        if (!journal.Exists) return [];
        await using var cmd = new NpgsqlCommand($"SELECT id, checksum, applied_at::timestamptz FROM {journal.Name} ORDER BY id COLLATE \"C\"", conn);
        await using var reader = await BookkeepingFailure.RunAsync(cmd, c => c.ExecuteReaderAsync(ct), ct);
        var rows = new List<JournalEntry>();
        while (await reader.ReadAsync(ct))
            rows.Add(new JournalEntry(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        return rows;
    }

    public static NpgsqlBatchCommand Insert(JournalLocation journal, MigrationFile file) => new(
        $"INSERT INTO {journal.Name} (id, checksum, applied_at) VALUES ($1, $2, pg_catalog.now())")
    {
        Parameters = { new NpgsqlParameter { Value = file.Id }, new NpgsqlParameter { Value = file.Checksum } },
    };
}
