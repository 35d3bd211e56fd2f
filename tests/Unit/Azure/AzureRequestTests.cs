using Azure.Core;
using Azure.Identity;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Azure;

/// <summary>Retries, throttling and error mapping of the real clients against the fake.</summary>
public class AzureRequestTests
{
    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task Throttling_and_server_errors_are_retried_honouring_Retry_After()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "echo 'result: succeeded applied=0 alreadyApplied=3 pending=0 elapsed=4ms'");
        azure.Fail("GET", "/jobs/migrate", 429, times: 1, retryAfterSeconds: 1);
        azure.Fail("GET", "/executions", 500, times: 2);
        azure.Fail("POST", "/start", 429, times: 1, retryAfterSeconds: 1);
        azure.Fail("POST", "/query", 503, times: 1);

        var artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;

        // An artifact makes a successful start read its logs too, through the throttled query endpoint.
        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { Wait = true, CommitSha = "retry", ArtifactPath = artifacts },
            new RecordingListener(), CancellationToken.None);
        Directory.Delete(artifacts, recursive: true);

        Assert.True(run.Succeeded, run.Summary);
        var requests = azure.Requests;
        var jobReads = requests.Where(r => r.Method == "GET" && r.Path.EndsWith("/jobs/migrate")).ToList();
        Assert.Equal([429, 200], jobReads.Take(2).Select(r => r.Status));
        Assert.True(jobReads[1].At - jobReads[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(jobReads[1].At - jobReads[0].At).TotalMilliseconds}ms despite Retry-After: 1");
        Assert.Equal([500, 500, 200], requests.Where(r => r.Path.EndsWith("/executions")).Take(3).Select(r => r.Status));
        Assert.Equal([429, 200], requests.Where(r => r.Path.EndsWith("/start")).Select(r => r.Status));
        Assert.Equal(503, requests.First(r => r.Path.EndsWith("/query")).Status);
        Assert.Single(azure.Execution("migrate", run.ExecutionName!).Job.Executions);
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task A_server_error_on_start_is_not_retried_so_a_job_never_runs_twice()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        azure.Fail("POST", "/start", 500, times: 5);

        var artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")) { ArtifactPath = artifacts, CommitSha = "start500" },
            new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.AzureRequestFailed, run.Failure!.Reason);
        Assert.Contains("answered 500 InternalServerError", run.Failure.Message);
        Assert.Matches("x-ms-request-id [0-9a-f-]{36}", run.Failure.Message);
        Assert.Single(azure.Requests, r => r.Path.EndsWith("/start"));
        // No advice to retry blindly: the 500 may have come after the execution was created.
        Assert.StartsWith("Before starting job migrate again, check with Get-MigrationJobExecution -ResourceGroupName rg-deploy -Name migrate", run.Failure.Action);
        Assert.DoesNotContain("Retry", run.Failure.Action);
        // The artifact is written even though the start itself failed.
        Assert.Contains("\"reasonCode\": \"AZURE_REQUEST_FAILED\"", File.ReadAllText(run.ArtifactPath!));
        Directory.Delete(artifacts, recursive: true);
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task A_forbidden_request_is_AZURE_AUTH_FAILED_with_the_ARM_code_and_request_id()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        azure.Fail("POST", "/start", 403);

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate")), new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.AzureAuthFailed, run.Failure!.Reason);
        Assert.Contains("403 AuthorizationFailed", run.Failure.Message);
        Assert.Contains("Microsoft.App/jobs/start/action", run.Failure.Message);
        Assert.Matches("POST /subscriptions/.*/jobs/migrate/start; x-ms-request-id ", run.Failure.Message);
        Assert.False(run.Started);
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task Missing_job_resource_group_and_execution_are_AZURE_RESOURCE_NOT_FOUND()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        var ops = azure.Operations();

        var job = await ops.StartAsync(new JobStartRequest(azure.Job("no-such-job")), new RecordingListener(), CancellationToken.None);
        Assert.Equal(ReasonCodes.AzureResourceNotFound, job.Failure!.Reason);
        Assert.Contains("ResourceNotFound: The Resource 'Microsoft.App/jobs/no-such-job' under resource group 'rg-deploy' was not found", job.Failure.Message);

        var group = await Assert.ThrowsAsync<MigrationException>(() => ops.GetExecutionsAsync(new JobReference("rg-other", "migrate", azure.SubscriptionId), null, 5, CancellationToken.None));
        Assert.Equal(ReasonCodes.AzureResourceNotFound, group.Reason);
        Assert.Contains("ResourceGroupNotFound", group.Message);

        var execution = await Assert.ThrowsAsync<MigrationException>(() => ops.GetExecutionsAsync(azure.Job("migrate"), "migrate-zzzzzzz", 1, CancellationToken.None));
        Assert.Equal(ReasonCodes.AzureResourceNotFound, execution.Reason);
    }

    [Fact]
    public async Task A_credential_without_a_token_is_AZURE_AUTH_FAILED_with_a_next_step()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        var ops = new MigrationJobOperations(azure.Settings with { TokenCredential = new NoCredential() }, FakeAzure.FastPolling);

        var run = await ops.StartAsync(new JobStartRequest(azure.Job("migrate")), new RecordingListener(), CancellationToken.None);

        Assert.Equal(ReasonCodes.AzureAuthFailed, run.Failure!.Reason);
        Assert.Contains("could not get a token for Azure Resource Manager: no identity here", run.Failure.Message);
        Assert.Contains("az login", run.Failure.Action);
        Assert.Empty(azure.Requests);
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.ArmAnswer)]
    public async Task A_sovereign_cloud_asks_for_its_own_token_audience()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        var ops = new MigrationJobOperations(azure.Settings with { Cloud = AzureCloud.AzureUSGovernment }, FakeAzure.FastPolling);

        var error = await Assert.ThrowsAsync<MigrationException>(() => ops.GetExecutionsAsync(azure.Job("migrate"), null, 1, CancellationToken.None));

        // The fake is the public cloud: it refuses a token minted for the US Government audience.
        Assert.Equal(ReasonCodes.AzureAuthFailed, error.Reason);
        Assert.Contains("InvalidAuthenticationTokenAudience", error.Message);
        Assert.Contains("https://management.usgovcloudapi.net/.default", azure.Credential.Scopes);
    }

    [Fact]
    public async Task Without_a_subscription_the_only_one_the_identity_sees_is_used()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        var ops = azure.Operations();

        Assert.Empty(await ops.GetExecutionsAsync(new JobReference(FakeAzure.ResourceGroup, "migrate"), null, 5, CancellationToken.None));
        Assert.Empty(await ops.GetExecutionsAsync(new JobReference(FakeAzure.ResourceGroup, "migrate", "deploy-fake"), null, 5, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<MigrationException>(() => ops.GetExecutionsAsync(new JobReference(FakeAzure.ResourceGroup, "migrate", "prod"), null, 5, CancellationToken.None));
        Assert.Equal(ReasonCodes.AzureResourceNotFound, unknown.Reason);
        Assert.Contains("no subscription named 'prod'", unknown.Message);
        Assert.Contains($"deploy-fake ({azure.SubscriptionId})", unknown.Message);
    }

    [Fact]
    public async Task Names_that_are_not_Azure_names_are_refused_before_any_request()
    {
        await using var azure = await FakeAzure.StartAsync();
        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            azure.Operations().GetExecutionsAsync(azure.Job("migrate/../../other"), null, 1, CancellationToken.None));
        Assert.Equal(ReasonCodes.InvalidArgument, error.Reason);
        Assert.Empty(azure.Requests);
    }

    private sealed class NoCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext context, CancellationToken ct) => throw new CredentialUnavailableException("no identity here");
        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext context, CancellationToken ct) => throw new CredentialUnavailableException("no identity here");
    }
}
