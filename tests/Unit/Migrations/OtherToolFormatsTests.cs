using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Tests.Migrations;

/// <summary>Other tools' no-transaction markers and layouts, each read by the tool's own rule.</summary>
public class OtherToolFormatsTests
{
    private static MigrationFile File(string sql, string id = "004_x.sql") => MigrationFile.FromBytes(id, id, Encoding.UTF8.GetBytes(sql));

    [Theory]
    [InlineData("-- morph:nontransactional\nCREATE INDEX CONCURRENTLY i ON t (a);", "-- morph:nontransactional")]
    [InlineData("\uFEFF-- morph:nontransactional\nCREATE INDEX CONCURRENTLY i ON t (a);", "-- morph:nontransactional")]
    [InlineData("-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);", "-- postgres-migrations disable-transaction")]
    [InlineData("-- add an index\n\n-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);", "-- postgres-migrations disable-transaction")]
    [InlineData("-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (a);", "-- atlas:txmode none")]
    [InlineData("-- Add an index\n-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (a);", "-- atlas:txmode none")]
    [InlineData("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n", "-- migrate:up transaction:false")]
    public void A_marker_written_as_its_tool_requires_is_read_as_no_transaction(string sql, string marker)
    {
        var file = File(sql);
        Assert.True(file.Directives.NoTransaction);
        Assert.Equal(marker, file.Directives.Marker);
        Assert.Equal(["no-transaction"], file.Directives.Names);
        Assert.Null(StatementRules.Check(file));
    }

    [Theory]
    [InlineData("CREATE TABLE t (a int);\n-- morph:nontransactional\n")]          // morph reads only the file's first line
    [InlineData("-- atlas:txmode none\nCREATE TABLE t (a int);")]                // no blank line: Atlas ignores the header
    [InlineData("CREATE TABLE t (a int);\n\n-- atlas:txmode none\n")]           // not the file's header
    [InlineData("-- atlas:txmode file\n\nCREATE TABLE t (a int);")]
    [InlineData("-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;")]
    [InlineData("-- migrate:up transaction:true\nCREATE TABLE t (a int);")]
    [InlineData("--  postgres-migrations disable-transaction\nCREATE TABLE t (a int);")]
    public void Near_misses_run_in_a_transaction_as_their_tool_would(string sql)
    {
        var file = File(sql);
        Assert.False(file.Directives.NoTransaction);
        Assert.Null(file.Directives.Marker);
    }

    [Theory]
    [InlineData("-- atlas:txmode all\n\nSELECT 1;", "Atlas accepts one txmode")]
    [InlineData("-- atlas:txmode none\n-- atlas:txmode file\n\nSELECT 1;", "Atlas accepts one txmode")]
    [InlineData("SELECT 1;\n-- migrate:up\nSELECT 2;\n-- migrate:down\n", "a statement comes before '-- migrate:up'")]
    [InlineData("-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", "'-- migrate:down' comes before '-- migrate:up'")]
    public void What_the_tool_itself_refuses_is_refused(string sql, string message)
    {
        var e = Assert.Throws<MigrationException>(() => File(sql));
        Assert.Equal(ReasonCodes.MigrationInvalid, e.Reason);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_dbmate_file_is_its_up_section_and_the_checksum_is_still_of_the_whole_file()
    {
        const string sql = "-- migrate:up\ncreate table users (id int);\ncreate index users_id on users (id);\n\n-- migrate:down\ndrop table users;\n";
        var file = File(sql);

        Assert.Equal(["create table users (id int)", "create index users_id on users (id)"], file.Script.Statements.Select(s => s.Text));
        Assert.Equal([2, 3], file.Script.Statements.Select(s => s.Line));
        Assert.Equal(Checksums.Sha256Hex(Encoding.UTF8.GetBytes(sql)), file.Checksum);
    }

    [Fact]
    public void Down_files_and_goose_sections_are_never_run_forward()
    {
        var folder = new[] { "000001_init.down.sql", "000001_init.up.sql", "000002_x.down.sql" };
        Assert.Contains("is the down (rollback) file of 000001_init.up.sql", OtherToolFormats.NeverForward(File("DROP TABLE t;", "000001_init.down.sql"), folder));
        Assert.Null(OtherToolFormats.NeverForward(File("SELECT 1;", "000002_x.down.sql"), folder)); // no up file beside it: SchemaMigrate's own name
        Assert.Contains("goose migration", OtherToolFormats.NeverForward(File("-- +goose Up\nCREATE TABLE t (a int);\n-- +goose Down\nDROP TABLE t;"), folder));
    }
}
