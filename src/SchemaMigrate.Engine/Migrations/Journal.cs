using Npgsql;
using SchemaMigrate.Engine.Diagnostics;

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
        var edited = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.IsDBNull(0) ? null : reader.GetString(0);
            var empty = new[] { "id", "checksum", "applied_at" }.Where((_, i) => reader.IsDBNull(i) || (i < 2 && reader.GetString(i).Length == 0)).ToList();
            if (empty.Count > 0) edited.Add($"{(id is null ? "a row" : $"the row of {id}")} has no {string.Join(" and no ", empty)}");
            else if (rows.Count > 0 && rows[^1].Id == id) edited.Add($"{id} is recorded twice");
            else rows.Add(new JournalEntry(id!, reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        if (edited.Count > 0)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.JournalIncompatible,
                Message = Redactor.Redact($"the journal {journal.Name} was edited by hand: {string.Join("; ", edited.Distinct().Take(5))}{(edited.Count > 5 ? $"; and {edited.Count - 5} more" : "")}; "
                                                      + "SchemaMigrate cannot tell what is applied from such rows and changes nothing"),
                NextStep = $"Restore the rows from a backup, or correct them: each applied migration needs one row with its file name, the file's SHA-256 (sha256sum) and when it was applied, e.g. UPDATE {journal.Name} SET applied_at = now() WHERE applied_at IS NULL; nothing was applied.",
            });
        return rows;
    }

    /// <summary>Whether the journal has a row for <paramref name="id"/>.</summary>
    public static async Task<bool> ContainsAsync(NpgsqlConnection conn, JournalLocation journal, string id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {journal.Name} WHERE id = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return (long)(await cmd.ExecuteScalarAsync(ct))! > 0;
    }

    public static NpgsqlBatchCommand Insert(JournalLocation journal, MigrationFile file) => new(
        $"INSERT INTO {journal.Name} (id, checksum, applied_at) VALUES ($1, $2, pg_catalog.now())")
    {
        Parameters = { new NpgsqlParameter { Value = file.Id }, new NpgsqlParameter { Value = file.Checksum } },
    };
}
