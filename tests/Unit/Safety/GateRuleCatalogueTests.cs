using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Safety;

/// <summary>Rules, their files, their pages and the index stay in step (one rule, one file, one page).</summary>
public class GateRuleCatalogueTests
{
    private static readonly string RulesFolder = Path.Combine(Repo.Root, "src", "SchemaMigrate.Engine", "Safety", "Rules");
    private static readonly string[] Headings = ["Trigger", "Why it is unsafe", "Safe alternative", "Unsafe example", "Safe example", "When an allow is legitimate"];

    public static string PascalCase(string id) => string.Concat(id.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    [Fact]
    public void Ids_are_unique_kebab_case_and_each_rule_is_the_one_class_of_a_file_named_after_its_id()
    {
        Assert.True(GateRules.All.Count >= 30, $"only {GateRules.All.Count} rules");
        Assert.Equal(GateRules.All.Count, GateRules.All.Select(r => r.Id).Distinct().Count());
        foreach (var rule in GateRules.All)
        {
            Assert.Matches("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", rule.Id);
            Assert.Equal(PascalCase(rule.Id), rule.GetType().Name);
            Assert.Equal("SchemaMigrate.Engine.Safety.Rules", rule.GetType().Namespace);
            Assert.True(rule.GetType().IsSealed, rule.Id);
            Assert.False(string.IsNullOrWhiteSpace(rule.Title), $"{rule.Id}: no Title");
            Assert.False(string.IsNullOrWhiteSpace(rule.Locks), $"{rule.Id}: no Locks");
            Assert.False(string.IsNullOrWhiteSpace(rule.Effect), $"{rule.Id}: no Effect");
            Assert.False(string.IsNullOrWhiteSpace(rule.Recipe), $"{rule.Id}: no Recipe");
        }
        var files = Directory.GetFiles(RulesFolder, "*.cs").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(GateRules.All.Select(r => PascalCase(r.Id)).Order().ToArray(), files);
        foreach (var file in Directory.GetFiles(RulesFolder, "*.cs"))
            Assert.Single(Regex.Matches(File.ReadAllText(file), @"\bclass\s+\w+"));
    }

    [Fact]
    public void Every_rule_has_a_page_and_every_page_a_rule()
    {
        var pages = GateHarness.PageIds().ToArray();
        Assert.Empty(GateRules.All.Select(r => r.Id).Except(pages));
        Assert.Empty(pages.Except(GateRules.All.Select(r => r.Id)));
    }

    [Fact]
    public void Every_page_has_the_fixed_headings_in_order_and_states_the_rules_class_default_and_versions()
    {
        foreach (var rule in GateRules.All)
        {
            var page = GateHarness.Page(rule.Id);
            Assert.StartsWith($"# {rule.Id}\n", page.Text);
            Assert.Equal(Headings, page.Headings);
            Assert.Contains($"| {rule.Class} | {rule.Default} | {rule.PgVersions} |", page.Text);
            Assert.NotNull(page.Block("Unsafe example"));
            Assert.True(page.Block("Safe example") is not null || page.Sections["Safe example"].TrimStart().StartsWith("None", StringComparison.Ordinal),
                $"{rule.Id}: the safe example is a fenced block or an explicit 'None'");
        }
    }

    [Fact]
    public void The_index_has_one_row_per_rule_whose_link_class_default_and_versions_are_the_rules()
    {
        var index = File.ReadAllText(Path.Combine(GateHarness.GateDocs, "README.md"));
        var rows = Regex.Matches(index, @"^\| \[(?<id>[a-z0-9-]+)\]\((?<link>[^)]+)\) \| (?<class>\w+) \| (?<default>\w+) \| (?<pg>[^|]+) \| (?<title>[^|]+) \|$", RegexOptions.Multiline);
        Assert.Equal(GateRules.All.Count, rows.Count);
        foreach (Match row in rows)
        {
            var rule = GateRules.Find(row.Groups["id"].Value);
            Assert.NotNull(rule);
            Assert.Equal(rule.Id + ".md", row.Groups["link"].Value);
            Assert.True(File.Exists(Path.Combine(GateHarness.GateDocs, row.Groups["link"].Value)));
            Assert.Equal(rule.Class.ToString(), row.Groups["class"].Value);
            Assert.Equal(rule.Default, row.Groups["default"].Value);
            Assert.Equal(rule.PgVersions, row.Groups["pg"].Value.Trim());
            Assert.Equal(rule.Title, row.Groups["title"].Value.Trim());
        }
    }

    [Fact]
    public void Each_rules_help_uri_is_its_page_under_the_modules_project_uri()
    {
        var manifest = File.ReadAllText(Path.Combine(Repo.Root, "module", "SchemaMigrate.psd1"));
        var project = Regex.Match(manifest, @"ProjectUri\s*=\s*'([^']+)'").Groups[1].Value;
        Assert.Equal(GateRules.DocsBaseUri, project + "/blob/main/docs/gate/");
        Assert.All(GateRules.All, r => Assert.Equal(GateRules.DocsBaseUri + r.Id + ".md", r.HelpUri));
        Assert.All(GateRules.All, r => Assert.Equal($"docs/gate/{r.Id}.md", r.Page));
    }
}
