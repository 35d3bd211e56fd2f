using System.Net.Sockets;
using System.Security.Authentication;
using Azure.Core;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Database;

/// <summary>
/// The database a run works on: one data source per run, connections opened through it, and every
/// connect-phase failure translated into its reason code. Npgsql never appears in the public surface.
/// </summary>
public sealed class DatabaseTarget : IAsyncDisposable
{
    public const string DefaultApplicationName = "SchemaMigrate";
    private readonly NpgsqlDataSource _dataSource;

    private DatabaseTarget(NpgsqlDataSource dataSource, string description)
    {
        _dataSource = dataSource;
        Description = description;
    }

    /// <summary>host:port/database as user; safe to print.</summary>
    public string Description { get; }

    public static DatabaseTarget Create(MigrationSettings settings, string source = "DB_CONN") => Build(settings, null, source);

    /// <summary>
    /// <paramref name="entraCredential"/> and <paramref name="time"/> replace DefaultAzureCredential and the clock
    /// for --auth entra (the tests' seam; never part of the public surface).
    /// </summary>
    internal static DatabaseTarget Create(MigrationSettings settings, TokenCredential? entraCredential, TimeProvider? time = null, string source = "DB_CONN") =>
        Build(settings, entraCredential is null ? null : b => UseEntraPassword(b, new EntraPassword(entraCredential, time ?? TimeProvider.System)), source);

    // Neither this method nor the public Create names an Azure type, nor EntraPassword (whose fields are Azure.Core
    // types): compiling them would load Azure.Core, which a password run never needs.
    private static DatabaseTarget Build(MigrationSettings settings, Action<NpgsqlSlimDataSourceBuilder>? useEntra, string source)
    {
        var builder = ConnectionStrings.Parse(settings.ConnectionString, source);
        if (settings.Username is not null) builder.Username = settings.Username;
        if (settings.Password is not null) builder.Password = settings.Password;
        Redactor.Register(builder.Password);

        // Names the runner in pg_stat_activity (and so in MIGRATION_LOCK_BUSY and LOCK_TIMEOUT messages) unless the user chose a name.
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            var name = $"{DefaultApplicationName}/{Environment.MachineName}/{Environment.ProcessId}";
            builder.ApplicationName = name.Length <= 63 ? name : name[..63];
        }
        builder.IncludeErrorDetail = true;
        // Migrations may run for a long time; statement_timeout bounds them, not the client.
        builder.CommandTimeout = 0;
        if (builder.TcpKeepAliveTime == 0)
        {
            builder.TcpKeepAlive = true;
            builder.TcpKeepAliveTime = 30;
            builder.TcpKeepAliveInterval = 10;
        }

        // The token is the password; one in DB_CONN (or a credential) is ignored.
        if (settings.Auth == AuthMode.Entra) builder.Password = null;
        // The engine reads only built-in types (text, integers, booleans, timestamptz, text[]) and never a value of a
        // migration's own statements, so the server's type catalogue is not loaded (a round trip and hundreds of rows
        // per data source) and only those converters are set up: most of a first connection's cost is JIT otherwise.
        var dataSourceBuilder = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).EnableArrays().EnableTransportSecurity().EnableIntegratedSecurity()
            .ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        if (settings.Auth == AuthMode.Entra) (useEntra ?? UseEntraFromEnvironment)(dataSourceBuilder);
        return new DatabaseTarget(dataSourceBuilder.Build(), ConnectionStrings.Describe(builder));
    }

    private static void UseEntraFromEnvironment(NpgsqlSlimDataSourceBuilder dataSourceBuilder) => UseEntraPassword(dataSourceBuilder, EntraPassword.FromEnvironment());

    private static void UseEntraPassword(NpgsqlSlimDataSourceBuilder dataSourceBuilder, EntraPassword entra) =>
        dataSourceBuilder.UsePasswordProvider(_ => entra.Get(), (_, ct) => entra.GetAsync(ct));

    internal async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        try
        {
            // Npgsql finishes a connect attempt (up to its Timeout, 15 s by default) before it looks at the token, so a
            // cancelled open is abandoned at once and the connection, should it still open, closed when it does.
            var opening = _dataSource.OpenConnectionAsync(ct).AsTask();
            try
            {
                return await opening.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (!opening.IsCompleted)
            {
                _ = opening.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                throw;
            }
        }
        catch (Exception e) when (TranslateConnectFailure(e, Description) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Closes <paramref name="conn"/> and opens a connection that is a new server session, not one back from the
    /// pool: role and database defaults (ALTER ROLE/DATABASE ... SET) apply only when a session starts.
    /// </summary>
    internal async Task<NpgsqlConnection> ReopenAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await conn.DisposeAsync();
        _dataSource.Clear();
        return await OpenAsync(ct);
    }

    /// <summary>Maps a failure to open a session to DB_AUTH_FAILED, DB_UNREACHABLE or DB_CONNECTION_FAILED.</summary>
    internal static MigrationException? TranslateConnectFailure(Exception e, string target)
    {
        if (e is OperationCanceledException) return null;
        if (EntraPassword.TranslateFailure(e, target) is { } tokenFailure) return tokenFailure;
        if (e is PostgresException pg)
        {
            var reason = pg.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification ? ReasonCodes.DbAuthFailed : ReasonCodes.DbConnectionFailed;
            return new MigrationException(new Failure
            {
                Reason = reason,
                Message = Redactor.Redact($"{pg.MessageText} ({pg.SqlState}) connecting to {target}"),
                SqlState = pg.SqlState,
                Detail = Redactor.RedactOptional(pg.Detail),
                Hint = Redactor.RedactOptional(pg.Hint),
            }, e);
        }
        if (e is NpgsqlException or SocketException or TimeoutException or IOException or AuthenticationException)
        {
            var root = e;
            while (root.InnerException is not null && root is not SocketException) root = root.InnerException;
            var message = Redactor.Redact(e.InnerException is null ? e.Message : $"{e.Message} ({root.Message})");
            var reason =
                message.Contains("password", StringComparison.OrdinalIgnoreCase) ? ReasonCodes.DbAuthFailed :
                root is AuthenticationException || e is AuthenticationException ? ReasonCodes.DbConnectionFailed :
                ReasonCodes.DbUnreachable;
            return new MigrationException(reason, $"{message} connecting to {target}", e);
        }
        return null;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
