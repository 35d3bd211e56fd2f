using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Safety;

/// <summary>
/// The trace rules' pages hold their fixtures too: the lines above "-- pending:" are applied to a real database,
/// the rest is traced on a copy of it, and "-- the rollback image runs:" lines are the rollback image's queries.
/// The unsafe example must draw the rule's finding; the safe one must pass a run that allows its phase.
/// </summary>
public class TracePageExampleTests
{
    public static TheoryData<string> TraceRules() => [.. GateRules.All.OfType<TraceRule>().Select(r => r.Id)];

    private static async Task<IReadOnlyList<Finding>> TraceAsync(string example, AllowedPhases allow)
    {
        var at = example.IndexOf("-- pending:\n", StringComparison.Ordinal);
        Assert.True(at > 0, "the example has a '-- pending:' line");
        var pending = example[(at + "-- pending:\n".Length)..];
        const string Runs = "-- the rollback image runs: ";
        var queries = pending.Split('\n').Where(l => l.StartsWith(Runs, StringComparison.Ordinal)).Select(l => l[Runs.Length..]).ToList();

        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_deployed.sql", example[..at]);
        var settings = MigrationSettings.FromEnvironment(new Dictionary<string, string>()) with
        {
            MigrationsDirectory = folder.Path, ConnectionString = db.ConnectionString, StatementTimeout = TimeSpan.FromMinutes(1),
        };
        Assert.True((await new Migrator(settings).UpAsync(NullListener.Instance)).Succeeded);
        folder.Add("002_pending.sql", pending);
        using var files = new MigrationFolder().Add("rollback.sql", string.Join('\n', queries));
        var result = await Verifier.RunAsync(settings with { ConnectionString = null, AllowedPhases = allow }, db.ConnectionString, NullListener.Instance, default,
            new TraceRequest(AppQueries: queries.Count > 0 ? files.FilePath("rollback.sql") : null));
        Assert.True(result.Trace is not null, result.Apply.Failure?.Message);
        return result.Trace.Findings;
    }

    [Theory]
    [MemberData(nameof(TraceRules))]
    public async Task The_unsafe_example_draws_the_rules_finding(string id)
    {
        var findings = await TraceAsync(GateHarness.Page(id).Block("Unsafe example")!, AllowedPhases.None);
        Assert.Contains(findings, f => f.RuleId == id && f.Verdict is Verdict.Refused or Verdict.Warning);
    }

    [Theory]
    [MemberData(nameof(TraceRules))]
    public async Task The_safe_example_passes_a_run_that_allows_its_phase(string id)
    {
        var page = GateHarness.Page(id);
        var sql = page.Block("Safe example");
        if (sql is null)
        {
            // No fenced block: then the page must say there is no safe example, and that is what this row checks.
            Assert.True(page.Sections["Safe example"].TrimStart().StartsWith("None", StringComparison.Ordinal), $"{id}: the safe example is neither a fenced block nor 'None'");
            return;
        }
        var findings = await TraceAsync(sql, AllowedPhases.Contract | AllowedPhases.Backfill);
        Assert.True(findings.All(f => f.Verdict is not (Verdict.Refused or Verdict.Warning)), string.Join("\n", findings));
    }
}
