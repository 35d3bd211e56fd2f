using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Azure;

/// <summary>Each reason from the log text real containers and the platform write (reference §5.3, seed 000/003).</summary>
public class JobFailureClassifierTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    private static JobLogEntry Out(int second, string message, string replica = "migrate-k3v9q2a-x7p2m") =>
        new(T0.AddSeconds(second), "stdout", replica, "migrate", message, "ContainerAppConsoleLogs_CL");

    private static JobLogEntry Err(int second, string message, string replica = "migrate-k3v9q2a-x7p2m") =>
        new(T0.AddSeconds(second), "stderr", replica, "migrate", message, "ContainerAppConsoleLogs_CL");

    private static JobLogEntry Sys(int second, string reason, string message, string replica = "migrate-k3v9q2a-x7p2m") =>
        new(T0.AddSeconds(second), "system", replica, null, message, "ContainerAppSystemLogs_CL") { Reason = reason };

    private static JobLogEntry Exited(int second, int code, string replica = "migrate-k3v9q2a-x7p2m") =>
        Sys(second, "ProcessExited", $"Container 'migrate' was terminated with exit code '{code}' and reason 'ProcessExited'", replica);

    private static Failure Classify(params JobLogEntry[] logs) => JobFailureClassifier.Classify("migrate-k3v9q2a", "Failed", logs);

    [Fact]
    public void MigrateRunner_human_output_with_a_wrong_password_is_DB_AUTH_FAILED()
    {
        var failure = Classify(
            Out(1, "up: /app/ops/migrations -> db.internal:5432/app as migrator"),
            Out(2, "result: failed reasonCode=DB_AUTH_FAILED exitCode=6 elapsed=85ms"),
            Err(2, "error DB_AUTH_FAILED: password authentication failed for user \"migrator\" (28P01) connecting to db.internal:5432/app as migrator"),
            Err(2, "  next step: Update the DB_CONN secret (password rotated, wrong user), or use --auth entra to log in with an Entra ID token."),
            Exited(3, 6),
            Sys(4, "BackoffLimitExceeded", "Job has reached the specified backoff limit"));

        Assert.Equal(ReasonCodes.DbAuthFailed, failure.Reason);
        Assert.Equal("execution migrate-k3v9q2a Failed: password authentication failed for user \"migrator\" (28P01) connecting to db.internal:5432/app as migrator", failure.Message);
        Assert.Contains("result: failed reasonCode=DB_AUTH_FAILED", failure.Detail);
    }

    [Fact]
    public void MigrateRunner_human_output_of_a_failed_statement_is_SQL_APPLY_FAILED_with_file_line_and_SQLSTATE()
    {
        var failure = Classify(
            Out(1, "applying 004_create_orders.sql (1/1)"),
            Out(1, "failed   004_create_orders.sql"),
            Out(1, "result: failed reasonCode=SQL_APPLY_FAILED exitCode=10 at=004_create_orders.sql:2 sqlstate=42P01 applied=0 alreadyApplied=3 pending=1 elapsed=436ms"),
            Err(1, "error SQL_APPLY_FAILED: 004_create_orders.sql:2: 42P01 relation \"acounts\" does not exist"),
            Exited(2, 10));

        Assert.Equal(ReasonCodes.SqlApplyFailed, failure.Reason);
        Assert.Equal(("004_create_orders.sql", 2, "42P01"), (failure.File, failure.Line, failure.SqlState));
        Assert.EndsWith("004_create_orders.sql:2: 42P01 relation \"acounts\" does not exist", failure.Message);
    }

    [Fact]
    public void MigrateRunner_json_result_carries_its_reason_and_next_step()
    {
        var failure = Classify(
            Out(1, """{"event":"migration.failed","ts":"2026-01-05T10:00:01Z","id":"005_lock.sql","reasonCode":"LOCK_TIMEOUT"}"""),
            Out(1, """{"event":"result","ts":"2026-01-05T10:00:01Z","command":"up","status":"failed","exitCode":11,"applied":0,"elapsedMs":5100,"reasonCode":"LOCK_TIMEOUT","reason":"005_lock.sql:1: 55P03 canceling statement due to lock timeout","file":"005_lock.sql","line":1,"sqlState":"55P03","nextStep":"Find the blocking session"}"""),
            Exited(2, 11));

        Assert.Equal(ReasonCodes.LockTimeout, failure.Reason);
        Assert.Equal(("005_lock.sql", 1, "55P03", "Find the blocking session"), (failure.File, failure.Line, failure.SqlState, failure.Action));
    }

    [Fact]
    public void The_last_attempt_decides_when_the_job_retried()
    {
        var failure = Classify(
            Out(1, "result: failed reasonCode=DB_UNREACHABLE exitCode=5 elapsed=3000ms", "migrate-k3v9q2a-aaaaa"),
            Exited(2, 5, "migrate-k3v9q2a-aaaaa"),
            Out(10, "result: failed reasonCode=SQL_APPLY_FAILED exitCode=10 at=004_x.sql:7 sqlstate=42601 elapsed=80ms", "migrate-k3v9q2a-bbbbb"),
            Exited(11, 10, "migrate-k3v9q2a-bbbbb"),
            Sys(40, "DeadlineExceeded", "Job was active longer than specified deadline"));

        Assert.Equal(ReasonCodes.SqlApplyFailed, failure.Reason);
        Assert.Equal("004_x.sql", failure.File);
    }

    [Fact]
    public void An_unknown_code_from_a_newer_runner_is_JOB_EXECUTION_FAILED_naming_it()
    {
        var failure = Classify(Out(1, "result: failed reasonCode=SOMETHING_NEW exitCode=77 elapsed=1ms"));
        Assert.Equal(ReasonCodes.JobExecutionFailed, failure.Reason);
        Assert.Contains("SOMETHING_NEW", failure.Message);
    }

    [Fact]
    public void The_seed_Node_runner_with_a_rotated_password_is_DB_AUTH_FAILED()
    {
        var failure = Classify(
            Out(1, "Running migrations from /app/db/migrations"),
            Err(2, "error: password authentication failed for user \"app\""),
            Err(2, "    at Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:283:98)"),
            Err(2, "    at Parser.handlePacket (/app/node_modules/pg-protocol/dist/parser.js:122:29)"),
            Err(2, "  length: 104,"),
            Err(2, "  severity: 'FATAL',"),
            Err(2, "  code: '28P01',"),
            Exited(3, 1));

        Assert.Equal(ReasonCodes.DbAuthFailed, failure.Reason);
        Assert.Equal("28P01", failure.SqlState);
        Assert.Contains("password authentication failed for user \"app\"", failure.Message);
    }

    [Fact]
    public void A_Node_runners_failed_statement_is_SQL_APPLY_FAILED_with_its_SQLSTATE_and_file()
    {
        var failure = Classify(
            Out(1, "Running migration 004_add_orders.js"),
            Err(2, "error: relation \"accounts\" does not exist"),
            Err(2, "    at /app/node_modules/pg/lib/client.js:535:17"),
            Err(2, "  code: '42P01',"),
            Exited(3, 1));

        Assert.Equal(ReasonCodes.SqlApplyFailed, failure.Reason);
        Assert.Equal(("42P01", "004_add_orders.js"), (failure.SqlState, failure.File));
        Assert.Contains("relation \"accounts\" does not exist", failure.Message);
    }

    [Fact]
    public void CommonJS_in_the_ESM_image_is_MODULE_FORMAT_MISMATCH_at_the_migrations_file_and_line()
    {
        var failure = Classify(
            Err(1, "file:///app/db/migrations/001_create_accounts.js:1"),
            Err(1, "exports.up = async function (db) {"),
            Err(1, "^"),
            Err(1, ""),
            Err(1, "ReferenceError: exports is not defined in ES module scope"),
            Err(1, "This file is being treated as an ES module because it has a '.js' file extension and '/app/package.json' contains \"type\": \"module\"."),
            Err(1, "    at file:///app/db/migrations/001_create_accounts.js:1:1"),
            Exited(2, 1));

        Assert.Equal(ReasonCodes.ModuleFormatMismatch, failure.Reason);
        Assert.Equal(("001_create_accounts.js", 1), (failure.File, failure.Line));
    }

    [Fact]
    public void A_missing_migrations_folder_of_any_runner_is_MIGRATIONS_DIR_NOT_FOUND()
    {
        var failure = Classify(Err(1, "Error: ENOENT: no such file or directory, scandir '/app/db/migrations'"), Exited(2, 1));
        Assert.Equal(ReasonCodes.MigrationsDirNotFound, failure.Reason);
    }

    [Fact]
    public void An_unreachable_database_is_DB_UNREACHABLE()
    {
        var failure = Classify(Err(1, "Error: connect ECONNREFUSED 10.0.0.4:5432"), Exited(2, 1));
        Assert.Equal(ReasonCodes.DbUnreachable, failure.Reason);
    }

    [Fact]
    public void Exit_code_139_is_RUNTIME_CRASH()
    {
        var failure = Classify(Out(1, "Applying migrations..."), Exited(2, 139), Sys(3, "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
        Assert.Equal(ReasonCodes.RuntimeCrash, failure.Reason);
        Assert.Contains("exit code 139", failure.Message);
    }

    [Fact]
    public void Out_of_memory_is_RUNTIME_CRASH_with_a_memory_next_step()
    {
        var failure = Classify(Sys(1, "OOMKilled", "Container 'migrate' was terminated with exit code '137' and reason 'OOMKilled'"));
        Assert.Equal(ReasonCodes.RuntimeCrash, failure.Reason);
        Assert.Contains("memory", failure.Action);
    }

    [Fact]
    public void A_runtime_that_cannot_start_the_command_is_RUNTIME_CRASH()
    {
        var failure = Classify(Sys(1, "Failed", "Error: failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"dotnet\": executable file not found in $PATH: unknown"));
        Assert.Equal(ReasonCodes.RuntimeCrash, failure.Reason);
        Assert.Contains("could not start", failure.Message);
    }

    [Fact]
    public void An_image_pull_failure_is_IMAGE_PULL_FAILED_naming_the_image()
    {
        var failure = Classify(
            Sys(1, "PullingImage", "Pulling image \"myacr.azurecr.io/api:4f2c1d9\""),
            Sys(2, "Failed", "Failed to pull image \"myacr.azurecr.io/api:4f2c1d9\": rpc error: code = Unknown desc = failed to pull and unpack image: unexpected status: 401 Unauthorized"),
            Sys(2, "Failed", "Error: ErrImagePull"),
            Sys(3, "BackOff", "Back-off pulling image \"myacr.azurecr.io/api:4f2c1d9\""));

        Assert.Equal(ReasonCodes.ImagePullFailed, failure.Reason);
        Assert.Contains("401 Unauthorized", failure.Message);
    }

    [Fact]
    public void The_platforms_replica_timeout_is_JOB_TIMEOUT()
    {
        var failure = Classify(Out(1, "waiting for lock..."), Sys(600, "DeadlineExceeded", "Job was active longer than specified deadline"));
        Assert.Equal(ReasonCodes.JobTimeout, failure.Reason);
        Assert.Contains("replica timeout", failure.Message);
    }

    [Fact]
    public void Any_other_exit_code_is_JOB_EXECUTION_FAILED_naming_it()
    {
        var failure = Classify(Out(1, "done?"), Exited(2, 2), Sys(3, "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
        Assert.Equal(ReasonCodes.JobExecutionFailed, failure.Reason);
        Assert.Contains("exited with code 2", failure.Message);
    }

    [Fact]
    public void Without_logs_the_status_is_all_there_is()
    {
        var failed = JobFailureClassifier.Classify("migrate-k3v9q2a", "Failed", []);
        Assert.Equal(ReasonCodes.JobExecutionFailed, failed.Reason);
        Assert.Contains("no console or system rows", failed.Message);

        var stopped = JobFailureClassifier.Classify("migrate-k3v9q2a", "Stopped", [Sys(1, "Suspended", "Job execution stopped")]);
        Assert.Equal(ReasonCodes.JobExecutionFailed, stopped.Reason);
        Assert.Contains("was stopped", stopped.Message);
    }

    [Fact]
    public void Logs_that_could_not_be_read_are_named_as_such_whatever_the_status()
    {
        var unavailable = new Failure { Reason = ReasonCodes.JobLogsUnavailable, Message = "managed environment cae stores no logs (destination 'none')" };

        foreach (var status in new[] { "Failed", "Stopped" })
        {
            var failure = JobFailureClassifier.Classify("migrate-k3v9q2a", status, [], logsUnavailable: unavailable);
            Assert.Equal(ReasonCodes.JobExecutionFailed, failure.Reason);
            Assert.Equal($"execution migrate-k3v9q2a {status}: its logs could not be read, so nothing names the failure: managed environment cae stores no logs (destination 'none')", failure.Message);
            Assert.Equal(ReasonCodes.JobLogsUnavailable.NextStep, failure.Action);
        }
    }

    [Fact]
    public void A_wait_that_timed_out_is_JOB_TIMEOUT_and_names_the_evidence_already_seen()
    {
        var failure = JobFailureClassifier.Classify("migrate-k3v9q2a", "Running",
            [Err(1, "error: password authentication failed for user \"app\""), Exited(2, 1)], TimeSpan.FromMinutes(15));

        Assert.Equal(ReasonCodes.JobTimeout, failure.Reason);
        Assert.StartsWith("execution migrate-k3v9q2a did not finish within 15min: it is still Running; its logs already show DB_AUTH_FAILED", failure.Message);
        Assert.Equal("28P01", failure.SqlState);
    }

    [Theory]
    [InlineData("Container 'migrate' was terminated with exit code '139' and reason 'ProcessExited'", 139)]
    [InlineData("Container migrate terminated with exit code: -1", -1)]
    [InlineData("Job completed", null)]
    public void Exit_codes_are_read_tolerantly(string message, int? expected) => Assert.Equal(expected, JobFailureClassifier.ExitCode(message));
}
