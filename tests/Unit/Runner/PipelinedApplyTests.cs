using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>
/// A transactional file goes to the server as one batch (BEGIN, its statements, its journal row, the lock check,
/// COMMIT): a failure anywhere in it still names the file, the exact line, the statement and the SQLSTATE, and
/// nothing of the file is applied or recorded.
/// </summary>
public class PipelinedApplyTests
{
    private const int Statements = 1000;
    private const string Broken = "SELECT 1 AS ok,\n       no_such_function(1);\n";

    [Theory]
    [InlineData(0)]
    [InlineData(Statements / 2)]
    [InlineData(Statements - 1)]
    public async Task A_failing_statement_anywhere_in_a_long_file_is_named_by_file_line_statement_and_SQLSTATE(int brokenAt)
    {
        await using var db = await TestDatabase.CreateAsync();
        var sql = new StringBuilder("-- schemamigrate:allow opaque-statement the broken statement calls a function\n");
        for (int i = 0; i < Statements; i++)
            sql.Append(i == brokenAt ? Broken : $"CREATE TABLE t_{i} (id int);\n");
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);\n").Add("002_long.sql", sql.ToString());

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.SqlApplyFailed.ExitCode, run.ExitCode);
        var result = run.Result;
        Assert.Equal("SQL_APPLY_FAILED", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_long.sql", result.GetProperty("file").GetString());
        // The waiver and every statement before it take one line each; the error's position is on the broken statement's second line.
        Assert.Equal(brokenAt + 3, result.GetProperty("line").GetInt32());
        Assert.Equal("42883", result.GetProperty("sqlState").GetString());
        Assert.Equal("SELECT 1 AS ok,\n       no_such_function(1)", result.GetProperty("statement").GetString());
        Assert.StartsWith($"002_long.sql:{brokenAt + 3}: 42883 function no_such_function(integer) does not exist", result.GetProperty("reason").GetString());
        Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.True(await db.TableExistsAsync("first_done"));
        Assert.False(await db.TableExistsAsync("t_0"));
        Assert.False(await db.TableExistsAsync($"t_{Statements - 1}"));
    }

    [Fact]
    public async Task A_failing_journal_insert_names_the_file_and_the_insert_and_rolls_the_file_back()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);\n");
        var first = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(first.ExitCode == 0, first.Output);
        await db.ExecuteAsync("ALTER TABLE schema_migrations ADD CONSTRAINT no_second CHECK (id <> '002_second.sql')");
        folder.Add("002_second.sql", "CREATE TABLE second_done (id int);\nINSERT INTO second_done VALUES (1);\n");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.JournalAccessFailed.ExitCode, run.ExitCode);
        var result = run.Result;
        Assert.Equal("JOURNAL_ACCESS_FAILED", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_second.sql", result.GetProperty("file").GetString());
        Assert.Equal("23514", result.GetProperty("sqlState").GetString());
        Assert.StartsWith("INSERT INTO public.schema_migrations (id, checksum, applied_at)", result.GetProperty("statement").GetString());
        var reason = result.GetProperty("reason").GetString()!;
        Assert.Contains("every statement of 002_second.sql ran, but resetting the session and recording it in public.schema_migrations failed: 23514", reason);
        Assert.EndsWith("its transaction was rolled back, so nothing of it is applied or recorded", reason);
        Assert.False(await db.TableExistsAsync("second_done"));
        Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task A_run_that_loses_the_migration_lock_during_a_file_refuses_to_commit_it()
    {
        await using var db = await TestDatabase.CreateAsync();
        // The file itself ends the session that holds the lock (waiting until it is gone), as a DBA's
        // pg_terminate_backend or a dropped connection would while the file runs.
        using var folder = new MigrationFolder().Add("001_loses_lock.sql",
            """
            -- schemamigrate:allow opaque-statement the test's stand-in for a DBA ending the lock's session
            CREATE TABLE unprotected (id int);
            SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
            """).Add("002_after.sql", "CREATE TABLE after_lost_lock (id int);\n");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.ConnectionLost.ExitCode, run.ExitCode);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        Assert.Equal("001_loses_lock.sql", result.GetProperty("file").GetString());
        Assert.StartsWith("the migration lock is no longer held by this run, so 001_loses_lock.sql was not committed", result.GetProperty("reason").GetString());
        Assert.False(await db.TableExistsAsync("unprotected"));
        Assert.False(await db.TableExistsAsync("after_lost_lock"));
        Assert.Empty(await db.JournalAsync());
    }

    [Fact]
    public async Task A_run_that_loses_the_migration_lock_before_a_no_transaction_files_journal_row_refuses_to_record_it()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);\n");
        var first = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(first.ExitCode == 0, first.Output);
        // The journal insert itself ends the session that holds the lock (waiting until it is gone), after every
        // statement of the file ran: the lock is lost between its last statement and its journal row.
        await db.ExecuteAsync(
            """
            CREATE FUNCTION lose_lock() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              PERFORM pg_terminate_backend(pid, 10000) FROM pg_locks
              WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
              RETURN NEW;
            END $f$;
            CREATE TRIGGER lose_lock BEFORE INSERT ON schema_migrations FOR EACH ROW WHEN (NEW.id = '002_nt.sql') EXECUTE FUNCTION lose_lock();
            """);
        folder.Add("002_nt.sql", "-- schemamigrate:no-transaction\nCREATE TABLE nt_a (id int);\nCREATE TABLE nt_b (id int);\n");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == ReasonCodes.ConnectionLost.ExitCode, run.Output);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_nt.sql", result.GetProperty("file").GetString());
        Assert.StartsWith("the migration lock is no longer held by this run, so 002_nt.sql was not recorded", result.GetProperty("reason").GetString());
        Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(2, await db.ScalarAsync<int>("SELECT done FROM schemamigrate_progress WHERE id = '002_nt.sql'"));

        await db.ExecuteAsync("DROP TRIGGER lose_lock ON schema_migrations");
        // CREATE TABLE nt_a would fail if run again: the rerun only records the file.
        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal(["001_first.sql", "002_nt.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM schemamigrate_progress"));
        Assert.True(await db.TableExistsAsync("nt_b"));
    }
}
