using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;
using Xunit.Abstractions;

namespace SchemaMigrate.Tests.Module;

/// <summary>
/// docs/triage.md's tables are what pwsh prints (<see cref="PwshFormat"/>: the real format views) for the real
/// results of a failed and a fixed job run against the local fake of Azure; the rendered tables are printed for
/// composing that page. docs/powershell.md's session runs command for command in tests/Pester/Docs.Tests.ps1.
/// </summary>
public class DocsSessionTests(ITestOutputHelper output)
{
    /// <summary>A page's lines as written, less the indentation of a list item.</summary>
    private static string Page(string name) =>
        string.Join("\n", File.ReadAllLines(Path.Combine(Repo.Root, "docs", name)).Select(l => l.TrimStart()));

    [Fact]
    public async Task The_triage_page_shows_the_tables_the_format_views_render_for_a_failed_and_a_fixed_job_run()
    {
        await using var azure = await FakeAzure.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        using var migrations = MigrationFolder.FromSamples();
        var job = azure.RunnerJob(db.As("postgres", "rotated-" + Guid.NewGuid().ToString("N")), migrations.Path);
        const string release = "crdeploy.azurecr.io/app:4f2c9e1";
        azure.AddRunnerImage(release, migrations.Path);
        job.Containers[0] = job.Containers[0] with { Image = release };
        var artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;
        try
        {
            var request = new JobStartRequest(new JobReference(FakeAzure.ResourceGroup, "migrate")) { Wait = true, ArtifactPath = artifacts, CommitSha = "4f2c9e1" };
            var failed = new RecordingSink();
            var error = await Assert.ThrowsAsync<TargetedFailureException>(() => new StartJobOperation(azure.Operations(), request).RunAsync(failed, default));
            var execution = (MigrationJobExecution)error.Target;

            var logs = new RecordingSink();
            await new JobLogOperation(azure.Operations(), new JobLogRequest(new JobReference(execution.ResourceGroupName, execution.JobName, execution.Subscription), execution.ExecutionName),
                follow: false).RunAsync(logs, default);

            job.Secrets["db-conn"] = db.ConnectionString;
            var fixedRun = new RecordingSink();
            await new StartJobOperation(azure.Operations(), request with { CommitSha = "4f2c9e2" }).RunAsync(fixedRun, default);
            var latest = new RecordingSink();
            await new GetJobExecutionOperation(azure.Operations(), azure.Job("migrate"), null, 3).RunAsync(latest, default);

            var tables = new[]
            {
                await PwshFormat.TableAsync(failed.Written<MigrationJobExecution>()),
                await PwshFormat.TableAsync(logs.Written<MigrationJobLogEntry>()),
                await PwshFormat.TableAsync(latest.Written<MigrationJobExecution>()),
            };
            output.WriteLine(string.Join("\n\n", tables));
            output.WriteLine("\n" + FailureText.Describe(error.Failure) + "\nRecommendedAction: " + error.Failure.Action);
            output.WriteLine("\n" + File.ReadAllText(execution.ArtifactPath!));

            Assert.Equal("DB_AUTH_FAILED", execution.ReasonCode);
            Assert.Equal("Succeeded", fixedRun.Written<MigrationJobExecution>().Single().Status);
            var page = Page("triage.md");
            foreach (var table in tables)
            {
                var heading = string.Join("\n", table.Split('\n').Take(2));
                Assert.True(page.Contains(heading), $"docs/triage.md lacks this table heading:\n{heading}");
            }
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }
}
