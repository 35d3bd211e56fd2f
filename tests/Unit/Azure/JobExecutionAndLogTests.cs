using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Azure;

/// <summary>Get-MigrationJobExecution, Stop-MigrationJobExecution and Get-MigrationJobLog's operations against the fake.</summary>
public class JobExecutionAndLogTests
{
    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task Executions_are_listed_newest_first_across_pages_or_read_by_name()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        var ops = azure.Operations();
        var started = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            started.Add((await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None)).ExecutionName!);
            await Task.Delay(TimeSpan.FromSeconds(i == 2 ? 1.1 : 0));
        }

        var before = azure.Requests.Count;
        var latest = await ops.GetExecutionsAsync(azure.Job("migrate"), null, 4, CancellationToken.None);

        Assert.Equal(started.AsEnumerable().Reverse().Take(4), latest.Select(e => e.ExecutionName));
        Assert.All(latest, e =>
        {
            Assert.Equal("Succeeded", e.Status);
            Assert.NotNull(e.Duration);
            Assert.Equal("migrate", e.JobName);
            Assert.Equal(FakeAzure.ResourceGroup, e.ResourceGroupName);
            Assert.Equal(azure.SubscriptionId, e.Subscription);
        });
        // Five executions, two per page: three pages, the second and third through nextLink.
        Assert.Equal(["", "$skipToken=2", "$skipToken=4"], azure.Requests.Skip(before).Where(r => r.Path.EndsWith("/executions"))
            .Select(r => r.Query.Contains("$skipToken") ? r.Query[r.Query.IndexOf("$skipToken")..] : ""));
        var one = Assert.Single(await ops.GetExecutionsAsync(azure.Job("migrate"), started[1], 10, CancellationToken.None));
        Assert.Equal(started[1], one.ExecutionName);
        var invalid = await Assert.ThrowsAsync<MigrationException>(() => ops.GetExecutionsAsync(azure.Job("migrate"), null, 0, CancellationToken.None));
        Assert.Equal(ReasonCodes.InvalidArgument, invalid.Reason);
    }

    [Fact]
    public async Task A_running_execution_is_stopped_after_confirmation_and_an_ended_one_is_left_alone()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0").Stuck = true;
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")), new RecordingListener(), CancellationToken.None);

        var declined = await ops.StopExecutionAsync(azure.Job("migrate"), run.ExecutionName!, new RecordingListener(confirm: false), CancellationToken.None);
        Assert.Null(declined);
        Assert.Equal("Running", azure.Execution("migrate", run.ExecutionName!).Status);

        var listener = new RecordingListener();
        var stopped = await ops.StopExecutionAsync(azure.Job("migrate"), run.ExecutionName!, listener, CancellationToken.None);
        Assert.Equal("Stopped", stopped!.Status);
        Assert.Equal(($"execution {run.ExecutionName} of job migrate", "Stop"), Assert.Single(listener.Confirmations));

        var again = new RecordingListener();
        Assert.Equal("Stopped", (await ops.StopExecutionAsync(azure.Job("migrate"), run.ExecutionName!, again, CancellationToken.None))!.Status);
        Assert.Empty(again.Confirmations);
        Assert.Contains(again.Warnings, w => w.Contains("already ended Stopped"));
        Assert.Single(azure.Requests, r => r.Path.EndsWith("/stop"));
    }

    [Fact]
    public async Task Logs_of_an_execution_come_from_the_environments_workspace_once_or_after_waiting()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        azure.RunnerJob(db.ConnectionString, migrations.Path);
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")), new RecordingListener(), CancellationToken.None);
        await azure.IdleAsync();
        azure.Reingest(TimeSpan.FromSeconds(3));

        var early = new RecordingListener();
        var now = await ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!), early, CancellationToken.None);
        Assert.Empty(now.Entries);
        Assert.Contains(early.Warnings, w => w.Contains("use -Wait"));

        var logs = await ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!) { Wait = true }, new RecordingListener(), CancellationToken.None);

        Assert.True(logs.Source.Complete);
        Assert.Equal(azure.WorkspaceId, logs.Source.WorkspaceId);
        Assert.Equal(["ContainerAppConsoleLogs_CL", "ContainerAppSystemLogs_CL"], logs.Source.Tables);
        Assert.Contains(logs.Entries, e => e.Message.StartsWith("result: succeeded applied=3"));
        var exited = Assert.Single(logs.Entries, e => e.Reason == "ProcessExited");
        Assert.Equal("system", exited.Stream);
        Assert.StartsWith(run.ExecutionName + "-", exited.Replica);
        Assert.All(logs.Entries.Where(e => !e.IsSystem), e => Assert.Equal("migrate", e.Container));
        Assert.Equal(logs.Entries.OrderBy(e => e.Time).Select(e => e.Time), logs.Entries.Select(e => e.Time));
        Assert.Equal(azure.Rows.Count(r => r.Execution == run.ExecutionName), logs.Entries.Count);
    }

    [Fact]
    public async Task Follow_tails_new_rows_once_each_until_the_execution_has_ended()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.IngestionDelay = TimeSpan.FromSeconds(0.5);
        azure.ShellJob("migrate", "for i in 1 2 3 4 5; do echo \"step $i\"; sleep 0.3; done");
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")), new RecordingListener(), CancellationToken.None);

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<JobLogEntry>();
        await foreach (var entry in ops.FollowLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!), new RecordingListener(), bound.Token))
            seen.Add(entry);

        Assert.Equal(["step 1", "step 2", "step 3", "step 4", "step 5"], seen.Where(e => e.Stream == "stdout").Select(e => e.Message));
        Assert.Contains(seen, e => e.Reason == "Completed");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(azure.Requests.Count(r => r.Path.EndsWith("/query")) > 2);
    }

    [Fact]
    public async Task An_azure_monitor_environment_needs_the_workspace_id_and_then_reads_the_resource_tables()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.LogsDestination = ManagedEnvironment.AzureMonitor;
        azure.ShellJob("migrate", "echo hello from the job");
        var ops = azure.Operations();
        var listener = new RecordingListener();
        var artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true, CommitSha = "monitor", ArtifactPath = artifacts }, listener, CancellationToken.None);
        Directory.Delete(artifacts, recursive: true);

        // A start still succeeds; its logs are reported unavailable, with what to do.
        Assert.True(run.Succeeded, run.Summary);
        Assert.Equal("unavailable", run.LogsSource!.Origin);
        Assert.Contains("-WorkspaceId", run.LogsSource.Note);
        Assert.Contains(listener.Warnings, w => w.Contains("azure-monitor") || w.Contains("Azure Monitor"));

        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!), new RecordingListener(), CancellationToken.None));
        Assert.Equal(ReasonCodes.InvalidArgument, error.Reason);
        Assert.Contains("Azure Monitor diagnostic settings", error.Message);
        Assert.Contains("-WorkspaceId", error.Failure.Action);

        var logs = await ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!) { WorkspaceId = azure.DiagnosticsWorkspaceId, Wait = true },
            new RecordingListener(), CancellationToken.None);
        Assert.Equal(["ContainerAppConsoleLogs", "ContainerAppSystemLogs"], logs.Source.Tables);
        Assert.Contains(logs.Entries, e => e.Message == "hello from the job" && e.SourceTable == "ContainerAppConsoleLogs");
    }

    [Fact]
    public async Task An_environment_without_logs_and_a_malformed_workspace_id_are_refused_clearly()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.LogsDestination = "none";
        azure.ShellJob("migrate", "exit 0");
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);

        var none = await Assert.ThrowsAsync<MigrationException>(() =>
            ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!), new RecordingListener(), CancellationToken.None));
        Assert.Equal(ReasonCodes.JobLogsUnavailable, none.Reason);
        Assert.Contains("stores no logs (destination 'none')", none.Message);

        var malformed = await Assert.ThrowsAsync<MigrationException>(() =>
            ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!) { WorkspaceId = "my-workspace" }, new RecordingListener(), CancellationToken.None));
        Assert.Equal(ReasonCodes.InvalidArgument, malformed.Reason);
        Assert.Contains("customer id", malformed.Message);
    }

    [Fact]
    public async Task A_partial_result_is_returned_with_a_warning()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.PartialError = true;
        azure.ShellJob("migrate", "echo partial");
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);
        await azure.IdleAsync();
        var listener = new RecordingListener();

        var logs = await ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!), listener, CancellationToken.None);

        Assert.Contains(logs.Entries, e => e.Message == "partial");
        Assert.Contains(listener.Warnings, w => w.Contains("PartialError") && w.Contains("exceeds the limit on one shard"));
        Assert.Contains("PartialError", logs.Source.Note);
    }
}
