using System.Collections;
using System.Text.Json;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Azure;

public class MigrationArtifactTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_path_is_root_sha_migration_json_with_the_sha_from_the_pipeline_when_not_given()
    {
        Assert.Equal(Path.GetFullPath(".artifacts/deploy/4f2c1d9/migration.json"), MigrationArtifact.PathFor(null, "4f2c1d9", new Hashtable()));
        Assert.Equal(Path.GetFullPath("/tmp/a/9e8d7c6/migration.json"), MigrationArtifact.PathFor("/tmp/a", null, new Hashtable { ["GITHUB_SHA"] = "9e8d7c6" }));
        Assert.Equal(Path.GetFullPath("/tmp/a/ado1234/migration.json"), MigrationArtifact.PathFor("/tmp/a", null, new Hashtable { ["BUILD_SOURCEVERSION"] = "ado1234" }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("a b")]
    public void A_missing_or_unsafe_sha_is_refused(string? sha)
    {
        var error = Assert.Throws<MigrationException>(() => MigrationArtifact.PathFor("/tmp/a", sha, new Hashtable()));
        Assert.Equal(ReasonCodes.InvalidArgument, error.Reason);
        Assert.Contains("CommitSha", error.Message);
    }

    [Fact]
    public void A_failed_run_carries_the_seed_fields_and_masks_secrets_everywhere()
    {
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        Redactor.Register(secret);
        var run = new JobRun
        {
            Subscription = "00000000-0000-0000-0000-000000000001",
            ResourceGroupName = "rg",
            JobName = "migrate",
            ExecutionName = "migrate-k3v9q2a",
            Image = "acr.test/app:1",
            Status = "Failed",
            StartTime = T0,
            EndTime = T0.AddSeconds(4),
            StatusTimeline = [new("Running", T0.AddSeconds(1), TimeSpan.FromSeconds(1)), new("Failed", T0.AddSeconds(5), TimeSpan.FromSeconds(5))],
            Logs = [new(T0.AddSeconds(2), "stderr", "migrate-k3v9q2a-x7p2m", "migrate", $"connecting with {secret}", "ContainerAppConsoleLogs_CL")],
            LogsSource = new JobLogSource { WorkspaceId = "ws", Origin = "managed environment cae", Tables = ["ContainerAppConsoleLogs_CL", $"Custom_{secret}_CL"], Complete = true },
            Failure = new Failure { Reason = ReasonCodes.DbAuthFailed, Message = $"password {secret} refused", SqlState = "28P01", Detail = "evidence" },
            Started = true,
            Waited = true,
            WaitTimeout = TimeSpan.FromMinutes(30),
            RequestedAt = T0,
            AcceptedAt = T0.AddMilliseconds(300),
            CompletedAt = T0.AddSeconds(6),
            Summary = $"migrate-k3v9q2a Failed after 4s: DB_AUTH_FAILED {secret}",
        };

        var text = MigrationArtifact.ToJson(run, "4f2c1d9");
        var json = JsonDocument.Parse(text).RootElement;

        Assert.DoesNotContain(secret, text);
        Assert.Equal("failed", json.GetProperty("status").GetString());
        Assert.Equal("DB_AUTH_FAILED", json.GetProperty("reasonCode").GetString());
        Assert.Equal("password *** refused", json.GetProperty("reason").GetString());
        Assert.Equal("28P01", json.GetProperty("failure").GetProperty("sqlState").GetString());
        Assert.Equal("Failed", json.GetProperty("executionStatus").GetString());
        Assert.StartsWith("migrate-k3v9q2a Failed after 4s", json.GetProperty("executionSummary").GetString());
        Assert.Equal(5000, json.GetProperty("statusTimeline")[1].GetProperty("elapsedMs").GetInt64());
        Assert.Equal("2026-01-05T10:00:05.000Z", json.GetProperty("statusTimeline")[1].GetProperty("at").GetString());
        Assert.Equal(6000, json.GetProperty("elapsedMs").GetInt64());
        Assert.Equal(4000, json.GetProperty("executionDurationMs").GetInt64());
        Assert.Equal("connecting with ***", json.GetProperty("logs")[0].GetProperty("message").GetString());
        Assert.True(json.GetProperty("logsSource").GetProperty("complete").GetBoolean());
        Assert.Equal(["ContainerAppConsoleLogs_CL", "Custom_***_CL"], json.GetProperty("logsSource").GetProperty("tables").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("4f2c1d9", json.GetProperty("commitSha").GetString());
    }

    [Fact]
    public void Only_the_newest_rows_of_a_long_log_are_kept()
    {
        var logs = Enumerable.Range(0, MigrationArtifact.MaxLogRows + 5)
            .Select(i => new JobLogEntry(T0.AddSeconds(i), "stdout", "r", "c", $"line {i}", "t")).ToList();
        var run = new JobRun { ResourceGroupName = "rg", JobName = "j", Summary = "s", Logs = logs, Started = true, Waited = true };

        var json = JsonDocument.Parse(MigrationArtifact.ToJson(run, "sha")).RootElement;

        Assert.Equal(5, json.GetProperty("logsOmitted").GetInt32());
        Assert.Equal("line 5", json.GetProperty("logs")[0].GetProperty("message").GetString());
        Assert.Equal($"line {MigrationArtifact.MaxLogRows + 4}", json.GetProperty("logs")[MigrationArtifact.MaxLogRows - 1].GetProperty("message").GetString());
        Assert.Equal("succeeded", json.GetProperty("status").GetString());
    }
}
