using System.Collections;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Configuration;

public enum AuthMode
{
    /// <summary>The password in the connection string (or credential), as the seed's runner does.</summary>
    Password,
    /// <summary>An Entra ID access token for Azure Database for PostgreSQL, used as the password.</summary>
    Entra,
}

/// <summary>
/// Everything an apply, status or verify run needs. Built from the environment (the container job's contract)
/// and then overridden by command-line options or cmdlet parameters.
/// </summary>
public sealed record MigrationSettings
{
    public const string DefaultMigrationsDirectory = "/app/ops/migrations";
    public const string DefaultJournalTable = "schema_migrations";
    /// <summary>PostgreSQL keeps at most this many bytes of a name (NAMEDATALEN - 1) and silently cuts longer ones.</summary>
    public const int MaxNameBytes = 63;

    /// <summary>Npgsql connection string or postgres:// URI (DB_CONN).</summary>
    public string? ConnectionString { get; init; }
    public string MigrationsDirectory { get; init; } = DefaultMigrationsDirectory;
    /// <summary>Overrides the connection string's user and password (a PSCredential).</summary>
    public string? Username { get; init; }
    public string? Password { get; init; }
    public AuthMode Auth { get; init; } = AuthMode.Password;
    /// <summary>Stop after this migration id (--to).</summary>
    public string? TargetId { get; init; }
    /// <summary>Fail before anything runs when an applied file was modified or a pending one is out of order.</summary>
    public bool Strict { get; init; }
    /// <summary>How long to wait for another runner's migration lock.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>lock_timeout for migration statements; zero disables it.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How many times a transactional migration that hit lock_timeout is retried.</summary>
    public int LockRetries { get; init; } = 3;
    /// <summary>statement_timeout for migration statements; zero leaves the server's setting.</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.Zero;
    /// <summary>The journal's schema; null: where the journal already is, else public (never the search_path).</summary>
    public string? JournalSchema { get; init; }
    /// <summary>The journal's table name, taken exactly as written (no case folding, no quoting).</summary>
    public string JournalTable { get; init; } = DefaultJournalTable;

    /// <summary>The phases beyond expand the deploy gate lets this run apply (SCHEMAMIGRATE_ALLOW, --allow, -Allow).</summary>
    public AllowedPhases AllowedPhases { get; init; } = AllowedPhases.None;

    /// <summary>
    /// A `verify --trace --format json` report that must cover every file this run applies, by checksum, with no
    /// refused finding (--require-trace, SCHEMAMIGRATE_REQUIRE_TRACE); null requires none.
    /// </summary>
    public string? RequireTrace { get; init; }

    /// <summary>Reads DB_CONN, MIGRATIONS_DIR and the SCHEMAMIGRATE_ settings.</summary>
    public static MigrationSettings FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Get(string name) => environment[name] is string s && s.Length > 0 ? s : null;
        var settings = new MigrationSettings
        {
            ConnectionString = Get("DB_CONN"),
            MigrationsDirectory = Get("MIGRATIONS_DIR") ?? DefaultMigrationsDirectory,
            RequireTrace = Get("SCHEMAMIGRATE_REQUIRE_TRACE"),
        };
        if (Get("SCHEMAMIGRATE_AUTH") is { } auth) settings = settings with { Auth = ParseAuth(auth, "SCHEMAMIGRATE_AUTH") };
        if (Get("SCHEMAMIGRATE_LOCK_WAIT") is { } wait) settings = settings with { LockWait = ParseDuration(wait, "SCHEMAMIGRATE_LOCK_WAIT") };
        if (Get("SCHEMAMIGRATE_LOCK_TIMEOUT") is { } lt) settings = settings with { LockTimeout = ParseDuration(lt, "SCHEMAMIGRATE_LOCK_TIMEOUT") };
        if (Get("SCHEMAMIGRATE_LOCK_RETRIES") is { } retries) settings = settings with { LockRetries = ParseCount(retries, "SCHEMAMIGRATE_LOCK_RETRIES") };
        if (Get("SCHEMAMIGRATE_STATEMENT_TIMEOUT") is { } st) settings = settings with { StatementTimeout = ParseDuration(st, "SCHEMAMIGRATE_STATEMENT_TIMEOUT") };
        if (Get("SCHEMAMIGRATE_ALLOW") is { } allow) settings = settings with { AllowedPhases = AllowedPhasesParser.Parse(allow, "SCHEMAMIGRATE_ALLOW") };
        if (Get("SCHEMAMIGRATE_STRICT") is { } strict) settings = settings with { Strict = ParseBool(strict, "SCHEMAMIGRATE_STRICT") };
        if (Get("SCHEMAMIGRATE_JOURNAL_SCHEMA") is { } schema) settings = settings with { JournalSchema = ParseName(schema, "SCHEMAMIGRATE_JOURNAL_SCHEMA") };
        if (Get("SCHEMAMIGRATE_JOURNAL_TABLE") is { } table) settings = settings with { JournalTable = ParseJournalTable(table, "SCHEMAMIGRATE_JOURNAL_TABLE") };
        return settings;
    }

    public static TimeSpan ParseDuration(string text, string source) =>
        Durations.TryParse(text, out var value) ? value
            : throw new MigrationException(ReasonCodes.InvalidArgument,
                $"{source}: '{text}' is not a duration; use a number with ms, s, min or h (e.g. 5s, 500ms, 2min), or 0 to disable.");

    public static int ParseCount(string text, string source) =>
        int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 100 ? n
            : throw new MigrationException(ReasonCodes.InvalidArgument, $"{source}: '{text}' is not a count; use a whole number from 0 to 100.");

    public static AuthMode ParseAuth(string text, string source) =>
        Enum.TryParse<AuthMode>(text, ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode
            : throw new MigrationException(ReasonCodes.InvalidArgument, $"{source}: '{text}' is not an auth mode; use password or entra.");

    /// <summary>A schema or table name as PostgreSQL stores it: not empty, no NUL, at most 63 bytes.</summary>
    public static string ParseName(string text, string source)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        if (text.Length == 0 || text.Contains('\0') || bytes > MaxNameBytes)
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"{source}: '{text}' is not a usable PostgreSQL name; give 1 to {MaxNameBytes} bytes, exactly as the name is stored (case and characters are kept; no quotes).");
        return text;
    }

    /// <summary>
    /// A journal table name leaves room for its progress table, <c>&lt;name&gt;_progress</c>, within PostgreSQL's
    /// 63 bytes (the default journal keeps the progress table it always had, schemamigrate_progress).
    /// </summary>
    public static string ParseJournalTable(string text, string source)
    {
        var name = ParseName(text, source);
        if (System.Text.Encoding.UTF8.GetByteCount(ProgressTableFor(name)) > MaxNameBytes)
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"{source}: '{text}' is too long for a journal: its progress table {ProgressTableFor(name)} must fit in {MaxNameBytes} bytes; use a name of at most {MaxNameBytes - ProgressSuffix.Length} bytes.");
        return name;
    }

    private const string ProgressSuffix = "_progress";

    /// <summary>The name of the no-transaction progress table that sits beside a journal of this name, in its schema.</summary>
    public static string ProgressTableFor(string journalTable) =>
        journalTable == DefaultJournalTable ? "schemamigrate_progress" : journalTable + ProgressSuffix;

    private static bool ParseBool(string text, string source) => text.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" => true,
        "0" or "false" or "no" => false,
        _ => throw new MigrationException(ReasonCodes.InvalidArgument, $"{source}: '{text}' is not a boolean; use true or false."),
    };
}
