using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Runner;

/// <summary>MigrateRunner's arguments: a verb (default `up`, as the seed's job runs it) and options over the environment.</summary>
internal sealed record CommandLine(string Verb, MigrationSettings Settings, bool Json, string? DevDatabase, bool Help, bool Version)
{
    public static readonly string[] Verbs = ["up", "status", "plan", "verify", "lint"];
    public static readonly string[] Formats = ["text", "json", "sarif"];

    /// <summary>lint's and verify --trace's output: text, json (the --json lines) or sarif (a SARIF 2.1.0 log on stdout).</summary>
    public string Format { get; init; } = "text";
    /// <summary>lint and verify --trace: the newest deployed migration; files up to it are never judged.</summary>
    public string? AppliedThrough { get; init; }
    /// <summary>verify --trace and its queries files; null for a plain verify.</summary>
    public Engine.Migrations.TraceRequest? Trace { get; init; }

    public const string Usage = """
        Usage: MigrateRunner [up|status|plan|verify|lint] [options]

          up        apply pending migrations (the default when no verb is given)
          status    list every migration: Applied, Pending, Modified, Missing, OutOfOrder
          plan      list what `up` would apply, in order, with directives and warnings; changes nothing
          verify    apply every migration to a throwaway database, print the status, clean up
                    (--trace: run the pending ones there statement by statement and report locks, rewrites, schema diff)
          lint      the deploy gate and naming checks without applying anything (no database needed)

        Options (environment settings in brackets):
          --migrations-dir <path>     migrations folder [MIGRATIONS_DIR, default /app/ops/migrations]
          --connection <string>       Npgsql connection string or postgres:// URI [DB_CONN]
          --json                      one JSON object per line, ending with a "result" line [SCHEMAMIGRATE_OUTPUT=json]
          --to <id>                   stop after this migration (a full file name)
          --strict                    fail before applying when an applied file was modified or a pending one is out of order [SCHEMAMIGRATE_STRICT]
          --lock-wait <duration>      how long to wait for another runner's lock, default 2min [SCHEMAMIGRATE_LOCK_WAIT]
          --lock-timeout <duration>   lock_timeout for migration statements, default 5s, 0 disables [SCHEMAMIGRATE_LOCK_TIMEOUT]
          --lock-retries <n>          retries after a lock timeout, with backoff, default 3 [SCHEMAMIGRATE_LOCK_RETRIES]
          --statement-timeout <dur>   statement_timeout for migration statements, default none [SCHEMAMIGRATE_STATEMENT_TIMEOUT]
          --auth <password|entra>     password from the connection string, or an Entra ID token [SCHEMAMIGRATE_AUTH]
          --journal-schema <name>     the journal's schema, default: where the journal is, else public [SCHEMAMIGRATE_JOURNAL_SCHEMA]
          --journal-table <name>      the journal's table, default schema_migrations [SCHEMAMIGRATE_JOURNAL_TABLE]
          --allow <phases>            let the deploy gate apply contract and/or backfill files: contract, backfill or contract,backfill [SCHEMAMIGRATE_ALLOW]
          --dev-database <string>     verify: create and drop a scratch database on this server instead of a throwaway cluster
          --format <text|json|sarif>  lint, verify --trace: how to report (sarif: a SARIF 2.1.0 log on stdout)
          --applied-through <id|none> lint, verify --trace: files up to this one are deployed (never judged), none: nothing is; without it lint reads DB_CONN's journal or judges each file alone
          --trace                     verify: trace each pending statement (locks, rewrites, scans), diff the schema, replay the queries files
          --app-queries <file>        verify --trace: the rollback image's SQL, one per line or ;-separated; each must still prepare afterwards
          --current-app-queries <f>   verify --trace: the current image's SQL, prepared before and after the pending files
          --require-trace <file>      up, plan: refuse files the verify --trace --format json report does not cover or refuses [SCHEMAMIGRATE_REQUIRE_TRACE]
          --help, --version

        Durations: 500ms, 5s, 2min, 1h. Journal names are taken exactly as stored (case kept, no quotes).
        Exit code 0 is success; every failure has a reason code and its own exit code.
        Prefer DB_CONN over --connection: command lines are visible to other processes.
        """;

    public static CommandLine Parse(string[] args, System.Collections.IDictionary environment)
    {
        var settings = MigrationSettings.FromEnvironment(environment);
        var json = string.Equals(environment["SCHEMAMIGRATE_OUTPUT"] as string, "json", StringComparison.OrdinalIgnoreCase);
        string? verb = null, devDatabase = null, format = null, appliedThrough = null, appQueries = null, currentAppQueries = null;
        bool help = false, version = false, trace = false;

        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw Invalid($"{arg} needs a value");
                // An empty value ("" from an unset variable) is no value: it would name no file, no folder, no migration.
                if (args[i + 1].Length == 0) throw Invalid($"{arg} needs a value; it was given an empty one");
                return args[++i];
            }
            switch (arg)
            {
                case "--help" or "-h" or "-?": help = true; break;
                case "--version": version = true; break;
                case "--json": json = true; break;
                case "--strict": settings = settings with { Strict = true }; break;
                case "--migrations-dir": settings = settings with { MigrationsDirectory = Value() }; break;
                case "--connection": settings = settings with { ConnectionString = Value() }; break;
                case "--to": settings = settings with { TargetId = Value() }; break;
                case "--lock-wait": settings = settings with { LockWait = MigrationSettings.ParseDuration(Value(), arg) }; break;
                case "--lock-timeout": settings = settings with { LockTimeout = MigrationSettings.ParseDuration(Value(), arg) }; break;
                case "--lock-retries": settings = settings with { LockRetries = MigrationSettings.ParseCount(Value(), arg) }; break;
                case "--statement-timeout": settings = settings with { StatementTimeout = MigrationSettings.ParseDuration(Value(), arg) }; break;
                case "--auth": settings = settings with { Auth = MigrationSettings.ParseAuth(Value(), arg) }; break;
                case "--journal-schema": settings = settings with { JournalSchema = MigrationSettings.ParseName(Value(), arg) }; break;
                case "--journal-table": settings = settings with { JournalTable = MigrationSettings.ParseJournalTable(Value(), arg) }; break;
                case "--dev-database": devDatabase = Value(); break;
                case "--allow": settings = settings with { AllowedPhases = AllowedPhasesParser.Parse(Value(), arg) }; break;
                case "--format":
                    format = Value();
                    if (!Formats.Contains(format)) throw Invalid($"--format {format}: use one of {string.Join(", ", Formats)}");
                    break;
                case "--applied-through": appliedThrough = Value(); break;
                case "--trace": trace = true; break;
                case "--app-queries": appQueries = Value(); break;
                case "--current-app-queries": currentAppQueries = Value(); break;
                case "--require-trace": settings = settings with { RequireTrace = Value() }; break;
                default:
                    if (arg.StartsWith('-')) throw Invalid($"unknown option {arg}; run MigrateRunner --help for the list");
                    if (verb is not null) throw Invalid($"unexpected argument '{arg}' after the verb '{verb}'");
                    if (!Verbs.Contains(arg)) throw Invalid($"unknown verb '{arg}'; use one of: {string.Join(", ", Verbs)}");
                    verb = arg;
                    break;
            }
        }
        verb ??= "up";
        if (devDatabase is not null && verb != "verify") throw Invalid("--dev-database applies to verify only");
        if (trace && verb != "verify") throw Invalid("--trace applies to verify only");
        var traced = verb == "lint" || trace;
        if (format is not null && !traced) throw Invalid("--format applies to lint and verify --trace only; other verbs take --json");
        if (appliedThrough is not null && !traced) throw Invalid("--applied-through applies to lint and verify --trace only; up, status and plan read the journal");
        if ((appQueries ?? currentAppQueries) is not null && !trace) throw Invalid($"{(appQueries is not null ? "--app-queries" : "--current-app-queries")} applies to verify --trace only");
        return new CommandLine(verb, settings, json || format == "json", devDatabase, help, version)
        {
            Format = format ?? (json ? "json" : "text"), AppliedThrough = appliedThrough,
            Trace = trace ? new Engine.Migrations.TraceRequest(appliedThrough, appQueries, currentAppQueries) : null,
        };
    }

    private static MigrationException Invalid(string message) => new(ReasonCodes.InvalidArgument, message);
}
