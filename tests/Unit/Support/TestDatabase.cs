using System.Security.Cryptography;
using Npgsql;

namespace SchemaMigrate.Tests.Support;

/// <summary>A database of its own for one test, dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Superuser connection string to this database.</summary>
    public string ConnectionString { get; }

    /// <summary>The superuser's password: no runner output may contain it.</summary>
    public string Password => new NpgsqlConnectionStringBuilder(ConnectionString).Password!;

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = "t_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        await PostgresServer.ExecuteAsync($"CREATE DATABASE {name}");
        var builder = new NpgsqlConnectionStringBuilder(await PostgresServer.AdminConnectionStringAsync()) { Database = name, Pooling = false };
        return new TestDatabase(name, builder.ConnectionString);
    }

    /// <summary>A connection string for another role of this server on this database.</summary>
    public string As(string user, string password) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Username = user, Password = password }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task<List<object?[]>> RowsAsync(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public Task<bool> TableExistsAsync(string table) => ScalarAsync<bool>($"SELECT to_regclass('{table}') IS NOT NULL");

    /// <summary>The journal as (id, checksum) pairs in id order.</summary>
    public async Task<List<(string Id, string Checksum)>> JournalAsync() =>
        (await RowsAsync("SELECT id, checksum FROM public.schema_migrations ORDER BY id COLLATE \"C\""))
        .Select(r => ((string)r[0]!, (string)r[1]!)).ToList();

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PostgresServer.ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}
