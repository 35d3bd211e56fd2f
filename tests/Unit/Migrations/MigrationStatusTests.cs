using System.Text;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Tests.Migrations;

public class MigrationStatusTests
{
    private static MigrationFile File(string id, string sql = "SELECT 1;") => MigrationFile.FromBytes(id, id, Encoding.UTF8.GetBytes(sql));
    private static JournalEntry Row(MigrationFile f) => new(f.Id, f.Checksum, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Reports_each_state()
    {
        var applied = File("001_a.sql");
        var edited = File("002_b.sql", "SELECT 2;");
        var late = File("003_c.sql");
        var newest = File("005_e.sql");
        var pending = File("006_f.sql");
        var journal = new[]
        {
            Row(applied), new JournalEntry("002_b.sql", File("002_b.sql", "SELECT 1;").Checksum, DateTimeOffset.UnixEpoch),
            new JournalEntry("004_gone.sql", "abc", DateTimeOffset.UnixEpoch), Row(newest),
        };
        var status = MigrationStatus.Build([applied, edited, late, newest, pending], journal);

        Assert.Equal(
            [("001_a.sql", MigrationState.Applied), ("002_b.sql", MigrationState.Modified), ("003_c.sql", MigrationState.OutOfOrder),
             ("004_gone.sql", MigrationState.Missing), ("005_e.sql", MigrationState.Applied), ("006_f.sql", MigrationState.Pending)],
            status.Select(s => (s.Id, s.State)));
        Assert.Contains("changed after it was applied", status[1].Warnings.Single());
        Assert.Contains("sorts before 005_e.sql", status[2].Warnings.Single());
        Assert.Contains("no such file", status[3].Warnings.Single());
        Assert.Empty(status[5].Warnings);
    }

    [Fact]
    public void A_modification_of_line_endings_only_says_so()
    {
        var lf = File("001_a.sql", "SELECT 1;\n");
        var crlf = File("001_a.sql", "SELECT 1;\r\n");
        var status = MigrationStatus.Build([crlf], [Row(lf)]).Single();
        Assert.Equal(MigrationState.Modified, status.State);
        Assert.Contains("only in line endings", status.Warnings.Single());
        Assert.Contains(".gitattributes", status.Warnings.Single());
    }
}
