using System.Text.Json;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Azure;

/// <summary>End to end: the real clients, over HTTPS, to the fake of Azure, which runs the built MigrateRunner against the real PostgreSQL.</summary>
public class StartMigrationJobTests
{
    [Fact]
    public async Task Start_and_wait_succeeds_lists_the_applied_migrations_in_the_logs_and_writes_the_artifact()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        azure.RunnerJob(db.ConnectionString, migrations.Path);
        var artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;
        var listener = new RecordingListener();

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, ArtifactPath = artifacts, CommitSha = "0123abc",
        }, listener, CancellationToken.None);

        Assert.True(run.Succeeded, run.Summary);
        Assert.Equal("Succeeded", run.Status);
        Assert.Equal(["Running", "Succeeded"], run.StatusTimeline.Select(s => s.Status));
        Assert.Equal(3, (await db.JournalAsync()).Count);
        Assert.Contains(run.Logs, e => e.Stream == "stdout" && e.Message.Contains("applied  001_core_domain_tables.sql"));
        Assert.Contains(run.Logs, e => e.Message.Contains("applied  003_add_indexes.sql"));
        Assert.Contains(run.Logs, e => e.IsSystem && e.Reason == "Completed");
        Assert.True(run.LogsSource!.Complete);
        Assert.Contains("applied=3", run.Summary);

        var path = Path.Combine(artifacts, "0123abc", "migration.json");
        Assert.Equal(path, run.ArtifactPath);
        var text = await File.ReadAllTextAsync(path);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal("succeeded", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("reasonCode").ValueKind);
        Assert.Equal("Succeeded", json.GetProperty("executionStatus").GetString());
        Assert.Equal(run.ExecutionName, json.GetProperty("executionName").GetString());
        Assert.Equal(2, json.GetProperty("statusTimeline").GetArrayLength());
        Assert.Contains(json.GetProperty("logs").EnumerateArray(), l => l.GetProperty("message").GetString()!.Contains("applied  002_create_api_keys_table.sql"));
        Assert.Equal(azure.WorkspaceId, json.GetProperty("logsSource").GetProperty("workspaceId").GetString());
        Assert.DoesNotContain(azure.ArmToken, text);
        Assert.DoesNotContain(azure.LogsToken, text);
        File.WriteAllText("/tmp/sample-migration.json", text);
    }
}
