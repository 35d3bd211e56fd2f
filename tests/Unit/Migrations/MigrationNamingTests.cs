using FsCheck;
using FsCheck.Fluent;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Tests.Migrations;

public class MigrationNamingTests
{
    [Fact]
    public void A_tidy_folder_has_no_issues()
    {
        Assert.Empty(MigrationNaming.Check(["001_core_domain_tables.sql", "002_create_api_keys_table.sql", "003_add_indexes.sql", "README.md"]));
    }

    [Theory]
    [InlineData("004_orders.SQL", "will never run")]
    [InlineData("004_orders.Sql", "will never run")]
    [InlineData("004_orders.psql", "looks like a migration but will never run")]
    [InlineData("004_orders", "looks like a migration but will never run")]
    [InlineData("orders.sql", "has no numeric prefix")]
    [InlineData("V4__orders.sql", "has no numeric prefix")]
    public void Names_that_a_run_would_skip_or_misplace_are_errors(string name, string message)
    {
        var issue = Assert.Single(MigrationNaming.Check(["001_a.sql", "002_b.sql", "003_c.sql", name]));
        Assert.True(issue.IsError);
        Assert.Equal(name, issue.File);
        Assert.Contains(message, issue.Message);
    }

    [Fact]
    public void A_number_that_sorts_after_a_higher_one_is_an_error_with_the_padded_name_to_use()
    {
        var issues = MigrationNaming.Check(["001_a.sql", "010_b.sql", "9_c.sql"]);

        var error = Assert.Single(issues, i => i.IsError);
        Assert.Equal("9_c.sql", error.File);
        Assert.Contains("runs after 010_b.sql although its number is lower", error.Message);
        Assert.Contains("009_c.sql", error.Message);
        Assert.Contains(issues, i => !i.IsError && i.File == "9_c.sql" && i.Message.Contains("1-digit prefix where the folder uses 3 digits"));
    }

    [Fact]
    public void Duplicate_numbers_are_a_warning_naming_both_files()
    {
        var issue = Assert.Single(MigrationNaming.Check(["001_a.sql", "002_from_main.sql", "002_from_branch.sql"]));
        Assert.False(issue.IsError);
        Assert.Contains("002_from_branch.sql and 002_from_main.sql share the number 2", issue.Message);
    }

    [Theory]
    [InlineData(new string[0], "add_orders", "001_add_orders.sql")]
    [InlineData(new[] { "001_a.sql", "002_b.sql" }, "add_orders", "003_add_orders.sql")]
    [InlineData(new[] { "001_a.sql", "002_b.sql" }, "add_orders.sql", "003_add_orders.sql")]
    [InlineData(new[] { "0001_a.sql", "0009_b.sql", "notes.txt" }, "c", "0010_c.sql")]
    [InlineData(new[] { "20240101120000_a.sql" }, "b", "20240101120001_b.sql")]
    [InlineData(new[] { "001_a.sql", "002_b.sql" }, "005_jump_ahead", "005_jump_ahead.sql")]
    public void The_next_name_continues_the_numbering_at_the_folders_width(string[] existing, string name, string expected)
    {
        Assert.Equal(expected, MigrationNaming.NextFileName(existing, name));
    }

    [Theory]
    [InlineData(new[] { "001_a.sql" }, "Add Orders", "snake_case")]
    [InlineData(new[] { "001_a.sql" }, "../escape", "snake_case")]
    [InlineData(new[] { "001_a.sql" }, "", "snake_case")]
    [InlineData(new[] { "998_a.sql", "999_b.sql" }, "c", "1000_c.sql would sort before 999_b.sql")]
    [InlineData(new[] { "1_a.sql", "9_b.sql" }, "c", "10_c.sql would sort before 9_b.sql")]
    [InlineData(new[] { "001_a.sql", "zz_manual.sql" }, "c", "would sort before zz_manual.sql")]
    [InlineData(new[] { "001_a.sql", "002_b.sql" }, "002_again", "sorts before or at 002_b.sql")]
    [InlineData(new[] { "001_a.sql", "002_b.sql" }, "3_short", "3 digits wide")]
    public void Names_that_would_sort_wrongly_or_are_malformed_are_refused(string[] existing, string name, string message)
    {
        var e = Assert.Throws<MigrationException>(() => MigrationNaming.NextFileName(existing, name));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_next_name_always_sorts_last_and_passes_the_folder_check()
    {
        var folders = Gen.Choose(1, 5).SelectMany(width =>
            Gen.ListOf(Gen.Choose(1, (int)Math.Pow(10, width) - 2)).Select(numbers =>
                numbers.Distinct().Select(n => n.ToString().PadLeft(width, '0') + "_m" + n + ".sql").ToArray()));

        Prop.ForAll(folders.ToArbitrary(), existing =>
        {
            var next = MigrationNaming.NextFileName(existing, "next_change");
            var all = existing.Append(next).Order(StringComparer.Ordinal).ToList();
            return all[^1] == next && MigrationNaming.Check(all).All(i => !i.IsError);
        }).QuickCheckThrowOnFailure();
    }
}
