using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Engine.Safety.Rules;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Safety;

/// <summary>
/// Each page's two examples are the rule's fixtures: the unsafe one must be flagged by exactly that rule in a
/// deploy (expand) run, the safe one must pass a run that allows its declared phase with nothing refused or warned.
/// </summary>
public class GatePageExampleTests
{
    public static TheoryData<string> StatementRules() => [.. GateRules.All.Where(r => r is StatementRule || r is PhaseNotAllowed || r is UnusedAllow).Select(r => r.Id)];

    public static TheoryData<string> NamingRules() => [.. GateRules.All.Where(r => r.Id.StartsWith("naming-", StringComparison.Ordinal)).Select(r => r.Id)];

    private static GateOptions OptionsFor(string id) => GateHarness.Quiet with
    {
        LockTimeout = id == "require-lock-timeout" ? TimeSpan.Zero : GateHarness.Quiet.LockTimeout,
        StatementTimeout = id == "require-statement-timeout" ? TimeSpan.Zero : GateHarness.Quiet.StatementTimeout,
    };

    [Theory]
    [MemberData(nameof(StatementRules))]
    public void The_unsafe_example_is_flagged_by_its_rule_alone(string id)
    {
        var sql = GateHarness.Page(id).Block("Unsafe example")!;
        var file = GateHarness.File("001_x.sql", sql);
        var report = GateHarness.Judge(sql, OptionsFor(id));

        Assert.Contains(report.Findings, f => f.RuleId == id && f.Verdict is Verdict.Refused or Verdict.Warning);
        // Besides the rule, only the findings refused with a file that declares a phase this run does not allow.
        var others = report.Findings.Where(f => f.RuleId != id && f.Verdict is Verdict.Refused or Verdict.Warning).ToList();
        Assert.True(others.All(f => file.Directives.Phase != MigrationPhase.Expand && f.Class is StatementClass.Contract or StatementClass.Backfill),
            $"{id}: the unsafe example also trips {string.Join(", ", others)}");
    }

    [Theory]
    [MemberData(nameof(StatementRules))]
    public void The_safe_example_passes_a_run_that_allows_its_phase(string id)
    {
        var page = GateHarness.Page(id);
        var sql = page.Block("Safe example");
        if (sql is null)
        {
            // No fenced block: then the page must say there is no safe example, and that is what this row checks.
            Assert.True(page.Sections["Safe example"].TrimStart().StartsWith("None", StringComparison.Ordinal), $"{id}: the safe example is neither a fenced block nor 'None'");
            return;
        }
        var report = GateHarness.Judge(sql, OptionsFor(id) with { Allowed = AllowedPhases.Contract | AllowedPhases.Backfill });
        Assert.True(report.Passed && report.Findings.All(f => f.Verdict != Verdict.Warning), $"{id}: {string.Join("\n", report.Findings)}");
    }

    [Theory]
    [MemberData(nameof(NamingRules))]
    public async Task The_naming_examples_are_file_lists_flagged_and_passed_by_lint(string id)
    {
        var page = GateHarness.Page(id);
        Assert.Equal("text", page.BlockLanguage("Unsafe example"));
        Assert.Contains(await LintNames(page.Block("Unsafe example")!), f => f.RuleId == id && f.Verdict is Verdict.Refused or Verdict.Warning);
        Assert.DoesNotContain(await LintNames(page.Block("Safe example")!), f => f.Verdict is Verdict.Refused or Verdict.Warning);
    }

    /// <summary>Lints a folder of those names (each a harmless statement); names marked "(applied)" are applied first to a real database.</summary>
    private static async Task<IReadOnlyList<Finding>> LintNames(string list)
    {
        var lines = list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var applied = lines.Where(l => l.EndsWith(" (applied)", StringComparison.Ordinal)).Select(l => l[..^" (applied)".Length]).ToList();
        using var folder = new MigrationFolder();
        foreach (var name in applied) folder.Add(name, $"CREATE TABLE t_{Path.GetFileNameWithoutExtension(name)} (id int);");
        var settings = MigrationSettings.FromEnvironment(new Dictionary<string, string>()) with { MigrationsDirectory = folder.Path };
        if (applied.Count == 0)
        {
            foreach (var name in lines) folder.Add(name, "SELECT 1;");
            return (await Linter.RunAsync(settings, Linter.NothingDeployed)).Findings;
        }
        await using var db = await TestDatabase.CreateAsync();
        settings = settings with { ConnectionString = db.ConnectionString };
        Assert.True((await new Migrator(settings).UpAsync(NullListener.Instance)).Succeeded);
        foreach (var name in lines.Except(applied).Select(l => l.Replace(" (applied)", ""))) folder.Add(name, "SELECT 1;");
        return (await Linter.RunAsync(settings, null)).Findings;
    }
}
