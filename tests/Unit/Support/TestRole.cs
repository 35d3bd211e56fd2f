using System.Security.Cryptography;
using Npgsql;

namespace SchemaMigrate.Tests.Support;

/// <summary>
/// A login role of its own that owns one test database, for tests that change role defaults (ALTER ROLE ...
/// SET), which would otherwise reach every test on the server. Removed with the database.
/// </summary>
public sealed class TestRole : IAsyncDisposable
{
    private readonly TestDatabase _db;

    private TestRole(TestDatabase db, string name, string connectionString)
    {
        _db = db;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>The role's connection string to the database it owns.</summary>
    public string ConnectionString { get; }

    public static async Task<TestRole> CreateAsync(TestDatabase db)
    {
        var name = "r_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        await PostgresServer.ExecuteAsync($"CREATE ROLE {name} LOGIN PASSWORD '{password}'; ALTER DATABASE {db.Name} OWNER TO {name}");
        return new TestRole(db, name, db.As(name, password));
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PostgresServer.ExecuteAsync($"DROP DATABASE IF EXISTS {_db.Name} WITH (FORCE)");
        await PostgresServer.ExecuteAsync($"DROP ROLE IF EXISTS {Name}");
    }
}
