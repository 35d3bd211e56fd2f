using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Diagnostics;

public class ReasonCodeCatalogueTests
{
    private static string ReasonCodesPage => Path.Combine(Repo.Root, "docs", "reason-codes.md");

    [Fact]
    public void Codes_and_exit_codes_are_unique_and_well_formed()
    {
        Assert.Equal(ReasonCodes.All.Count, ReasonCodes.All.Select(r => r.Code).Distinct().Count());
        Assert.Equal(ReasonCodes.All.Count, ReasonCodes.All.Select(r => r.ExitCode).Distinct().Count());
        Assert.All(ReasonCodes.All, r =>
        {
            Assert.Matches("^[A-Z][A-Z0-9_]+$", r.Code);
            Assert.InRange(r.ExitCode, 1, 125);
            Assert.False(string.IsNullOrWhiteSpace(r.NextStep));
        });
    }

    /// <summary>The row an operator reads: code, exit code, and the meaning and next step exactly as the programs print them.</summary>
    [Fact]
    public void The_reason_code_page_has_a_row_for_every_code_with_its_exit_code_meaning_and_next_step()
    {
        var page = File.ReadAllLines(ReasonCodesPage);
        static string Cell(string text) => text.Replace("|", "\\|");
        // Option names as MigrateRunner spells them; the page says how the cmdlets spell them.
        static string Text(string text) => Cell(OptionNames.CommandLine.Render(text));
        static string Row(ReasonCode r) => $"| `{r.Code}` | {r.ExitCode} | {Text(r.Meaning)} | {Text(r.NextStep)} |";
        var stale = ReasonCodes.All.Where(r => !page.Contains(Row(r))).ToList();
        Assert.True(stale.Count == 0, "docs/reason-codes.md is out of step with ReasonCodes.All; rows as the catalogue has them (a row per code, "
            + "in exit-code order):\n" + string.Join("\n", stale.Select(r =>
                (page.Any(l => l.StartsWith($"| `{r.Code}` |", StringComparison.Ordinal)) ? "differs: " : "missing: ") + Row(r))));
    }

    [Fact]
    public void The_reason_code_page_lists_no_code_the_catalogue_lacks()
    {
        var documented = File.ReadAllLines(ReasonCodesPage).Select(l => Regex.Match(l, @"^\| `([A-Z][A-Z0-9_]+)` \|")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(documented.Distinct().Count(), documented.Count);
        Assert.Empty(documented.Except(ReasonCodes.All.Select(r => r.Code)));
    }
}
