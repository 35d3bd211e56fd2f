using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>Issue 9, case 6: folders written for other tools run as they are, their files unedited.</summary>
public class OtherToolFolderTests
{
    [Fact]
    public async Task Each_tools_no_transaction_marker_is_read_as_no_transaction_and_the_output_says_which()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_items.sql", "CREATE TABLE items (a int, b int, c int, d int);\n")
            .Add("002_morph.sql", "-- morph:nontransactional\nCREATE INDEX CONCURRENTLY items_a ON items (a);\n")
            .Add("003_pgmig.sql", "-- postgres-migrations disable-transaction\nCREATE INDEX CONCURRENTLY items_b ON items (b);\n")
            .Add("004_atlas.sql", "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY items_c ON items (c);\n")
            .Add("005_dbmate.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY items_d ON items (d);\n\n-- migrate:down\nDROP INDEX items_d;\nDROP TABLE items;\n");

        var plan = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan");
        var up = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Contains("  004_atlas.sql (1 statement) [no-transaction, read from '-- atlas:txmode none']", plan.Stdout);
        Assert.Contains("  005_dbmate.sql (1 statement) [no-transaction, read from '-- migrate:up transaction:false']", plan.Stdout);
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Equal(["-- morph:nontransactional", "-- postgres-migrations disable-transaction", "-- atlas:txmode none", "-- migrate:up transaction:false"],
            up.EventsOf("migration.started").Skip(1).Select(e => e.GetProperty("marker").GetString()));
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_index WHERE indisvalid AND indrelid = 'items'::regclass"));
        Assert.True(await db.TableExistsAsync("items")); // dbmate's down section never ran
        Assert.Equal(5, (await db.JournalAsync()).Count);
        Assert.Equal(SchemaMigrate.Engine.Migrations.Checksums.Sha256Hex(File.ReadAllBytes(folder.FilePath("005_dbmate.sql"))),
            (await db.JournalAsync()).Single(j => j.Id == "005_dbmate.sql").Checksum);
    }

    [Fact]
    public async Task A_golang_migrate_down_file_is_refused_before_anything_runs()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("000001_users.down.sql", "DROP TABLE users;\n")
            .Add("000001_users.up.sql", "CREATE TABLE users (id int);\n");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

        Assert.Equal(ReasonCodes.MigrationInvalid.ExitCode, run.ExitCode);
        Assert.Contains("error MIGRATION_INVALID: 000001_users.down.sql is the down (rollback) file of 000001_users.up.sql", run.Stderr);
        Assert.Contains("Move the rollback files out of the migrations folder", run.Stderr);
        Assert.False(await db.TableExistsAsync("schema_migrations"));

        Directory.CreateDirectory(Path.Combine(folder.Path, "down"));
        File.Move(folder.FilePath("000001_users.down.sql"), Path.Combine(folder.Path, "down", "000001_users.down.sql"));
        var adopted = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(adopted.ExitCode == 0, adopted.Output);
        Assert.True(await db.TableExistsAsync("users"));
    }
}
