using Npgsql;
using SchemaMigrate.Engine.Database;

namespace SchemaMigrate.Tests.Support;

/// <summary>
/// The PostgreSQL server every database test uses: the one named by SCHEMAMIGRATE_TEST_PG (a superuser
/// connection string), or else one throwaway cluster per test run, started from the machine's binaries
/// (as the postgres user when running as root) and stopped when the test process exits.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Admin = new(StartAsync);
    private static TemporaryPostgres? _cluster;

    /// <summary>A superuser connection string to the server's postgres database.</summary>
    public static Task<string> AdminConnectionStringAsync() => Admin.Value;

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("SCHEMAMIGRATE_TEST_PG");
        if (!string.IsNullOrEmpty(configured)) return configured;
        _cluster = await TemporaryPostgres.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _cluster.Stop();
        return _cluster.ConnectionString;
    }

    public static async Task ExecuteAsync(string sql, string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(await AdminConnectionStringAsync());
        if (database is not null) builder.Database = database;
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
