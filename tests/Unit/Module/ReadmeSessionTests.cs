using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Tests.Support;
using Xunit.Abstractions;

namespace SchemaMigrate.Tests.Module;

/// <summary>
/// The README's PowerShell transcript is composed, not captured (no pwsh here): its tables must be what the format
/// views make of the operations' real output. Rendered tables are printed for composing the README.
/// </summary>
public class ReadmeSessionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_readme_shows_the_tables_the_format_views_render_for_real_results()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        var settings = new MigrationSettings { ConnectionString = db.ConnectionString, MigrationsDirectory = folder.Path };

        var status = new RecordingSink();
        await new StatusOperation(settings, []).RunAsync(status, default);
        var applied = new RecordingSink();
        await new ApplyOperation(settings with { TargetId = "002_create_api_keys_table.sql" }, passThru: true, whatIf: false).RunAsync(applied, default);
        var tested = new RecordingSink();
        await new TestOperation(settings, verify: false, devDatabase: null).RunAsync(tested, default);

        var tables = new[]
        {
            FormatViewRenderer.Render(status.Written<SchemaMigrationStatus>()),
            FormatViewRenderer.Render(applied.Written<SchemaMigrationResult>()),
            FormatViewRenderer.Render(tested.Written<SchemaMigrationTestResult>()),
        };
        foreach (var table in tables) output.WriteLine(table + "\n");

        // Lines as written, less the indentation of a list item.
        var readme = string.Join("\n", File.ReadAllLines(Path.Combine(Repo.Root, "README.md")).Select(l => l.TrimStart()));
        foreach (var table in tables)
        {
            var heading = string.Join("\n", table.Split('\n').Take(2));
            Assert.True(readme.Contains(heading), $"README.md lacks this table heading:\n{heading}");
        }
        Assert.Contains(string.Join("\n", tables[0].Split('\n')), readme); // the status table of a fresh database, row for row
    }
}
