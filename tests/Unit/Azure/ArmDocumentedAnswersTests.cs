using System.Text.Json;
using System.Text.Json.Nodes;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Azure;

/// <summary>
/// The job operations on the answers the ARM specification documents (api-version 2025-07-01, Fake/Spec/), as
/// written or changed only where a test says so, and on the 202s whose operation cannot be followed.
/// </summary>
[Trait(Reliability.Trait, Reliability.ArmAnswer)]
public sealed class ArmDocumentedAnswersTests : IDisposable
{
    private const string Started = "testcontainerappsjob0-pjxhsye";
    private static readonly SpecExample Start = SpecExample.Load("Job_Start");
    private static readonly SpecExample Execution = SpecExample.Load("Job_Execution_Get");
    private static readonly SpecExample Executions = SpecExample.Load("Job_Executions_Get");
    private static readonly SpecExample Stop = SpecExample.Load("Job_Stop_Execution");
    private static readonly SpecExample Jobs = SpecExample.Load("Jobs_ListByResourceGroup");

    private readonly string _artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;

    public void Dispose() => Directory.Delete(_artifacts, recursive: true);

    /// <summary>The examples' job: rg/testcontainerappsjob0 in subscription 34adfa4f-....</summary>
    private static JobReference SpecJob => new(Start.Parameter("resourceGroupName"), Start.Parameter("jobName"), Start.Parameter("subscriptionId"));

    private static string JobPath => Start.Path[..^"/start".Length];

    /// <summary>The examples' job (the list's first, as Jobs_Get answers it), its list of executions, and <paramref name="execution"/> at the started name.</summary>
    private static async Task<FakeAzure> SpecAzureAsync(JsonNode? execution = null)
    {
        var azure = await FakeAzure.StartAsync();
        azure.Answer("GET", JobPath, 200, Jobs.Body(200)!["value"]![0]);
        azure.Serve(Executions, 200);
        azure.Serve(Execution, 200);
        azure.Answer("GET", $"{JobPath}/executions/{Started}", 200, execution ?? Execution.Body(200));
        return azure;
    }

    [Fact]
    public async Task The_documented_executions_read_with_their_status_times_and_image()
    {
        await using var azure = await SpecAzureAsync();
        var ops = azure.Operations();

        var listed = Assert.Single(await ops.GetExecutionsAsync(SpecJob, null, 10, CancellationToken.None));
        var read = Assert.Single(await ops.GetExecutionsAsync(SpecJob, "jobExecution1", 1, CancellationToken.None));

        Assert.Equal("testcontainerAppJob-27944454", listed.ExecutionName);
        Assert.Equal("jobExecution1", read.ExecutionName);
        Assert.All(new[] { listed, read }, e =>
        {
            Assert.Equal("Running", e.Status);
            Assert.Equal(new DateTimeOffset(2023, 2, 13, 20, 37, 30, TimeSpan.Zero), e.StartTime);
            Assert.Equal(TimeSpan.FromMinutes(10), e.Duration);
            Assert.Equal("repo/testcontainerappsjob0:v4", e.Image);
            Assert.Null(e.Id);
        });
    }

    [Fact]
    public async Task A_start_is_refused_while_the_documented_list_shows_a_Running_execution()
    {
        await using var azure = await SpecAzureAsync();
        azure.Serve(Start, 200);
        var listener = new RecordingListener();

        var run = await azure.Operations().StartAsync(new JobStartRequest(SpecJob), listener, CancellationToken.None);

        Assert.Equal(ReasonCodes.JobAlreadyRunning, run.Failure!.Reason);
        Assert.Contains("testcontainerAppJob-27944454 (Running since 2023-02-13 20:37:30Z)", run.Failure.Message);
        Assert.Contains(listener.Warnings, w => w.Contains("runs 4 replicas in parallel"));
        Assert.DoesNotContain(azure.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task The_documented_200_names_the_execution_and_every_status_line_uses_that_name()
    {
        // The example's execution body names "jobExecution1", not the execution the start named.
        await using var azure = await SpecAzureAsync();
        azure.Serve(Start, 200);
        var listener = new RecordingListener();

        var run = await azure.Operations().StartAsync(new JobStartRequest(SpecJob) { Force = true }, listener, CancellationToken.None);

        Assert.True(run.Started, run.Summary);
        Assert.Equal(Started, run.ExecutionName);
        Assert.Equal("Running", run.Status);
        Assert.Equal([Started], listener.Events.OfType<JobStatusChanged>().Select(e => e.ExecutionName));
        Assert.Contains(listener.Events, e => e is JobNote && e.Message.StartsWith($"started execution {Started} of job testcontainerappsjob0"));
        Assert.Equal($"started {Started}; not waited for", run.Summary);
    }

    [Fact]
    public async Task An_execution_body_without_a_name_keeps_the_started_name_in_status_lines_the_log_query_and_the_failure()
    {
        var nameless = Execution.Body(200)!.AsObject();
        nameless.Remove("name");
        await using var azure = await SpecAzureAsync(nameless);
        azure.Serve(Start, 200);
        var listener = new RecordingListener();

        // The example execution is Running for good: the wait times out and reads its logs from the given workspace.
        var run = await azure.Operations().StartAsync(new JobStartRequest(SpecJob)
        {
            Force = true, Wait = true, Timeout = TimeSpan.FromSeconds(1), WorkspaceId = azure.WorkspaceId,
        }, listener, CancellationToken.None);

        Assert.Equal(ReasonCodes.JobTimeout, run.Failure!.Reason);
        Assert.StartsWith($"execution {Started} did not finish within 1s", run.Failure.Message);
        Assert.Equal([Started], listener.Events.OfType<JobStatusChanged>().Select(e => e.ExecutionName));
        Assert.All(listener.Events.OfType<JobProgress>().Where(p => p.Activity.StartsWith("Migration job")), p => Assert.StartsWith($"{Started}: ", p.Message));
        var query = JsonNode.Parse(Assert.Single(azure.Requests, r => r.Path.EndsWith("/query")).Body)!["query"]!.GetValue<string>();
        Assert.Contains($"let execution = '{Started}';", query);
    }

    [Fact]
    public async Task The_documented_202_whose_Location_cannot_be_followed_is_unconfirmed_never_not_started()
    {
        await using var azure = await SpecAzureAsync();
        azure.Serve(Start, 202);

        var run = await azure.Operations().StartAsync(new JobStartRequest(SpecJob) { Force = true, ArtifactPath = _artifacts, CommitSha = "spec202" },
            new RecordingListener(), CancellationToken.None);

        var failure = run.Failure!;
        Assert.Equal(ReasonCodes.JobStartUnconfirmed, failure.Reason);
        // The example's Location is the relative "location": following it reaches no operation.
        Assert.Matches(@"^Azure Resource Manager accepted the start of job testcontainerappsjob0 \(202, x-ms-request-id [0-9a-f-]{36}\) but following its operation failed: .*GET /subscriptions/.*/jobs/testcontainerappsjob0/location", failure.Message);
        AssertMayBeRunning(run, "-ResourceGroupName rg -Name testcontainerappsjob0 -Subscription 34adfa4f-cedf-4dc0-ba29-b6d1a69ab345 -Latest 1");
        Assert.Single(azure.Requests, r => r.Method == "POST");

        var json = JsonDocument.Parse(File.ReadAllText(run.ArtifactPath!)).RootElement;
        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.Equal("JOB_START_UNCONFIRMED", json.GetProperty("reasonCode").GetString());
        Assert.StartsWith("start accepted, execution not confirmed (one may be running): JOB_START_UNCONFIRMED", json.GetProperty("executionSummary").GetString());
        Assert.Contains("Get-MigrationJobExecution", json.GetProperty("nextStep").GetString());
    }

    public static TheoryData<int, string> OperationFailures => new()
    {
        { 404, "answered 404 ResourceNotFound" },
        { 500, "answered 500 InternalServerError" },
        { 0, "did not answer GET" },
    };

    /// <summary>ARM accepted the start: the fake really runs an execution, which the next step finds.</summary>
    [Theory]
    [MemberData(nameof(OperationFailures))]
    public async Task A_202_whose_operation_then_fails_is_unconfirmed_and_the_next_step_finds_the_running_execution(int status, string said)
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.StartAnswers202 = true;
        azure.FirstReadHasNoStatus = false;
        var job = azure.ShellJob("migrate", "exit 0");
        job.Stuck = true;
        azure.Fail("GET", "/containerappOperationResults/", status, times: 10);
        var ops = azure.Operations();

        var run = await ops.StartAsync(new JobStartRequest(new JobReference(FakeAzure.ResourceGroup, "migrate")), new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.JobStartUnconfirmed, run.Failure!.Reason);
        Assert.Contains("accepted the start of job migrate (202, x-ms-request-id ", run.Failure.Message);
        Assert.Contains(said, run.Failure.Message);
        AssertMayBeRunning(run, $"-ResourceGroupName {FakeAzure.ResourceGroup} -Name migrate -Latest 1");
        Assert.Single(azure.Requests, r => r.Path.EndsWith("/start"));
        var running = Assert.Single(job.Executions);
        var found = Assert.Single(await ops.GetExecutionsAsync(new JobReference(FakeAzure.ResourceGroup, "migrate"), null, 1, CancellationToken.None));
        Assert.Equal((running.Name, "Running"), (found.ExecutionName, found.Status));
    }

    /// <summary>The name sent (null: none, "": no body at all, quoted: that JSON instead of an object) and what the failure says it received.</summary>
    public static TheoryData<string?, string> UnusableStartAnswers => new()
    {
        // The documented answer without its name: its id's segments are literal placeholders.
        { null, "it sent name (none) and id '/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.App/jobs/{containerAppsJobName}/executions/{jobExecutionName}'" },
        { "{jobExecutionName}", "it sent name '{jobExecutionName}' and id " },
        { "", "it sent no body" },
        { "\"Job started\"", "it sent a body that is not a JSON object (\"Job started\")" },
    };

    [Theory]
    [MemberData(nameof(UnusableStartAnswers))]
    public async Task A_start_answer_without_a_valid_execution_name_says_what_it_received_and_polls_nothing(string? name, string said)
    {
        await using var azure = await SpecAzureAsync();
        var body = Start.Body(200)!.AsObject();
        body.Remove("name");
        JsonNode? sent = name switch
        {
            null => body,
            "" => null,
            ['"', ..] => JsonNode.Parse(name),
            _ => new JsonObject { ["name"] = name, ["id"] = body["id"]!.DeepClone() },
        };
        azure.Answer("POST", Start.Path, 200, sent);

        var run = await azure.Operations().StartAsync(new JobStartRequest(SpecJob) { Force = true }, new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.JobStartUnconfirmed, run.Failure!.Reason);
        Assert.StartsWith("Azure Resource Manager accepted the start of job testcontainerappsjob0 (200, x-ms-request-id ", run.Failure.Message);
        Assert.Contains($"but named no valid execution: {said}", run.Failure.Message);
        AssertMayBeRunning(run, "-Latest 1");
        var start = azure.Requests.ToList().FindIndex(r => r.Method == "POST");
        Assert.DoesNotContain(azure.Requests.Skip(start + 1), r => r.Path.Contains("/executions/"));
    }

    [Fact]
    public async Task A_start_answer_without_a_name_uses_the_id_when_it_names_an_execution_of_the_job()
    {
        await using var azure = await SpecAzureAsync();
        azure.Answer("POST", Start.Path, 200, new JsonObject { ["id"] = $"{JobPath}/executions/{Started}" });

        var run = await azure.Operations().StartAsync(new JobStartRequest(SpecJob) { Force = true }, new RecordingListener(), CancellationToken.None);

        Assert.True(run.Started, run.Summary);
        Assert.Equal(Started, run.ExecutionName);
    }

    [Fact]
    public async Task The_documented_stop_200_is_done_and_its_202_unfollowed_while_still_Running_is_JOB_STOP_UNCONFIRMED()
    {
        await using var azure = await SpecAzureAsync();
        var polling = FakeAzure.FastPolling with { StopWait = TimeSpan.FromSeconds(0.5) };
        var ops = azure.Operations(polling);
        azure.Serve(Stop, 200);
        var listener = new RecordingListener();

        // The example execution reads Running whatever happens: a confirmed stop only warns that it still does.
        var stopped = await ops.StopExecutionAsync(SpecJob, "jobExecution1", listener, CancellationToken.None);
        Assert.Equal("Running", stopped!.Status);
        Assert.Contains(listener.Warnings, w => w.StartsWith("execution jobExecution1 still reads Running"));

        azure.Serve(Stop, 202);
        var error = await Assert.ThrowsAsync<MigrationException>(() => ops.StopExecutionAsync(SpecJob, "jobExecution1", new RecordingListener(), CancellationToken.None));

        Assert.Equal(ReasonCodes.JobStopUnconfirmed, error.Reason);
        Assert.StartsWith("Azure Resource Manager accepted the stop of execution jobExecution1 (202, x-ms-request-id ", error.Message);
        Assert.EndsWith("; execution jobExecution1 still reads Running 500ms after the stop request", error.Message);
        Assert.Contains("Get-MigrationJobExecution -ResourceGroupName rg -Name testcontainerappsjob0 -Subscription 34adfa4f-cedf-4dc0-ba29-b6d1a69ab345 -ExecutionName jobExecution1", error.Failure.Action);
        Assert.DoesNotContain("not found", error.Message);
    }

    [Fact]
    public async Task A_stop_accepted_with_202_whose_operation_fails_reads_the_execution_and_returns_it_Stopped()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.StopAnswers202 = true;
        azure.ShellJob("migrate", "exit 0").Stuck = true;
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")), new RecordingListener(), CancellationToken.None);
        azure.Fail("GET", "/containerappOperationResults/", 404, times: 10);
        var listener = new RecordingListener();

        var stopped = await ops.StopExecutionAsync(azure.Job("migrate"), run.ExecutionName!, listener, CancellationToken.None);

        Assert.Equal("Stopped", stopped!.Status);
        Assert.Contains(listener.Warnings, w => w.StartsWith($"Azure Resource Manager accepted the stop of execution {run.ExecutionName} (202") && w.EndsWith("reading the execution's status instead"));
    }

    /// <summary>ManagedEnvironments_Get documents an environment without appLogsConfiguration.</summary>
    [Fact]
    public async Task A_failed_execution_in_the_documented_environment_without_logs_says_the_logs_were_unavailable_and_why()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "echo doing; exit 3");
        azure.Answer("GET", azure.EnvironmentId, 200, SpecExample.Load("ManagedEnvironments_Get").Body(200));
        var ops = azure.Operations();

        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true, ArtifactPath = _artifacts, CommitSha = "nologs" },
            new RecordingListener(), CancellationToken.None);

        Assert.Equal(("Failed", ReasonCodes.JobExecutionFailed), (run.Status, run.Failure!.Reason));
        Assert.Equal($"execution {run.ExecutionName} Failed: its logs could not be read, so nothing names the failure: managed environment jlaw-demo1 has no logs configuration " +
            "(ARM's answer has no appLogsConfiguration), so its jobs' console and system logs are not stored", run.Failure.Message);
        Assert.DoesNotContain("no console or system rows were found", run.Failure.Message);
        Assert.Equal(ReasonCodes.JobLogsUnavailable.NextStep, run.Failure.Action);
        Assert.StartsWith("JOB_LOGS_UNAVAILABLE: managed environment jlaw-demo1 has no logs configuration", run.LogsSource!.Note);
        var json = JsonDocument.Parse(File.ReadAllText(run.ArtifactPath!)).RootElement;
        Assert.Contains("its logs could not be read", json.GetProperty("reason").GetString());
        Assert.Equal("unavailable", json.GetProperty("logsSource").GetProperty("origin").GetString());

        var error = await Assert.ThrowsAsync<MigrationException>(() => ops.GetLogsAsync(new JobLogRequest(azure.Job("migrate"), run.ExecutionName!), new RecordingListener(), CancellationToken.None));
        Assert.Equal(ReasonCodes.JobLogsUnavailable, error.Reason);
    }

    /// <summary>ManagedEnvironments_CreateOrUpdate documents logAnalyticsConfiguration.customerId without a destination.</summary>
    [Fact]
    public async Task A_documented_workspace_without_a_destination_is_read_as_log_analytics()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "echo hello from the job");
        var environment = SpecExample.Load("ManagedEnvironments_CreateOrUpdate").Body(200)!;
        azure.Answer("GET", azure.EnvironmentId, 200, environment);
        var ops = azure.Operations();
        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true }, new RecordingListener(), CancellationToken.None);
        var request = new JobLogRequest(azure.Job("migrate"), run.ExecutionName!) { Wait = true };

        // As documented, the workspace is the placeholder "string".
        var error = await Assert.ThrowsAsync<MigrationException>(() => ops.GetLogsAsync(request, new RecordingListener(), CancellationToken.None));
        Assert.Equal(ReasonCodes.JobLogsUnavailable, error.Reason);
        Assert.Equal("managed environment testcontainerenv names Log Analytics workspace 'string', which is not a workspace customer id (a GUID)", error.Message);
        Assert.Contains("-WorkspaceId", error.Failure.Action);

        environment["properties"]!["appLogsConfiguration"]!["logAnalyticsConfiguration"]!["customerId"] = azure.WorkspaceId;
        azure.Answer("GET", azure.EnvironmentId, 200, environment);
        var logs = await ops.GetLogsAsync(request, new RecordingListener(), CancellationToken.None);

        Assert.Equal("managed environment testcontainerenv (destination log-analytics)", logs.Source.Origin);
        Assert.Contains(logs.Entries, e => e.Message == "hello from the job" && e.SourceTable == "ContainerAppConsoleLogs_CL");
    }

    /// <summary>Not "not started", a next step that finds the execution, and none that would start a second one.</summary>
    private static void AssertMayBeRunning(JobRun run, string findArguments)
    {
        Assert.False(run.Started);
        Assert.Null(run.ExecutionName);
        Assert.DoesNotContain("not started", run.Summary);
        Assert.Contains("one may be running", run.Summary);
        var next = run.Failure!.Action;
        Assert.StartsWith("Do not start job ", next);
        Assert.Contains("Find it with Get-MigrationJobExecution -ResourceGroupName ", next);
        Assert.Contains(findArguments, next);
        Assert.DoesNotContain("Retry", next, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Start-MigrationJob", next);
    }
}
