namespace SchemaMigrate.Engine.Diagnostics;

/// <summary>
/// One entry of the reason-code catalogue. <see cref="Code"/> is the runner's result code, the cmdlet
/// ErrorRecord's ErrorId and <c>reasonCode</c> in artifacts; <see cref="ExitCode"/> is MigrateRunner's exit code.
/// <see cref="Category"/> is the name of the PowerShell ErrorCategory the cmdlets report.
/// </summary>
public sealed record ReasonCode(string Code, int ExitCode, string Category, string Meaning, string NextStep)
{
    public override string ToString() => Code;
}

/// <summary>The one catalogue of reason codes. docs/reason-codes.md documents each entry (a test keeps them in step).</summary>
public static class ReasonCodes
{
    public static readonly ReasonCode UnexpectedError = new("UNEXPECTED_ERROR", 1, "NotSpecified",
        "A failure SchemaMigrate has no specific code for.",
        "Rerun with SCHEMAMIGRATE_DEBUG=1 (PowerShell: -Debug) and report the output; the journal is consistent because every migration commits with its journal row.");
    public static readonly ReasonCode InvalidArgument = new("INVALID_ARGUMENT", 2, "InvalidArgument",
        "A command-line option, cmdlet parameter or SCHEMAMIGRATE_/DB_CONN setting is missing or malformed.",
        "Read the message for the option and the accepted values; {help} lists every option.");
    public static readonly ReasonCode MigrationsDirNotFound = new("MIGRATIONS_DIR_NOT_FOUND", 3, "ObjectNotFound",
        "The migrations folder does not exist.",
        "Check {migrations-dir} (default MIGRATIONS_DIR, else /app/ops/migrations) and that the image copies ops/migrations.");
    public static readonly ReasonCode MigrationInvalid = new("MIGRATION_INVALID", 4, "InvalidData",
        "A migration file cannot be run as written (no statement at all, unknown directive, unterminated quote or comment, not UTF-8 or holding a NUL byte, a statement that cannot run in a transaction without the no-transaction directive, transaction control in a transactional file or a transaction left open at the end of a no-transaction one, COPY FROM STDIN or a psql meta-command), or its name means it never runs, runs out of numeric order or is one with another name once case and accents are ignored; checked before anything runs.",
        "Fix the file at the line named (or rename it, if it is not applied anywhere yet); nothing was applied from it.");
    public static readonly ReasonCode DbUnreachable = new("DB_UNREACHABLE", 5, "ConnectionError",
        "The database server could not be reached (DNS, network, firewall, server down, or connect timeout).",
        "Check host and port in {connection}, the server's firewall rules and that it is running; retry once it answers.");
    public static readonly ReasonCode DbAuthFailed = new("DB_AUTH_FAILED", 6, "AuthenticationError",
        "The server refused the credentials (SQLSTATE 28P01 or 28000), or {auth} entra could not obtain an Entra ID access token.",
        "Fix the user or password in {parameter} (password rotated, wrong user), or log in with an Entra ID token ({auth} entra) and follow the message about the identity.");
    public static readonly ReasonCode DbConnectionFailed = new("DB_CONNECTION_FAILED", 7, "ConnectionError",
        "The server answered but refused the session (database does not exist, too many connections, TLS required, server starting up).",
        "Read the SQLSTATE and message; fix the database name or TLS settings in {connection}, or retry when the server accepts connections.");
    public static readonly ReasonCode JournalIncompatible = new("JOURNAL_INCOMPATIBLE", 8, "InvalidData",
        "A relation with the journal's name exists where the journal belongs but cannot serve as it: a view, no id, checksum and applied_at columns (e.g. the schema_migrations(version, dirty) of golang-migrate), columns of other types, a further NOT NULL column without a default, or rows edited by hand (an empty id, checksum or applied_at, an id recorded twice).",
        "Keep SchemaMigrate's journal beside that table under another name: set {journal-table} (default SCHEMAMIGRATE_JOURNAL_TABLE), e.g. schemamigrate_journal; SchemaMigrate never alters an existing table. For rows edited by hand, the message names them: restore them from a backup or correct them.");
    public static readonly ReasonCode JournalAmbiguous = new("JOURNAL_AMBIGUOUS", 9, "InvalidData",
        "Which journal records this database's migrations is not certain: no journal schema is set and more than one schema holds a journal (a table with the journal's name and its id, checksum and applied_at columns), or the schema set holds none while another schema does.",
        "Set {journal-schema} (default SCHEMAMIGRATE_JOURNAL_SCHEMA) to the schema of the journal in use, or move that journal to the schema set; the message lists each journal with its row count and newest entry.");
    public static readonly ReasonCode SqlApplyFailed = new("SQL_APPLY_FAILED", 10, "InvalidOperation",
        "A migration's SQL failed; its transaction was rolled back and nothing after it ran.",
        "Fix the statement at the file and line shown. If the file was already applied elsewhere, add a new migration instead of editing it.");
    public static readonly ReasonCode LockTimeout = new("LOCK_TIMEOUT", 11, "ResourceBusy",
        "A migration statement waited longer than lock_timeout for a lock (SQLSTATE 55P03) and the retries with backoff ({lock-retries}) did not help; the message names the relation and the blocking session when seen.",
        "Find the blocking session (pg_stat_activity, pg_locks), let it finish or end it, and rerun; raise {lock-timeout} only if the wait is acceptable for traffic.");
    public static readonly ReasonCode StatementTimeout = new("STATEMENT_TIMEOUT", 12, "OperationTimeout",
        "A migration statement ran longer than statement_timeout (SQLSTATE 57014).",
        "Make the statement cheaper (batch it, move it to a backfill job) or raise {statement-timeout} or the file's statement-timeout directive.");
    public static readonly ReasonCode MigrationLockBusy = new("MIGRATION_LOCK_BUSY", 13, "ResourceBusy",
        "Another runner held the migration lock for longer than {lock-wait}.",
        "Wait for the other run (its pid, application_name and start time are in the message) or end it if it is stuck, then rerun.");
    public static readonly ReasonCode ConnectionLost = new("CONNECTION_LOST", 14, "ConnectionError",
        "The database connection broke during a migration (server restart, failover, network, or a terminated backend).",
        "Rerun: a transactional migration was rolled back with its journal row; for a no-transaction migration follow the resume advice printed.");
    public static readonly ReasonCode IntegrityCheckFailed = new("INTEGRITY_CHECK_FAILED", 15, "InvalidData",
        "{strict} found an applied file that was modified, or a pending file that sorts before the newest applied one.",
        "Restore the applied file from history (or, if only line endings differ, fix .gitattributes); rename an out-of-order file to sort last.");
    public static readonly ReasonCode IncompleteMigration = new("INCOMPLETE_MIGRATION", 16, "InvalidOperation",
        "A no-transaction migration stopped part-way in an earlier run; it must be resolved before anything else runs.",
        "Inspect what the message lists as done and left (e.g. drop an INVALID index), then rerun: the runner resumes at the first unfinished statement.");
    public static readonly ReasonCode ConfirmationRequired = new("CONFIRMATION_REQUIRED", 17, "InvalidOperation",
        "A cmdlet that asks before it changes anything ran in a host that cannot prompt (pwsh -NonInteractive, a CI step, a scheduled task or a hosted runspace), so it changed nothing.",
        "Pass -Confirm:$false to run without asking (in CI, after -WhatIf has shown what would run), or run it in an interactive session and answer the prompt.");
    public static readonly ReasonCode Cancelled = new("CANCELLED", 18, "OperationStopped",
        "The run was cancelled (Ctrl+C, SIGTERM, pipeline stop) before it finished.",
        "Rerun when ready: a transactional migration in flight was rolled back with its journal row; a no-transaction one resumes where it stopped.");
    public static readonly ReasonCode TargetNotFound = new("TARGET_NOT_FOUND", 19, "ObjectNotFound",
        "The {to} migration id is not a file in the migrations folder.",
        "Use an id listed by {status} (the full file name).");
    public static readonly ReasonCode DevDatabaseFailed = new("DEV_DATABASE_FAILED", 20, "ResourceUnavailable",
        "verify could not start a throwaway PostgreSQL or create its scratch database.",
        "Install PostgreSQL server binaries (or set SCHEMAMIGRATE_PG_BIN), or pass {dev-database} with a server where you may create databases.");
    public static readonly ReasonCode MigrationTouchesJournal = new("MIGRATION_TOUCHES_JOURNAL", 21, "InvalidData",
        "A migration file creates, alters, drops or writes SchemaMigrate's journal or its progress table, or a table of the journal's name that may resolve to it (another tool's schema_migrations, say); checked before anything runs.",
        "Keep SchemaMigrate's journal under a name of its own ({journal-table}, default SCHEMAMIGRATE_JOURNAL_TABLE), renaming an existing journal to that name first so nothing runs twice; nothing was applied.");
    public static readonly ReasonCode JournalAccessFailed = new("JOURNAL_ACCESS_FAILED", 22, "PermissionDenied",
        "PostgreSQL refused a statement SchemaMigrate runs for its own bookkeeping (creating, reading or writing the journal or the progress table): permission denied, a missing schema, a read-only server.",
        "Read the SQLSTATE and statement shown: grant the role CREATE on the journal's schema (or USAGE on it and SELECT, INSERT on the journal), connect to a writable primary, or set {journal-schema} (default SCHEMAMIGRATE_JOURNAL_SCHEMA) to a schema the role may use.");
    public static readonly ReasonCode PolicyViolation = new("POLICY_VIOLATION", 24, "PermissionDenied",
        "The deploy gate refused the pending migrations: a contract step, a backfill, a statement that rewrites or long-locks an existing table, or one it cannot classify, in a run that does not allow it (or, for lint, a naming problem); every finding is listed and nothing was applied.",
        "Read each finding's page (docs/gate/<rule-id>.md) for the safe recipe; declare a contract or backfill file and run it with {allow} contract|backfill when that phase is due, or waive a finding in the file with '-- schemamigrate:allow <rule-id> <reason>'.");
    public static readonly ReasonCode TraceReportInvalid = new("TRACE_REPORT_INVALID", 28, "InvalidData",
        "The trace report named by {require-trace} (or SCHEMAMIGRATE_REQUIRE_TRACE) is missing, unreadable or not a report of verify --trace --format json; nothing was applied.",
        "Point it at the file verify --trace --format json wrote for this commit (the CI artifact), or make one: MigrateRunner verify --trace --format json > trace.jsonl.");
    public static readonly ReasonCode JobAlreadyRunning = new("JOB_ALREADY_RUNNING", 30, "ResourceBusy",
        "The migration job already has an execution Running or Processing.",
        "Wait for it (Get-MigrationJobExecution) or stop it (Stop-MigrationJobExecution); -Force starts anyway.");
    public static readonly ReasonCode JobExecutionFailed = new("JOB_EXECUTION_FAILED", 31, "InvalidResult",
        "The job execution ended Failed, Stopped or Degraded for a reason the logs do not pin down.",
        "Read Get-MigrationJobLog for the execution; check the job's replica timeout, retry limit and image.");
    public static readonly ReasonCode JobTimeout = new("JOB_TIMEOUT", 32, "OperationTimeout",
        "The execution did not reach a terminal state within the wait timeout, or the platform ended it at its replica timeout.",
        "Check whether it is stuck (Get-MigrationJobLog -Follow); stop it before starting another; raise -Timeout or the job's replicaTimeout if the work is legitimately long.");
    public static readonly ReasonCode ImagePullFailed = new("IMAGE_PULL_FAILED", 33, "ResourceUnavailable",
        "The container image could not be pulled (tag missing, registry auth, network).",
        "Check that the image tag exists and that the job's registry identity or credentials can pull it.");
    public static readonly ReasonCode RuntimeCrash = new("RUNTIME_CRASH", 34, "InvalidResult",
        "The container process crashed (exit code 139 / SIGSEGV, or a runtime that could not start).",
        "Read the last console lines; a native crash usually means a broken image or runtime; redeploy the previous known-good image.");
    public static readonly ReasonCode ModuleFormatMismatch = new("MODULE_FORMAT_MISMATCH", 35, "InvalidData",
        "A Node migration used CommonJS (exports.up) in an ESM image (`exports is not defined in ES module scope`).",
        "Rewrite the migration with `export const up/down` (the runtime image is \"type\": \"module\").");
    public static readonly ReasonCode AzureAuthFailed = new("AZURE_AUTH_FAILED", 36, "AuthenticationError",
        "Azure refused or could not obtain a token, or the identity lacks a role (401/403).",
        "Sign in (Connect-AzAccount / az login / managed identity) and grant Container Apps Jobs Operator on the job and Log Analytics Reader on the workspace.");
    public static readonly ReasonCode AzureResourceNotFound = new("AZURE_RESOURCE_NOT_FOUND", 37, "ObjectNotFound",
        "The subscription, resource group, job or execution does not exist (404).",
        "Check -Subscription, -ResourceGroupName, -Name and the execution name.");
    public static readonly ReasonCode AzureRequestFailed = new("AZURE_REQUEST_FAILED", 38, "ConnectionError",
        "An Azure REST call failed after its retries (5xx, throttling, network).",
        "Retry later; the message carries the ARM error code and request id for a support case.");
    public static readonly ReasonCode SmokeHealthFailed = new("SMOKE_HEALTH_FAILED", 40, "InvalidResult",
        "After the rollout the API's health endpoint answered, but not 2xx (also after the retries of a 5xx).",
        "Read calls.health in api-smoke.json (status and text), then the new revision's logs and its dependencies; roll back to the previous image if it stays unhealthy. A 404 means -HealthPath is wrong.");
    public static readonly ReasonCode SmokeUnauthenticatedAccepted = new("SMOKE_UNAUTHENTICATED_ACCEPTED", 41, "SecurityError",
        "The probe endpoint answered 2xx to a call without credentials: the API lets anonymous callers through.",
        "Roll back, then fix the API's authentication (Easy Auth 'require authentication', the auth middleware of -ProbePath) before it takes traffic; if the endpoint is meant to be public, probe one that needs a token.");
    public static readonly ReasonCode SmokeAuthNotPropagated = new("SMOKE_AUTH_NOT_PROPAGATED", 42, "AuthenticationError",
        "The probe still answered 401 or 403 to the call with the token when the retry window ended (role assignment or app registration not propagated, wrong audience or scope, a token the API does not accept).",
        "Read authorizedRetryTimeline in api-smoke.json (each 401/403 with its WWW-Authenticate); check the token's audience (-Scope) and the caller's app role or role assignment; raise -RetryWindow if propagation takes longer.");
    public static readonly ReasonCode SmokeUnreachable = new("SMOKE_UNREACHABLE", 43, "ConnectionError",
        "A smoke call got no HTTP answer after its retries: DNS, connection refused, TLS failure, or no answer within the request timeout.",
        "Check -BaseUri, DNS, the app's ingress and that the new revision has running replicas; a revision scaling from zero may need a longer -RequestTimeout.");
    public static readonly ReasonCode SmokeServerError = new("SMOKE_SERVER_ERROR", 44, "InvalidResult",
        "The probe answered 5xx (or 408/429) on every attempt of its bounded retries.",
        "Read the call's text in api-smoke.json and the API's logs for that request; roll back to the previous image if the new one fails.");
    public static readonly ReasonCode SmokeUnexpectedStatus = new("SMOKE_UNEXPECTED_STATUS", 45, "InvalidResult",
        "The probe answered a status its assertion does not accept: neither 401 nor 403 without credentials, or not 2xx, 401, 403 or 5xx with the token (e.g. 404, or a 3xx redirect to a sign-in page).",
        "Point -ProbePath at an endpoint that needs a token and answers 2xx to an authorized GET; a 3xx means the API redirects to a sign-in page instead of answering 401.");
    public static readonly ReasonCode JobStartUnconfirmed = new("JOB_START_UNCONFIRMED", 46, "ProtocolError",
        "Azure Resource Manager accepted the start (200 or 202) but did not confirm which execution it started: following the 202's operation failed (404, 5xx, network, timeout) or the answer named no valid execution. An execution may be running.",
        "Do not start the job again yet: find the execution with Get-MigrationJobExecution -Latest 1, then follow it with Get-MigrationJobLog -Follow or stop it with Stop-MigrationJobExecution.");
    public static readonly ReasonCode JobStopUnconfirmed = new("JOB_STOP_UNCONFIRMED", 47, "ProtocolError",
        "Azure Resource Manager accepted the stop (202) but following its operation failed, and the execution did not read Stopped within the wait: it may still be stopping or running.",
        "Check it with Get-MigrationJobExecution -ExecutionName; repeat Stop-MigrationJobExecution (a stop is safe to repeat) if it still reads Running.");
    public static readonly ReasonCode JobLogsUnavailable = new("JOB_LOGS_UNAVAILABLE", 48, "ResourceUnavailable",
        "The job's logs cannot be read: its managed environment stores none (no appLogsConfiguration, destination 'none'), names no usable Log Analytics workspace, or the job names no environment.",
        "Configure the environment's logs destination (log-analytics, or azure-monitor with a diagnostic setting), or pass -WorkspaceId with the workspace's customer id (a GUID); until then only the portal's live log stream shows output.");

    public static readonly ReasonCode MigrationUnreadable = new("MIGRATION_UNREADABLE", 49, "ReadError",
        "The migrations folder cannot be listed, or a *.sql entry of it cannot be read as a file: permission denied, a broken or looping symbolic link, a directory named like a migration, an I/O error; checked before anything runs.",
        "Fix the entry named (ls -l it): make it a regular file the runner's user may read (chmod a+r), repair or remove the link, or move the directory out of the folder; nothing was applied.");

    public static IReadOnlyList<ReasonCode> All { get; } = typeof(ReasonCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ReasonCode))
        .Select(f => (ReasonCode)f.GetValue(null)!)
        .OrderBy(r => r.ExitCode)
        .ToArray();

    public static ReasonCode? Find(string? code) => All.FirstOrDefault(r => r.Code == code);
}
