using System.Text.Json;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Azure;

/// <summary>End to end: the real clients, over HTTPS, to the fake of Azure, which runs the built MigrateRunner against the real PostgreSQL.</summary>
public sealed class StartMigrationJobTests : IDisposable
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;

    public void Dispose() => Directory.Delete(_artifacts, recursive: true);

    [Fact]
    public async Task Start_and_wait_succeeds_lists_the_applied_migrations_in_the_logs_and_writes_the_artifact()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        azure.RunnerJob(db.ConnectionString, migrations.Path);
        var listener = new RecordingListener();

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, ArtifactPath = _artifacts, CommitSha = "0123abc",
        }, listener, CancellationToken.None);

        Assert.True(run.Succeeded, run.Summary);
        Assert.Equal("Succeeded", run.Status);
        Assert.Equal(["Running", "Succeeded"], run.StatusTimeline.Select(s => s.Status));
        Assert.Equal(["Running", "Succeeded"], listener.Events.OfType<JobStatusChanged>().Select(s => s.Change.Status));
        Assert.Equal(("job migrate in resource group rg-deploy", "Start an execution"), Assert.Single(listener.Confirmations));
        Assert.Equal(3, (await db.JournalAsync()).Count);
        Assert.Contains(run.Logs, e => e.Stream == "stdout" && e.Message.Contains("applied  001_core_domain_tables.sql"));
        Assert.Contains(run.Logs, e => e.Message.Contains("applied  003_add_indexes.sql"));
        Assert.Contains(run.Logs, e => e.IsSystem && e.Reason == "Completed");
        Assert.True(run.LogsSource!.Complete);
        Assert.Contains("applied=3", run.Summary);

        var path = Path.Combine(_artifacts, "0123abc", "migration.json");
        Assert.Equal(path, run.ArtifactPath);
        var (json, text) = Artifact(run);
        Assert.Equal("succeeded", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("reasonCode").ValueKind);
        Assert.Equal("Succeeded", json.GetProperty("executionStatus").GetString());
        Assert.Equal(run.ExecutionName, json.GetProperty("executionName").GetString());
        Assert.Equal(["Running", "Succeeded"], json.GetProperty("statusTimeline").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.True(json.GetProperty("elapsedMs").GetInt64() > 0);
        Assert.Contains(json.GetProperty("logs").EnumerateArray(), l => l.GetProperty("message").GetString()!.Contains("applied  002_create_api_keys_table.sql"));
        Assert.Equal(azure.WorkspaceId, json.GetProperty("logsSource").GetProperty("workspaceId").GetString());
        Assert.DoesNotContain(azure.ArmToken, text);
        Assert.DoesNotContain(azure.LogsToken, text);
    }

    [Fact]
    public async Task A_wrong_password_in_DB_CONN_ends_Failed_with_DB_AUTH_FAILED_even_when_the_logs_arrive_late()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.IngestionDelay = TimeSpan.FromSeconds(3);
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        var password = "Wr0ng-" + Guid.NewGuid().ToString("N");
        azure.RunnerJob(db.As("postgres", password), migrations.Path);

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, ArtifactPath = _artifacts, CommitSha = "badpass",
        }, new RecordingListener(), CancellationToken.None);

        Assert.Equal("Failed", run.Status);
        Assert.Equal(ReasonCodes.DbAuthFailed, run.Failure!.Reason);
        Assert.Contains("password authentication failed", run.Failure.Message);
        Assert.Contains(run.ExecutionName!, run.Failure.Message);
        // The execution had ended while its rows were still being ingested; the wait polled until they arrived.
        Assert.True(azure.QueriesDuringIngestion > 0);
        var (json, text) = Artifact(run);
        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.Equal("DB_AUTH_FAILED", json.GetProperty("reasonCode").GetString());
        Assert.Equal("Failed", json.GetProperty("executionStatus").GetString());
        Assert.StartsWith("DB_AUTH_FAILED after ", json.GetProperty("executionSummary").GetString());
        Assert.DoesNotContain(password, text);
        Assert.DoesNotContain(password, run.Failure.Message + run.Failure.Detail + run.Summary);
    }

    [Fact]
    public async Task A_failing_migration_reports_SQL_APPLY_FAILED_with_file_line_and_SQLSTATE_from_the_runners_json_result()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples()
            .Add("004_create_orders.sql", "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  account_id bigint REFERENCES acounts (id)\n);\n");
        azure.RunnerJob(db.ConnectionString, migrations.Path, "migrate", "--json");

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.SqlApplyFailed, run.Failure!.Reason);
        Assert.Equal("004_create_orders.sql", run.Failure.File);
        Assert.Equal(1, run.Failure.Line);
        Assert.Equal("42P01", run.Failure.SqlState);
        Assert.Contains("relation \"acounts\" does not exist", run.Failure.Message);
        Assert.Equal(3, (await db.JournalAsync()).Count);
    }

    [Fact]
    public async Task A_missing_migrations_folder_is_MIGRATIONS_DIR_NOT_FOUND()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        var job = azure.RunnerJob(db.ConnectionString, migrations.Path);
        job.Containers[0].Env[1] = new FakeEnv("MIGRATIONS_DIR", "/app/ops/no-such-folder");

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.MigrationsDirNotFound, run.Failure!.Reason);
    }

    [Fact]
    public async Task A_second_start_while_one_runs_is_refused_and_still_writes_the_artifact_and_Force_starts_anyway()
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.ShellJob("migrate", "exit 0");
        job.Stuck = true;
        var ops = azure.Operations();
        var listener = new RecordingListener();

        var first = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")), listener, CancellationToken.None);
        Assert.True(first.Started);
        Assert.True(first.Succeeded);
        // The execution's status is not reported yet: a start must treat it as running.
        azure.Execution("migrate", first.ExecutionName!).Reads = 0;

        var second = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { ArtifactPath = _artifacts, CommitSha = "second" }, listener, CancellationToken.None);

        Assert.False(second.Started);
        Assert.Equal(ReasonCodes.JobAlreadyRunning, second.Failure!.Reason);
        Assert.Contains(first.ExecutionName!, second.Failure.Message);
        Assert.Single(job.Executions);
        var (json, _) = Artifact(second);
        Assert.Equal("JOB_ALREADY_RUNNING", json.GetProperty("reasonCode").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("executionName").ValueKind);
        Assert.StartsWith("not started: JOB_ALREADY_RUNNING", json.GetProperty("executionSummary").GetString());

        var forced = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Force = true }, listener, CancellationToken.None);
        Assert.True(forced.Started);
        Assert.Equal(2, job.Executions.Count);
        Assert.Contains(listener.Warnings, w => w.Contains("starting although job migrate is running") && w.Contains(first.ExecutionName!));
    }

    [Fact]
    public async Task A_stuck_execution_times_out_with_JOB_TIMEOUT()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0").Stuck = true;

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, Timeout = TimeSpan.FromSeconds(1), ArtifactPath = _artifacts, CommitSha = "stuck",
        }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.JobTimeout, run.Failure!.Reason);
        Assert.Equal("Running", run.Status);
        Assert.Contains("did not finish within 1s", run.Failure.Message);
        var (json, _) = Artifact(run);
        Assert.Equal("JOB_TIMEOUT", json.GetProperty("reasonCode").GetString());
        Assert.Equal("Running", json.GetProperty("executionStatus").GetString());
        Assert.Equal(1000, json.GetProperty("waitTimeoutMs").GetInt64());
        // The execution never wrote a row: the workspace answered 204 No Content, read as no rows.
        Assert.Contains(azure.Requests, r => r.Path.EndsWith("/query") && r.Status == 204);
        Assert.Empty(run.Logs);
    }

    [Fact]
    public async Task Cancelling_the_wait_reports_CANCELLED_leaves_the_execution_running_and_writes_the_artifact()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0").Stuck = true;
        using var cancel = new CancellationTokenSource();
        var listener = new CancelOnRunning(cancel);

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, ArtifactPath = _artifacts, CommitSha = "cancelled",
        }, listener, cancel.Token);

        Assert.Equal(ReasonCodes.Cancelled, run.Failure!.Reason);
        Assert.Contains("it keeps running", run.Failure.Message);
        Assert.Equal("Running", azure.Execution("migrate", run.ExecutionName!).Status);
        Assert.Equal("CANCELLED", Artifact(run).Json.GetProperty("reasonCode").GetString());
    }

    private sealed class CancelOnRunning(CancellationTokenSource cancel) : IJobListener
    {
        public void OnEvent(JobEvent e)
        {
            if (e is JobStatusChanged { Change.Status: "Running" }) cancel.Cancel();
        }
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task A_start_answered_202_is_followed_to_its_execution()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.StartAnswers202 = true;
        azure.ShellJob("migrate", "echo 'result: succeeded applied=1 alreadyApplied=0 pending=0 elapsed=5ms'");

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);

        Assert.True(run.Succeeded, run.Summary);
        Assert.StartsWith("migrate-", run.ExecutionName);
        Assert.Equal([202, 200], azure.Requests.Where(r => r.Path.Contains("containerappOperationResults")).Select(r => r.Status));
    }

    [Fact]
    public async Task Image_override_keeps_the_jobs_command_args_env_and_resources()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        azure.RunnerJob(db.ConnectionString, migrations.Path);
        azure.AddRunnerImage("acr.test/app:2.0.0", migrations.Path);
        var listener = new RecordingListener();

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Image = "acr.test/app:2.0.0", Wait = true }, listener, CancellationToken.None);

        Assert.True(run.Succeeded, run.Summary);
        Assert.Equal("acr.test/app:2.0.0", run.Image);
        Assert.Equal("Start an execution with image acr.test/app:2.0.0", listener.Confirmations.Single().Action);
        var body = JsonDocument.Parse(azure.Requests.Single(r => r.Path.EndsWith("/start")).Body).RootElement;
        var container = Assert.Single(body.GetProperty("containers").EnumerateArray());
        Assert.Equal("acr.test/app:2.0.0", container.GetProperty("image").GetString());
        Assert.Equal("migrate", container.GetProperty("name").GetString());
        Assert.Equal(["dotnet"], container.GetProperty("command").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["/app/migrate/MigrateRunner.dll"], container.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("""[{"name":"DB_CONN","secretRef":"db-conn"},{"name":"MIGRATIONS_DIR","value":"/app/ops/migrations"}]""", container.GetProperty("env").GetRawText());
        Assert.Equal(0.5, container.GetProperty("resources").GetProperty("cpu").GetDouble());
        Assert.Equal("1Gi", container.GetProperty("resources").GetProperty("memory").GetString());
        Assert.False(container.GetProperty("resources").TryGetProperty("ephemeralStorage", out _));
        Assert.False(container.TryGetProperty("probes", out _));
        Assert.Equal(3, (await db.JournalAsync()).Count);
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_is_IMAGE_PULL_FAILED()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Image = "acr.test/app:9.9.9-missing", Wait = true },
            new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.ImagePullFailed, run.Failure!.Reason);
        Assert.Contains("acr.test/app:9.9.9-missing", run.Failure.Message);
        Assert.DoesNotContain(run.Logs, e => !e.IsSystem);
    }

    [Fact]
    public async Task The_seed_Node_runner_with_a_CommonJS_migration_is_MODULE_FORMAT_MISMATCH()
    {
        await using var azure = await FakeAzure.StartAsync();
        var root = azure.Scratch();
        Directory.CreateDirectory(Path.Combine(root, "app", "db", "scripts"));
        Directory.CreateDirectory(Path.Combine(root, "app", "db", "migrations"));
        File.WriteAllText(Path.Combine(root, "app", "package.json"), """{ "name": "api", "type": "module" }""");
        File.WriteAllText(Path.Combine(root, "app", "db", "scripts", "migrate.mjs"), """
            import { readdir } from 'node:fs/promises';
            import path from 'node:path';
            import { pathToFileURL } from 'node:url';
            const dir = path.resolve('db/migrations');
            for (const file of (await readdir(dir)).sort()) {
              console.log(`migrate ${process.argv[2]}: ${file}`);
              const migration = await import(pathToFileURL(path.join(dir, file)).href);
              await migration.up();
            }
            """);
        File.WriteAllText(Path.Combine(root, "app", "db", "migrations", "001_create_accounts.js"), "exports.up = async function () {};\nexports.down = async function () {};\n");
        azure.AddImage("acr.test/api:1.0.0", root);
        azure.AddJob(new FakeJob("migrate", new FakeContainer("migrate", "acr.test/api:1.0.0") { Command = ["node", "db/scripts/migrate.mjs", "up"] }));

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.ModuleFormatMismatch, run.Failure!.Reason);
        Assert.Equal("001_create_accounts.js", run.Failure.File);
        Assert.Equal(1, run.Failure.Line);
        Assert.Contains("exports is not defined in ES module scope", run.Failure.Message);
    }

    [Fact]
    public async Task A_segfaulting_container_is_RUNTIME_CRASH()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "echo starting; kill -SEGV $$");

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.RuntimeCrash, run.Failure!.Reason);
        Assert.Contains("exit code 139", run.Failure.Message);
    }

    [Fact]
    public async Task No_secret_from_the_jobs_env_or_the_tokens_reaches_the_artifact_or_the_failure()
    {
        await using var azure = await FakeAzure.StartAsync();
        var dbPassword = "pw-" + Guid.NewGuid().ToString("N");
        var apiToken = "tok-" + Guid.NewGuid().ToString("N");
        var job = azure.ShellJob("migrate", """
            echo "connecting with $DB_CONN"
            echo "also postgres://app:$DB_PASSWORD@db.internal:5432/app"
            echo "using api token $API_TOKEN" >&2
            exit 3
            """, new FakeEnv("DB_CONN", SecretRef: "db-conn"), new FakeEnv("DB_PASSWORD", SecretRef: "db-password"), new FakeEnv("API_TOKEN", apiToken));
        job.Secrets["db-conn"] = $"Host=db.internal;Username=app;Password={dbPassword};Database=app";
        job.Secrets["db-password"] = dbPassword;

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, ArtifactPath = _artifacts, CommitSha = "secrets",
        }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.JobExecutionFailed, run.Failure!.Reason);
        Assert.Contains("exited with code 3", run.Failure.Message);
        var (_, text) = Artifact(run);
        Assert.Contains("connecting with Host=db.internal;Username=app;Password=***", text);
        Assert.Contains("using api token ***", text);
        foreach (var secret in new[] { dbPassword, apiToken, azure.ArmToken, azure.LogsToken })
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(secret, string.Join("\n", run.Logs.Select(l => l.Message)) + run.Failure.Message + run.Failure.Detail + run.Summary);
        }
    }

    [Fact]
    public async Task A_job_not_configured_for_single_manual_runs_is_started_with_warnings()
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.ShellJob("migrate", "exit 0");
        job.TriggerType = "Schedule";
        job.Parallelism = 3;
        var listener = new RecordingListener();

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")), listener, CancellationToken.None);

        Assert.True(run.Started);
        Assert.Contains(listener.Warnings, w => w.Contains("triggered by Schedule"));
        Assert.Contains(listener.Warnings, w => w.Contains("runs 3 replicas in parallel"));
    }

    [Fact]
    public async Task A_declined_start_starts_nothing()
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.ShellJob("migrate", "exit 0");

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(confirm: false), CancellationToken.None);

        Assert.False(run.Started);
        Assert.Null(run.Failure);
        Assert.Empty(job.Executions);
        Assert.DoesNotContain(azure.Requests, r => r.Method == "POST");
    }

    private static (JsonElement Json, string Text) Artifact(JobRun run)
    {
        var text = File.ReadAllText(run.ArtifactPath!);
        return (JsonDocument.Parse(text).RootElement, text);
    }
}
