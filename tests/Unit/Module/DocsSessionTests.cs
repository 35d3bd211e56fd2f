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
/// The PowerShell transcripts of docs/powershell.md and docs/triage.md are composed, not captured (no pwsh here):
/// their tables must be what the format views make of the operations' real output. Rendered tables are printed for
/// composing those pages.
/// </summary>
public class DocsSessionTests(ITestOutputHelper output)
{
    /// <summary>A page's lines as written, less the indentation of a list item.</summary>
    private static string Page(string name) =>
        string.Join("\n", File.ReadAllLines(Path.Combine(Repo.Root, "docs", name)).Select(l => l.TrimStart()));

    [Fact]
    public async Task The_powershell_page_shows_the_tables_the_format_views_render_for_real_results()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        var settings = new MigrationSettings { ConnectionString = db.ConnectionString, MigrationsDirectory = folder.Path };

        var status = new RecordingSink();
        await new StatusOperation(settings, []).RunAsync(status, default);
        var applied = new RecordingSink();
        await new ApplyOperation(settings with { TargetId = "002_create_api_keys_table.sql" }, passThru: true, whatIf: false).RunAsync(applied, default);
        var tested = new RecordingSink();
        await new TestOperation(settings, verify: false, devDatabase: null, appliedThrough: "none").RunAsync(tested, default);

        var tables = new[]
        {
            FormatViewRenderer.Render(status.Written<SchemaMigrationStatus>()),
            FormatViewRenderer.Render(applied.Written<SchemaMigrationResult>()),
            FormatViewRenderer.Render(tested.Written<SchemaMigrationTestResult>()),
        };
        foreach (var table in tables) output.WriteLine(table + "\n");

        var page = Page("powershell.md");
        foreach (var table in tables)
        {
            var heading = string.Join("\n", table.Split('\n').Take(2));
            Assert.True(page.Contains(heading), $"docs/powershell.md lacks this table heading:\n{heading}");
        }
        Assert.Contains(string.Join("\n", tables[0].Split('\n')), page); // the status table of a fresh database, row for row
    }

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
                FormatViewRenderer.Render(failed.Written<MigrationJobExecution>()),
                FormatViewRenderer.Render(logs.Written<MigrationJobLogEntry>()),
                FormatViewRenderer.Render(latest.Written<MigrationJobExecution>()),
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
