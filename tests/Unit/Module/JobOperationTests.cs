using System.Text.Json;
using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>
/// The job cmdlets' operations end to end, as the cmdlets run them: the real clients over HTTPS to the fake of
/// Azure, which runs the built MigrateRunner against the real PostgreSQL; what they write lands in a recording sink.
/// </summary>
public sealed class JobOperationTests : IDisposable
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;

    public void Dispose() => Directory.Delete(_artifacts, recursive: true);

    /// <summary>What PowerShell's binding by property name hands the next cmdlet from a piped execution.</summary>
    private static JobReference Piped(MigrationJobExecution e) => new(e.ResourceGroupName, e.JobName, e.Subscription);

    private JobStartRequest Start(FakeAzure azure, string sha) => new(new JobReference(FakeAzure.ResourceGroup, "migrate"))
    {
        Wait = true, ArtifactPath = _artifacts, CommitSha = sha,
    };

    [Fact]
    public async Task Start_wait_writes_the_succeeded_execution_whose_logs_list_the_applied_migrations_and_the_artifact()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        azure.RunnerJob(db.ConnectionString, migrations.Path);
        var sink = new RecordingSink();

        await new StartJobOperation(azure.Operations(), Start(azure, "0123abc")).RunAsync(sink, default);

        var execution = Assert.Single(sink.Written<MigrationJobExecution>());
        Assert.Equal("Succeeded", execution.Status);
        Assert.Equal(azure.SubscriptionId, execution.Subscription); // resolved: the only subscription the identity sees
        Assert.Equal(("rg-deploy", "migrate"), (execution.ResourceGroupName, execution.JobName));
        Assert.StartsWith("migrate-", execution.ExecutionName);
        Assert.Equal(["Running", "Succeeded"], execution.StatusTimeline.Select(s => s.Status));
        Assert.Null(execution.ReasonCode);
        Assert.Equal(JobFixtures.RunnerImage, execution.Image);
        Assert.Equal(Path.Combine(_artifacts, "0123abc", "migration.json"), execution.ArtifactPath);
        Assert.Equal("succeeded", JsonDocument.Parse(File.ReadAllText(execution.ArtifactPath!)).RootElement.GetProperty("status").GetString());
        Assert.Equal(("job migrate in resource group rg-deploy", "Start an execution"), Assert.Single(sink.Questions));
        Assert.Contains(sink.Verbose, v => v.Contains($"{execution.ExecutionName}: Succeeded after"));
        Assert.Contains(sink.Verbose, v => v.Contains("applied=3"));
        Assert.Equal(3, (await db.JournalAsync()).Count);
        // The wait drew a progress bar, and closed it.
        Assert.Contains(sink.Progress, p => p.Activity == "Migration job migrate" && !p.Completed);
        Assert.True(sink.Progress[^1].Completed);

        var logs = new RecordingSink();
        await new JobLogOperation(azure.Operations(), new JobLogRequest(Piped(execution), execution.ExecutionName), follow: false).RunAsync(logs, default);

        var entries = logs.Written<MigrationJobLogEntry>();
        Assert.Contains(entries, e => e.Stream == "stdout" && e.Message.Contains("applied  001_core_domain_tables.sql") && e.Source == "ContainerAppConsoleLogs_CL");
        Assert.Contains(entries, e => e.Stream == "system" && e.Reason == "Completed" && e.Replica!.StartsWith(execution.ExecutionName + "-"));
        Assert.Equal(entries.OrderBy(e => e.Time).Select(e => e.Time), entries.Select(e => e.Time));
        Assert.Contains(logs.Verbose, v => v.StartsWith($"{entries.Count} rows from workspace {azure.WorkspaceId}"));
    }

    [Fact]
    public async Task A_wrong_password_writes_the_failed_execution_then_throws_DB_AUTH_FAILED_targeting_it_after_writing_the_artifact()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        var password = "Wr0ng-" + Guid.NewGuid().ToString("N");
        azure.RunnerJob(db.As("postgres", password), migrations.Path);
        var sink = new RecordingSink();

        var error = await Assert.ThrowsAsync<TargetedFailureException>(() => new StartJobOperation(azure.Operations(), Start(azure, "badpass")).RunAsync(sink, default));

        var execution = Assert.Single(sink.Written<MigrationJobExecution>());
        Assert.Same(execution, error.Target);
        Assert.Equal(ReasonCodes.DbAuthFailed, error.Failure.Reason);
        Assert.Equal(("Failed", "DB_AUTH_FAILED"), (execution.Status, execution.ReasonCode));
        Assert.Equal(error.Failure.Message, execution.Reason);
        // The error's text (ErrorDetails) names the evidence: the SQLSTATE and the log row it came from.
        var text = FailureText.Describe(error.Failure);
        Assert.Contains($"execution {execution.ExecutionName} Failed: password authentication failed for user \"postgres\" (28P01)", text);
        Assert.Matches(@$"detail: \S+Z stdout {execution.ExecutionName}-\w{{5}}: result: failed reasonCode=DB_AUTH_FAILED exitCode=6 sqlstate=28P01", text);
        Assert.StartsWith("Fix the user or password in DB_CONN or --connection", error.Failure.Action); // the job runs the runner: its words

        var artifact = File.ReadAllText(execution.ArtifactPath!);
        Assert.Equal("DB_AUTH_FAILED", JsonDocument.Parse(artifact).RootElement.GetProperty("reasonCode").GetString());
        foreach (var output in new[] { artifact, text, sink.AllText })
        {
            Assert.DoesNotContain(password, output);
            Assert.DoesNotContain(azure.ArmToken, output);
        }
    }

    [Fact]
    public async Task A_start_while_one_runs_is_refused_with_nothing_written_and_Force_starts_a_second_with_a_warning()
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.ShellJob("migrate", "exit 0");
        job.Stuck = true;
        var first = new RecordingSink();
        await new StartJobOperation(azure.Operations(), new JobStartRequest(azure.Job("migrate"))).RunAsync(first, default);
        var running = Assert.Single(first.Written<MigrationJobExecution>());
        Assert.Empty(running.StatusTimeline);

        var refused = new RecordingSink();
        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            new StartJobOperation(azure.Operations(), Start(azure, "refused")).RunAsync(refused, default));

        Assert.Equal(ReasonCodes.JobAlreadyRunning, error.Reason);
        Assert.Contains(running.ExecutionName, error.Message);
        Assert.Empty(refused.Objects);
        Assert.Empty(refused.Questions);
        Assert.Equal("JOB_ALREADY_RUNNING", JsonDocument.Parse(File.ReadAllText(Path.Combine(_artifacts, "refused", "migration.json"))).RootElement.GetProperty("reasonCode").GetString());
        Assert.Single(job.Executions);

        var forced = new RecordingSink();
        await new StartJobOperation(azure.Operations(), new JobStartRequest(azure.Job("migrate")) { Force = true }).RunAsync(forced, default);
        Assert.Single(forced.Written<MigrationJobExecution>());
        Assert.Contains(forced.Warnings, w => w.Contains("starting although job migrate is running") && w.Contains(running.ExecutionName));
        Assert.Equal(2, job.Executions.Count);
    }

    [Fact]
    public async Task WhatIf_asks_about_the_start_writes_nothing_and_starts_nothing()
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.ShellJob("migrate", "exit 0");
        var sink = new RecordingSink { Answer = _ => false };

        await new StartJobOperation(azure.Operations(), Start(azure, "whatif") with { Image = "acr.test/app:2.0.0" }).RunAsync(sink, default);

        Assert.Equal(("job migrate in resource group rg-deploy", "Start an execution with image acr.test/app:2.0.0"), Assert.Single(sink.Questions));
        Assert.Empty(sink.Objects);
        Assert.Empty(job.Executions);
        Assert.DoesNotContain(azure.Requests, r => r.Method == "POST");
        Assert.False(Directory.Exists(Path.Combine(_artifacts, "whatif")));
    }

    [Fact]
    public async Task Executions_are_listed_newest_first_or_read_by_name_from_a_piped_one_and_stopped_with_PassThru()
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.ShellJob("migrate", "exit 0");
        var ended = new RecordingSink();
        await new StartJobOperation(azure.Operations(), new JobStartRequest(azure.Job("migrate")) { Wait = true }).RunAsync(ended, default);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // ARM's start times have whole seconds: keep the order unambiguous
        job.Stuck = true;
        var started = new RecordingSink();
        await new StartJobOperation(azure.Operations(), new JobStartRequest(azure.Job("migrate"))).RunAsync(started, default);
        var running = started.Written<MigrationJobExecution>()[0];

        var listed = new RecordingSink();
        await new GetJobExecutionOperation(azure.Operations(), azure.Job("migrate"), executionName: null, latest: 10).RunAsync(listed, default);
        Assert.Equal([running.ExecutionName, ended.Written<MigrationJobExecution>()[0].ExecutionName], listed.Written<MigrationJobExecution>().Select(e => e.ExecutionName));
        Assert.Equal(["Running", "Succeeded"], listed.Written<MigrationJobExecution>().Select(e => e.Status));
        Assert.NotNull(listed.Written<MigrationJobExecution>()[1].Duration);

        var declined = new RecordingSink { Answer = _ => false };
        await new StopJobExecutionOperation(azure.Operations(), Piped(running), running.ExecutionName, passThru: true).RunAsync(declined, default);
        Assert.Equal(($"execution {running.ExecutionName} of job migrate", "Stop"), Assert.Single(declined.Questions));
        Assert.Empty(declined.Objects);
        Assert.Equal("Running", azure.Execution("migrate", running.ExecutionName).Status);

        var stopped = new RecordingSink();
        await new StopJobExecutionOperation(azure.Operations(), Piped(running), running.ExecutionName, passThru: true).RunAsync(stopped, default);
        Assert.Equal("Stopped", Assert.Single(stopped.Written<MigrationJobExecution>()).Status);

        var one = new RecordingSink();
        await new GetJobExecutionOperation(azure.Operations(), Piped(running), running.ExecutionName, latest: 10).RunAsync(one, default);
        Assert.Equal((running.ExecutionName, "Stopped"), (one.Written<MigrationJobExecution>().Single().ExecutionName, one.Written<MigrationJobExecution>().Single().Status));
    }

    [Fact]
    public async Task Follow_writes_each_row_through_the_pump_while_the_execution_still_runs()
    {
        await using var azure = await FakeAzure.StartAsync();
        var gate = Path.Combine(azure.Scratch(), "gate");
        // The container cannot end before the test has received its first row: rows must stream, not arrive at the end.
        azure.ShellJob("migrate", $"echo first; while [ ! -f '{gate}' ]; do sleep 0.1; done; echo last");
        var start = new RecordingSink();
        await new StartJobOperation(azure.Operations(), new JobStartRequest(azure.Job("migrate"))).RunAsync(start, default);
        var execution = start.Written<MigrationJobExecution>()[0];
        var statusWhenWritten = new List<(string Message, string Status)>();
        var pipelineThread = Environment.CurrentManagedThreadId;
        var offThread = false;
        var inner = new RecordingSink
        {
            OnObject = item =>
            {
                var entry = (MigrationJobLogEntry)item;
                offThread |= Environment.CurrentManagedThreadId != pipelineThread;
                statusWhenWritten.Add((entry.Message, azure.Execution("migrate", execution.ExecutionName).Status));
                if (entry.Message == "first") File.WriteAllText(gate, "");
            },
        };
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var pump = new OperationPump(bound.Token);

        pump.Run(ct => new JobLogOperation(azure.Operations(), new JobLogRequest(Piped(execution), execution.ExecutionName), follow: true)
            .RunAsync(new PumpedSink(pump, inner), ct));

        Assert.False(offThread);
        Assert.Equal("Running", statusWhenWritten.First(w => w.Message == "first").Status);
        Assert.Contains(statusWhenWritten, w => w.Message == "last");
        Assert.Contains(inner.Written<MigrationJobLogEntry>(), e => e.Reason == "Completed");
        Assert.Equal(inner.Written<MigrationJobLogEntry>().Count, statusWhenWritten.Count);
    }

    [Fact]
    public async Task Logs_of_an_azure_monitor_environment_need_the_workspace_id()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.LogsDestination = ManagedEnvironment.AzureMonitor;
        azure.ShellJob("migrate", "echo hello from the job");
        var start = new RecordingSink();
        await new StartJobOperation(azure.Operations(), new JobStartRequest(azure.Job("migrate")) { Wait = true }).RunAsync(start, default);
        var execution = start.Written<MigrationJobExecution>()[0];

        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            new JobLogOperation(azure.Operations(), new JobLogRequest(Piped(execution), execution.ExecutionName), follow: false).RunAsync(new RecordingSink(), default));
        Assert.Contains("-WorkspaceId", error.Failure.Action);

        var sink = new RecordingSink();
        await new JobLogOperation(azure.Operations(), new JobLogRequest(Piped(execution), execution.ExecutionName) { WorkspaceId = azure.DiagnosticsWorkspaceId, Wait = true },
            follow: false).RunAsync(sink, default);
        Assert.Contains(sink.Written<MigrationJobLogEntry>(), e => e.Message == "hello from the job" && e.Source == "ContainerAppConsoleLogs");
    }
}
