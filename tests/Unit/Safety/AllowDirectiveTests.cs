using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Tests.Safety;

/// <summary>Allows are checked as strictly as every other directive: a known rule, a reason, once per file.</summary>
public class AllowDirectiveTests
{
    [Fact]
    public void An_allow_is_read_with_its_rule_reason_and_line_and_listed_among_the_directives()
    {
        var file = GateHarness.File("002_x.sql", "-- why\n-- schemamigrate:contract\n-- schemamigrate:allow   ban-drop-column  the app stopped reading it in 4.2, see #812\nALTER TABLE users DROP COLUMN legacy;");
        var waiver = Assert.Single(file.Directives.Waivers);
        Assert.Equal(new Waiver("ban-drop-column", "the app stopped reading it in 4.2, see #812", 3), waiver);
        Assert.Equal(["contract", "allow ban-drop-column"], file.Directives.Names);
        Assert.Equal((MigrationPhase.Contract, 2), (file.Directives.Phase, file.Directives.PhaseLine));
    }

    [Theory]
    [InlineData("-- schemamigrate:allow", "needs a rule id and a reason")]
    [InlineData("-- schemamigrate:allow ban-drop-column", "needs a reason")]
    [InlineData("-- schemamigrate:allow drop-column the app stopped using it", "allow names no gate rule 'drop-column'; rule ids are listed in docs/gate/README.md (did you mean ban-drop-column?)")]
    [InlineData("-- schemamigrate:allow ban-drop-column one\n-- schemamigrate:allow ban-drop-column two", "is given twice")]
    public void A_malformed_allow_is_migration_invalid_at_its_line(string header, string expected)
    {
        var e = Assert.Throws<MigrationException>(() => GateHarness.File("002_x.sql", header + "\nSELECT 1;"));
        Assert.Equal(ReasonCodes.MigrationInvalid, e.Reason);
        Assert.Contains(expected, e.Failure.Message);
        Assert.Equal(header.Split('\n').Length, e.Failure.Line);
    }

    [Fact]
    public void An_allow_below_the_first_statement_is_refused_like_any_misplaced_directive()
    {
        var e = Assert.Throws<MigrationException>(() => GateHarness.File("002_x.sql", "SELECT 1;\n-- schemamigrate:allow ban-drop-column late\n"));
        Assert.Contains("above the first statement", e.Failure.Message);
    }
}
