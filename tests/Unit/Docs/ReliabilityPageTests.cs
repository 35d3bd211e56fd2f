using SchemaMigrate.Tests.Resilience;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Docs;

/// <summary>docs/reliability.md lists every case of the bad-input corpus with the reason code the corpus asserts.</summary>
public class ReliabilityPageTests
{
    [Fact]
    public void The_reliability_page_has_a_row_for_every_bad_input_with_its_reason_code()
    {
        var page = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "reliability.md"));
        var missing = BadInputCorpus.All.Select(Row).Where(row => !page.Contains(row)).ToList();
        Assert.True(missing.Count == 0, "docs/reliability.md lacks (or differs from):\n" + string.Join("\n", missing));
        Assert.Equal(BadInputCorpus.All.Count, page.Count(l => l.StartsWith("| `", StringComparison.Ordinal) && BadInputCorpus.All.Any(c => l.StartsWith($"| `{c.Name}` |", StringComparison.Ordinal))));
    }

    private static string Row(BadInput c) =>
        $"| `{c.Name}` | {c.Input.Replace("|", "\\|")} | {(c.Expected is { } code ? $"`{code.Code}`" : "accepted")} |"
        + $" {(c.Cmdlet ? "" : "runner, job")}{(c.Cmdlet && c.Job ? "all three" : "")} |";
}
