using System.Text;
using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>Test-SchemaMigration and New-SchemaMigration through their host-free operations.</summary>
public class TestAndNewOperationTests
{
    private static MigrationSettings Folder(MigrationFolder folder) => new() { MigrationsDirectory = folder.Path };

    [Fact]
    public async Task Test_reports_every_problem_of_a_folder_with_file_and_line_and_marks_the_files()
    {
        using var folder = new MigrationFolder()
            .Add("001_ok.sql", "CREATE TABLE ok (id int);")
            .Add("002_typo.sql", "-- schemamigrate:no-transacton\nCREATE INDEX CONCURRENTLY i ON ok (id);")
            .Add("003_shouting.SQL", "SELECT 1;")
            .Add("004_unterminated.sql", "SELECT 1;\nSELECT 'abc;\n")
            .Add("2_late.sql", "SELECT 2;")
            .Add("README.md", "# notes");
        var sink = new RecordingSink();

        await new TestOperation(Folder(folder), verify: false, devDatabase: null).RunAsync(sink, default);

        Assert.All(sink.Errors, e => Assert.Equal(ReasonCodes.MigrationInvalid, e.Failure.Reason));
        Assert.Equal(["002_typo.sql", "003_shouting.SQL", "004_unterminated.sql", "2_late.sql"], sink.Errors.Select(e => (string)e.Target).Order(StringComparer.Ordinal));
        Assert.Equal(1, sink.Errors.Single(e => (string)e.Target == "002_typo.sql").Failure.Line);
        Assert.Contains("unknown directive 'no-transacton'", sink.Errors.Single(e => (string)e.Target == "002_typo.sql").Failure.Message);
        Assert.Equal(2, sink.Errors.Single(e => (string)e.Target == "004_unterminated.sql").Failure.Line);
        Assert.Contains("will never run", sink.Errors.Single(e => (string)e.Target == "003_shouting.SQL").Failure.Message);
        Assert.Contains("runs after 004_unterminated.sql although its number is lower", sink.Errors.Single(e => (string)e.Target == "2_late.sql").Failure.Message);
        Assert.Contains(sink.Warnings, w => w.StartsWith("2_late.sql has a 1-digit prefix"));

        var results = sink.Written<SchemaMigrationTestResult>();
        Assert.Equal(["001_ok.sql", "002_typo.sql", "003_shouting.SQL", "004_unterminated.sql", "2_late.sql"], results.Select(r => r.Id));
        Assert.Equal([true, false, false, false, false], results.Select(r => r.Valid));
        Assert.Equal(1, results[0].Statements);
        Assert.Null(results[2].Statements);
        Assert.All(results, r => Assert.False(r.Verified));
    }

    [Fact]
    public async Task Verify_applies_everything_to_a_scratch_database_and_marks_each_file()
    {
        using var folder = MigrationFolder.FromSamples();
        var sink = new RecordingSink();

        // The samples are one first release: nothing is deployed yet, so 003's indexes are on new tables.
        await new TestOperation(Folder(folder), verify: true, devDatabase: await PostgresServer.AdminConnectionStringAsync(), appliedThrough: "none").RunAsync(sink, default);

        Assert.Empty(sink.Errors);
        Assert.Equal(3, sink.Written<SchemaMigrationTestResult>().Count);
        Assert.All(sink.Written<SchemaMigrationTestResult>(), r => Assert.True(r.Valid && r.Verified, r.Id));
        Assert.Empty(sink.Questions); // a throwaway database needs no confirmation
        Assert.True(sink.Progress[^1].Completed);
    }

    [Fact]
    public async Task Verify_ends_with_the_failing_file_and_line_after_marking_what_applied()
    {
        using var folder = MigrationFolder.FromSamples().Add("004_broken.sql", "ALTER TABLE api_keys\n  ADD COLUMN owner bigint REFERENCES no_such_table (id);");
        var sink = new RecordingSink();

        var server = await PostgresServer.AdminConnectionStringAsync();

        var e = await Assert.ThrowsAsync<MigrationException>(() => new TestOperation(Folder(folder), verify: true, devDatabase: server).RunAsync(sink, default));

        Assert.Equal(ReasonCodes.SqlApplyFailed, e.Reason);
        Assert.Equal("004_broken.sql", e.Failure.File);
        Assert.Equal(1, e.Failure.Line);
        Assert.Equal([true, true, true, false], sink.Written<SchemaMigrationTestResult>().Select(r => r.Verified));
    }

    [Fact]
    public async Task Verify_is_skipped_while_the_folder_has_errors()
    {
        using var folder = new MigrationFolder().Add("001_bad.sql", "-- schemamigrate:bogus\nSELECT 1;");
        var sink = new RecordingSink();

        await new TestOperation(Folder(folder), verify: true, devDatabase: "Host=127.0.0.1;Port=1;Username=nobody").RunAsync(sink, default);

        Assert.Single(sink.Errors);
        Assert.Contains("not verified against a database: fix the errors above first", sink.Warnings);
    }

    [Fact]
    public async Task Test_of_a_missing_folder_fails_with_its_reason_code()
    {
        var missing = Path.Combine(Path.GetTempPath(), "schemamigrate-absent-" + Guid.NewGuid().ToString("N"));

        var e = await Assert.ThrowsAsync<MigrationException>(() =>
            new TestOperation(new MigrationSettings { MigrationsDirectory = missing }, verify: false, devDatabase: null).RunAsync(new RecordingSink(), default));

        Assert.Equal(ReasonCodes.MigrationsDirNotFound, e.Reason);
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public async Task New_creates_the_next_zero_padded_file_that_loads_as_an_empty_migration()
    {
        using var folder = MigrationFolder.FromSamples();
        var sink = new RecordingSink();

        await new NewMigrationOperation(folder.Path, "add_orders_table").RunAsync(sink, default);

        var created = Assert.IsType<FileInfo>(Assert.Single(sink.Objects));
        Assert.Equal(folder.FilePath("004_add_orders_table.sql"), created.FullName);
        Assert.Equal([(folder.FilePath("004_add_orders_table.sql"), "Create migration file")], sink.Questions);
        var migration = MigrationFile.Load(created.FullName);
        Assert.Empty(migration.Script.Statements);
        Assert.Equal(MigrationDirectives.None.Names, migration.Directives.Names);
        Assert.DoesNotContain("\r", File.ReadAllText(created.FullName));
        Assert.False(File.ReadAllBytes(created.FullName).AsSpan().StartsWith(Encoding.UTF8.Preamble));
    }

    [Fact]
    public async Task New_creates_nothing_when_ShouldProcess_says_no()
    {
        using var folder = MigrationFolder.FromSamples();
        var sink = new RecordingSink { Answer = _ => false };

        await new NewMigrationOperation(folder.Path, "add_orders_table").RunAsync(sink, default);

        Assert.Empty(sink.Objects);
        Assert.Equal(3, Directory.GetFiles(folder.Path).Length);
    }

    [Fact]
    public async Task New_refuses_a_name_that_is_not_snake_case_and_suggests_one()
    {
        using var folder = MigrationFolder.FromSamples();

        var e = await Assert.ThrowsAsync<MigrationException>(() => new NewMigrationOperation(folder.Path, "Add Orders-Table").RunAsync(new RecordingSink(), default));

        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Contains("e.g. add_orders_table", e.Message);
        Assert.Equal(3, Directory.GetFiles(folder.Path).Length);
    }
}
