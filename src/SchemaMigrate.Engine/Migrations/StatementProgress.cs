using System.Security.Cryptography;
using System.Text;
using Npgsql;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// How far a no-transaction migration got: <see cref="Done"/> statements committed (with the hash of each, so a
/// resume can check they are unchanged), and the backend of a statement in flight.
/// </summary>
internal sealed record StatementProgress(
    string Id, int Statements, int Done, IReadOnlyList<string> DoneHashes, int? RunningPid, string? Error, DateTimeOffset UpdatedAt)
{
    public static string Hash(SqlStatement statement) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(statement.Text))).ToLowerInvariant()[..16];

    public static IReadOnlyList<string> Hashes(IEnumerable<SqlStatement> statements) => statements.Select(Hash).ToArray();

    /// <summary>"statements 1-3 of 5 ran", "statement 1 of 5 ran", "no statement of it completed".</summary>
    public static string Ran(int done, int total) =>
        done == 0 ? "no statement of it completed" : done == 1 ? $"statement 1 of {total} ran" : $"statements 1-{done} of {total} ran";

    /// <summary>Line for status and plan: what ran, what is left.</summary>
    public string Describe(MigrationFile file)
    {
        var next = Done < file.Script.Statements.Count ? $"statement {Done + 1} (line {file.Script.Statements[Done].Line})" : "its journal row";
        var ran = Ran(Done, Statements);
        var error = Error is null ? RunningPid is null ? "" : $"; the runner stopped while backend pid {RunningPid} ran the next one" : $"; then: {Error}";
        return $"{file.Id} is a no-transaction migration that stopped part-way at {UpdatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: {ran}{error}; up resumes at {next}";
    }
}

/// <summary>
/// The progress table beside the journal, in its schema (schemamigrate_progress for the default journal,
/// &lt;journal&gt;_progress otherwise; the journal is adopted as it is and never altered). It only has rows while a
/// no-transaction migration is unfinished: the row is deleted in the transaction that inserts the migration's
/// journal row. Progress is written through the control connection, so it is recorded even when the migration's
/// own connection breaks; at the COMMIT of a file's own transaction it is also written inside that transaction.
/// </summary>
internal static class ProgressTable
{
    public static async Task EnsureAsync(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
             CREATE TABLE IF NOT EXISTS {table} (
                 id text PRIMARY KEY,
                 statements int NOT NULL,
                 done int NOT NULL,
                 done_hashes text[] NOT NULL,
                 running_pid int,
                 invalid_before bigint[],
                 error text,
                 started_at timestamptz NOT NULL DEFAULT now(),
                 updated_at timestamptz NOT NULL DEFAULT now())
             """, conn);
        await BookkeepingFailure.RunAsync(cmd, c => c.ExecuteNonQueryAsync(ct), ct);
    }

    /// <summary>Every unfinished migration's progress; empty when the table does not exist (nothing is created).</summary>
    public static async Task<IReadOnlyDictionary<string, StatementProgress>> ReadAsync(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", conn))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = table });
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return new Dictionary<string, StatementProgress>();
        }
        await using var cmd = new NpgsqlCommand($"SELECT id, statements, done, done_hashes, running_pid, error, updated_at FROM {table}", conn);
        await using var reader = await BookkeepingFailure.RunAsync(cmd, c => c.ExecuteReaderAsync(ct), ct);
        var rows = new Dictionary<string, StatementProgress>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
            rows[reader.GetString(0)] = new StatementProgress(
                reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetFieldValue<string[]>(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6));
        return rows;
    }

    /// <summary>Records that statement done+1 is about to run in backend <paramref name="pid"/>, with the INVALID indexes existing now.</summary>
    public static async Task BeginStatementAsync(NpgsqlConnection conn, string table, string id, int statements, IReadOnlyList<string> doneHashes, int pid, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
             INSERT INTO {table} AS p (id, statements, done, done_hashes, running_pid, invalid_before)
             VALUES ($1, $2, $3, $4, $5, array(SELECT indexrelid::bigint FROM pg_index WHERE NOT indisvalid))
             ON CONFLICT (id) DO UPDATE SET statements = excluded.statements, done = excluded.done, done_hashes = excluded.done_hashes,
                 running_pid = excluded.running_pid, invalid_before = excluded.invalid_before, error = NULL, updated_at = now()
             """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = statements });
        cmd.Parameters.Add(new NpgsqlParameter { Value = doneHashes.Count });
        cmd.Parameters.Add(new NpgsqlParameter { Value = doneHashes.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = pid });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task EndStatementAsync(NpgsqlConnection conn, string table, string id, IReadOnlyList<string> doneHashes, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"UPDATE {table} SET done = $2, done_hashes = $3, running_pid = NULL, invalid_before = NULL, error = NULL, updated_at = now() WHERE id = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = doneHashes.Count });
        cmd.Parameters.Add(new NpgsqlParameter { Value = doneHashes.ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records a failed statement; invalid_before stays, to tell its leftovers apart on the next run.</summary>
    public static async Task FailStatementAsync(NpgsqlConnection conn, string table, string id, string error)
    {
        await using var cmd = new NpgsqlCommand($"UPDATE {table} SET running_pid = NULL, error = $2, updated_at = now() WHERE id = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = error });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    public static NpgsqlBatchCommand Delete(string table, string id) => new($"DELETE FROM {table} WHERE id = $1")
    {
        Parameters = { new NpgsqlParameter { Value = id } },
    };

    /// <summary>
    /// INVALID indexes that did not exist (or were valid) when the migration's running statement started: what a
    /// failed or interrupted CONCURRENTLY statement left behind. Empty when no statement was in flight.
    /// </summary>
    public static async Task<IReadOnlyList<string>> LeftoversAsync(NpgsqlConnection conn, string table, string id)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
             SELECT format('%I.%I', n.nspname, c.relname)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
                  (SELECT invalid_before FROM {table} WHERE id = $1 AND invalid_before IS NOT NULL) p
             WHERE NOT i.indisvalid AND NOT (i.indexrelid::bigint = ANY (p.invalid_before))
             ORDER BY 1
             """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        var names = new List<string>();
        while (await reader.ReadAsync(CancellationToken.None)) names.Add(reader.GetString(0));
        return names;
    }

    public static async Task<bool> BackendAliveAsync(NpgsqlConnection conn, int pid, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = pid });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
