using System.Text.RegularExpressions;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Diagnostics;

/// <summary>The surface-neutral option names in the catalogue and engine texts, and how each front spells them.</summary>
public class OptionNamesTests
{
    private static readonly string[] Options = OptionNames.Known.Except(["help", "status", "connection"]).ToArray();

    [Fact]
    public void The_catalogue_names_only_known_options()
    {
        var used = ReasonCodes.All.SelectMany(r => new[] { r.Meaning, r.NextStep })
            .SelectMany(t => Regex.Matches(t, @"\{([a-z][a-z-]*)\}").Select(m => m.Groups[1].Value)).Distinct().ToList();
        Assert.NotEmpty(used);
        Assert.Empty(used.Except(OptionNames.Known).Except(["parameter"]));
    }

    [Fact]
    public void MigrateRunner_spells_each_option_as_an_option_it_parses()
    {
        var parser = File.ReadAllText(Path.Combine(Repo.Root, "src", "MigrateRunner", "CommandLine.cs"));
        foreach (var name in Options)
        {
            var spelled = OptionNames.CommandLine.Render(OptionNames.Mark(name));
            Assert.Matches("^--[a-z-]+$", spelled);
            Assert.Contains($"\"{spelled}\"", parser);
        }
    }

    [Fact]
    public void The_cmdlets_spell_each_option_as_a_parameter_they_have_or_the_setting_that_stands_for_it()
    {
        var parameters = Directory.GetFiles(Path.Combine(Repo.Root, "src", "SchemaMigrate.Cmdlets", "Commands"), "*.cs")
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"public [\w?<>\[\]]+ (\w+) \{ get; set; \}").Select(m => "-" + m.Groups[1].Value)).ToHashSet();
        var names = PowerShellOptionNames.For("Invoke-SchemaMigration");
        foreach (var name in Options)
        {
            var spelled = names.Render(OptionNames.Mark(name));
            Assert.True(parameters.Contains(spelled) || spelled.StartsWith("SCHEMAMIGRATE_", StringComparison.Ordinal), $"{name} is spelled {spelled}, which no cmdlet has");
        }
        Assert.Equal("`Get-Help Invoke-SchemaMigration -Parameter *`", names.Render("{help}"));
        Assert.Equal("-ConnectionString or DB_CONN", names.Render("{connection}"));
    }

    [Fact]
    public void A_failure_names_its_own_parameter_and_leaves_other_brace_words_alone()
    {
        var failure = new Failure { Reason = ReasonCodes.DbAuthFailed, Message = "refused {user} at {to}", Parameter = "dev-database" };

        Assert.StartsWith("Fix the user or password in -DevDatabase (", failure.For(PowerShellOptionNames.For("Test-SchemaMigration")).Action);
        Assert.StartsWith("Fix the user or password in --dev-database (", failure.For(OptionNames.CommandLine).Action);
        Assert.Equal("refused {user} at -To", failure.For(PowerShellOptionNames.For("Test-SchemaMigration")).Message);
    }
}
