using System.Collections;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// What the cmdlets bind, turned into the engine's settings by MigrateRunner's rule: the environment (DB_CONN,
/// MIGRATIONS_DIR, SCHEMAMIGRATE_*) first, parameters over it. Null means "not given".
/// </summary>
internal sealed record SettingsParameters
{
    public string? Path { get; init; }
    public string? ConnectionString { get; init; }
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public string? Auth { get; init; }
    public string? To { get; init; }
    public bool Strict { get; init; }
    public TimeSpan? LockTimeout { get; init; }
    public TimeSpan? LockWait { get; init; }
    public int? LockRetries { get; init; }
    public string? JournalSchema { get; init; }
    public string? JournalTable { get; init; }
    /// <summary>-Allow Contract,Backfill: the phases beyond expand the deploy gate lets this run apply.</summary>
    public string[]? Allow { get; init; }
    /// <summary>-RequireTrace: a trace report every file to apply must be covered by.</summary>
    public string? RequireTrace { get; init; }

    /// <param name="environment">The process environment (tests pass their own).</param>
    /// <param name="resolvePath">Turns a relative folder into a full path against PowerShell's current location, which is not the process's.</param>
    public MigrationSettings ToSettings(IDictionary environment, Func<string, string> resolvePath)
    {
        Redactor.Register(Password);
        var settings = MigrationSettings.FromEnvironment(environment);
        settings = settings with
        {
            MigrationsDirectory = resolvePath(Path ?? settings.MigrationsDirectory),
            ConnectionString = ConnectionString ?? settings.ConnectionString,
            Username = UserName ?? settings.Username,
            Password = Password ?? settings.Password,
            Auth = Auth is null ? settings.Auth : MigrationSettings.ParseAuth(Auth, "-Auth"),
            TargetId = To ?? settings.TargetId,
            Strict = Strict || settings.Strict,
            LockTimeout = LockTimeout ?? settings.LockTimeout,
            LockWait = LockWait ?? settings.LockWait,
            LockRetries = LockRetries ?? settings.LockRetries,
            JournalSchema = JournalSchema is null ? settings.JournalSchema : MigrationSettings.ParseName(JournalSchema, "-JournalSchema"),
            JournalTable = JournalTable is null ? settings.JournalTable : MigrationSettings.ParseJournalTable(JournalTable, "-JournalTable"),
            AllowedPhases = Allow is null ? settings.AllowedPhases : AllowedPhasesParser.Parse(string.Join(',', Allow), "-Allow"),
            RequireTrace = RequireTrace is null ? settings.RequireTrace : resolvePath(RequireTrace),
        };
        return settings;
    }
}
