using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Migrations;

public class MigrationFileTests
{
    private static MigrationFile Load(string sql, string id = "001_x.sql") => MigrationFile.FromBytes(id, id, Encoding.UTF8.GetBytes(sql));

    private static Failure Invalid(string sql)
    {
        var e = Assert.Throws<MigrationException>(() => Load(sql));
        Assert.Equal(ReasonCodes.MigrationInvalid, e.Reason);
        return e.Failure;
    }

    [Fact]
    public void Reads_directives_from_the_header()
    {
        var file = Load("-- add an index\n-- schemamigrate:no-transaction\n-- schemamigrate:lock-timeout=30s statement-timeout=0\nCREATE INDEX CONCURRENTLY i ON t (a);");
        Assert.True(file.Directives.NoTransaction);
        Assert.Equal(TimeSpan.FromSeconds(30), file.Directives.LockTimeout);
        Assert.Equal(TimeSpan.Zero, file.Directives.StatementTimeout);
        Assert.Equal(["no-transaction", "lock-timeout=30s", "statement-timeout=0"], file.Directives.Names);
        Assert.Single(file.Script.Statements);
    }

    [Fact]
    public void A_misspelt_directive_is_an_error_naming_file_and_line()
    {
        var failure = Invalid("-- comment\n-- schemamigrate:no-transactoin\nSELECT 1;");
        Assert.Equal("001_x.sql", failure.File);
        Assert.Equal(2, failure.Line);
        Assert.Contains("unknown directive 'no-transactoin'", failure.Message);
        Assert.Contains("no-transaction", failure.Message);
    }

    [Theory]
    [InlineData("SELECT 1;\n-- schemamigrate:contract\nSELECT 2;", 2, "above the first statement")]
    [InlineData("/* schemamigrate:contract */ SELECT 1;", 1, "line comment")]
    [InlineData("-- schemamigrate:contract\n-- schemamigrate:contract\nSELECT 1;", 2, "given twice")]
    [InlineData("-- schemamigrate:lock-timeout=soon\nSELECT 1;", 1, "not a duration")]
    [InlineData("-- schemamigrate:contract backfill\nSELECT 1;", 1, "either a contract step or a backfill")]
    public void Misplaced_or_malformed_directives_are_errors(string sql, int line, string message)
    {
        var failure = Invalid(sql);
        Assert.Equal(line, failure.Line);
        Assert.Contains(message, failure.Message);
    }

    [Fact]
    public void Invalid_utf8_is_reported_instead_of_being_guessed()
    {
        var e = Assert.Throws<MigrationException>(() => MigrationFile.FromBytes("001.sql", "001.sql", [0x53, 0x45, 0xFF, 0x3B]));
        Assert.Equal(ReasonCodes.MigrationInvalid, e.Reason);
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void Checksum_is_of_raw_bytes_and_the_normalized_one_ignores_bom_and_crlf()
    {
        var lf = Load("SELECT 1;\nSELECT 2;\n");
        var crlfBom = MigrationFile.FromBytes("001_x.sql", "", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("SELECT 1;\r\nSELECT 2;\r\n")]);
        Assert.NotEqual(lf.Checksum, crlfBom.Checksum);
        Assert.Equal(lf.Checksum, crlfBom.NormalizedChecksum);
        Assert.Equal(2, crlfBom.Script.Statements.Count);
    }

    [Fact]
    public void Directory_lists_only_sql_files_in_ordinal_order()
    {
        using var folder = new MigrationFolder()
            .Add("010_b.sql", "SELECT 1;").Add("002_a.sql", "SELECT 1;").Add("B_upper.sql", "SELECT 1;").Add("a_lower.sql", "SELECT 1;")
            .Add("README.md", "not a migration").Add("003_c.SQL", "ignored: the extension is case-sensitive");
        Directory.CreateDirectory(folder.FilePath("sub"));
        File.WriteAllText(Path.Combine(folder.FilePath("sub"), "001_nested.sql"), "SELECT 1;");
        var ids = MigrationDirectory.Load(folder.Path).Select(f => f.Id).ToArray();
        Assert.Equal(["002_a.sql", "010_b.sql", "B_upper.sql", "a_lower.sql"], ids);
    }

    [Fact]
    public void A_missing_directory_names_the_full_path()
    {
        var e = Assert.Throws<MigrationException>(() => MigrationDirectory.Load("no/such/dir"));
        Assert.Equal(ReasonCodes.MigrationsDirNotFound, e.Reason);
        Assert.Contains(Path.GetFullPath("no/such/dir"), e.Message);
    }
}
