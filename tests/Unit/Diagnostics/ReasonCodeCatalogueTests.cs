using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Diagnostics;

public class ReasonCodeCatalogueTests
{
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

    [Fact]
    public void Readme_documents_every_reason_code_with_its_exit_code()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        var missing = ReasonCodes.All.Where(r => !readme.Contains($"| `{r.Code}` | {r.ExitCode} |")).Select(r => r.Code).ToList();
        Assert.True(missing.Count == 0, "README.md lacks a reason-code row for: " + string.Join(", ", missing));
    }
}
