using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Resilience;

/// <summary>
/// Faults injected while the built MigrateRunner works against a real server: a restart, a connection cut at COMMIT,
/// the lock session killed, stop signals during a no-transaction file. After each: the output names what happened,
/// journal and schema agree, and a rerun finishes. A slow statement sleeps only until <c>go</c> has a row, so the rerun
/// is quick.
/// </summary>
public sealed class FaultInjectionTests
{
    private const string Flag = "000_flag.sql";
    private const string FlagSql = "CREATE TABLE go (id int);\n";
    private const string Sleep = "SELECT pg_sleep(CASE WHEN EXISTS (SELECT FROM go) THEN 0 ELSE 60 END);";

    [Theory]
    [InlineData("fast")]
    [InlineData("immediate")]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task A_server_restart_mid_migration_is_CONNECTION_LOST_with_nothing_half_done_and_a_rerun_finishes(string mode)
    {
        await using var cluster = await TemporaryPostgres.StartAsync();
        var conn = new NpgsqlConnectionStringBuilder(await cluster.CreateDatabaseAsync("restart")) { Pooling = false }.ConnectionString;
        // The harness's clusters run with synchronous_commit off, which an immediate shutdown (a crash) may lose commits to.
        await ExecuteAsync(conn, "ALTER DATABASE restart SET synchronous_commit = on");
        using var folder = new MigrationFolder().Add(Flag, FlagSql).Add("001_first.sql", "CREATE TABLE first_done (id int);")
            .Add("002_slow.sql", $"CREATE TABLE half_done (id int);\n{Sleep}\n");

        using var runner = RunnerProcess.Start(Env(conn, folder), "--json");
        var output = Collect(runner);
        await SleepingBackendAsync(conn);
        await PgCtlAsync(cluster, "-m", mode, "-w", "-t", "60", "restart");
        var run = await output;

        Assert.True(run.ExitCode == ReasonCodes.ConnectionLost.ExitCode, run.Output);
        Assert.Equal("CONNECTION_LOST", run.Result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_slow.sql", run.Result.GetProperty("file").GetString());
        Assert.Contains("nothing of it is applied or recorded", run.Result.GetProperty("reason").GetString());
        Assert.Equal([Flag, "001_first.sql"], await JournalAsync(conn));
        Assert.False(await ExistsAsync(conn, "half_done"));

        await ExecuteAsync(conn, "INSERT INTO go VALUES (1)");
        var rerun = await RunnerProcess.RunAsync(conn, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal([Flag, "001_first.sql", "002_slow.sql"], await JournalAsync(conn));
        Assert.True(await ExistsAsync(conn, "half_done"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task A_connection_cut_at_COMMIT_reports_what_the_journal_says_happened_and_a_rerun_finishes(bool serverCommitted)
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);")
            .Add("002_cut.sql", "CREATE TABLE commit_cut_marker (id int);\nINSERT INTO commit_cut_marker VALUES (1);\n");
        await using var proxy = new CommitCutProxy(new NpgsqlConnectionStringBuilder(db.ConnectionString).Port, "commit_cut_marker", serverCommitted);
        var viaProxy = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Port = proxy.Port }.ConnectionString;

        var run = await RunnerProcess.RunAsync(viaProxy, folder.Path, "--json");

        Assert.True(proxy.Cut, run.Output);
        Assert.True(run.ExitCode == ReasonCodes.ConnectionLost.ExitCode, run.Output);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_cut.sql", result.GetProperty("file").GetString());
        var reason = result.GetProperty("reason").GetString()!;
        Assert.True(reason.Contains("connection was lost during COMMIT"), run.Output);
        if (serverCommitted)
        {
            Assert.Contains("the journal shows it committed: 002_cut.sql is applied and recorded", reason);
            Assert.Equal(["001_first.sql", "002_cut.sql"], (await db.JournalAsync()).Select(j => j.Id));
            Assert.True(await db.TableExistsAsync("commit_cut_marker"));
        }
        else
        {
            Assert.Contains("the journal shows no row for it: the COMMIT did not take effect, so nothing of it is applied or recorded", reason);
            Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
            Assert.False(await db.TableExistsAsync("commit_cut_marker"));
        }
        Assert.DoesNotContain(db.Password, run.Output);

        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal(serverCommitted ? 0 : 1, rerun.Result.GetProperty("applied").GetInt32());
        Assert.Equal(["001_first.sql", "002_cut.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM commit_cut_marker"));
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task A_session_terminated_in_its_COMMIT_is_not_reported_rolled_back_but_read_from_the_journal()
    {
        await using var db = await TestDatabase.CreateAsync();
        // A deferred trigger ends its own backend while COMMIT runs it: 57P01 arrives as COMMIT's own error, as it
        // does when a session waiting at COMMIT for a synchronous standby is terminated after committing locally.
        using var folder = new MigrationFolder().Add(Flag, FlagSql).Add("001_dies.sql",
            """
            -- schemamigrate:allow opaque-statement the test's stand-in for a session terminated during its COMMIT
            CREATE TABLE dies (id int);
            CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              IF NOT EXISTS (SELECT FROM go) THEN
                PERFORM pg_terminate_backend(pg_backend_pid());
                PERFORM pg_sleep(5);
              END IF;
              RETURN NULL;
            END $f$;
            CREATE CONSTRAINT TRIGGER die AFTER INSERT ON dies DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die();
            INSERT INTO dies VALUES (1);
            """);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == ReasonCodes.ConnectionLost.ExitCode, run.Output);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        Assert.Equal("001_dies.sql", result.GetProperty("file").GetString());
        var reason = result.GetProperty("reason").GetString()!;
        Assert.True(reason.StartsWith("the connection was lost during COMMIT of 001_dies.sql") && reason.Contains("57P01"), run.Output);
        Assert.Contains("the journal shows no row for it: the COMMIT did not take effect, so nothing of it is applied or recorded", reason);
        Assert.Equal([Flag], (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await db.TableExistsAsync("dies"));

        await db.ExecuteAsync("INSERT INTO go VALUES (1)");
        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal([Flag, "001_dies.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM dies"));
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task A_connection_cut_at_COMMIT_after_the_lock_session_broke_is_CONNECTION_LOST_read_on_a_new_session()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);")
            .Add("002_cut.sql", "CREATE TABLE commit_cut_marker (id int);\nINSERT INTO commit_cut_marker VALUES (1);\n");
        // The lock's session is cut first and the lock watcher sees it break, so Npgsql has closed it by the time the
        // runner asks the journal what became of the COMMIT: that question goes to a new session.
        await using var proxy = new CommitCutProxy(new NpgsqlConnectionStringBuilder(db.ConnectionString).Port, "commit_cut_marker", deliverCommit: false, cutOthersFirst: true);
        var viaProxy = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Port = proxy.Port }.ConnectionString;

        var run = await RunnerProcess.RunAsync(viaProxy, folder.Path, "--json");

        Assert.True(proxy.Cut, run.Output);
        Assert.True(run.ExitCode == ReasonCodes.ConnectionLost.ExitCode, run.Output);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_cut.sql", result.GetProperty("file").GetString());
        Assert.Contains("the journal shows no row for it: the COMMIT did not take effect, so nothing of it is applied or recorded", result.GetProperty("reason").GetString());
        Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await db.TableExistsAsync("commit_cut_marker"));
        Assert.DoesNotContain(db.Password, run.Output);

        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal(["001_first.sql", "002_cut.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task The_lock_session_killed_while_a_migration_runs_stops_the_run_before_the_next_file_and_a_rerun_finishes()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add(Flag, FlagSql)
            .Add("001_slow.sql", $"CREATE TABLE slow_done (id int);\nSELECT pg_sleep(CASE WHEN EXISTS (SELECT FROM go) THEN 0 ELSE 3 END);\n")
            .Add("002_next.sql", "CREATE TABLE next_done (id int);");

        using var runner = RunnerProcess.Start(Env(db.ConnectionString, folder), "--json");
        var output = Collect(runner);
        await SleepingBackendAsync(db.ConnectionString);
        var holder = await db.ScalarAsync<int>($"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = '{db.Name}')");
        await db.ExecuteAsync($"SELECT pg_terminate_backend({holder})");
        var run = await output;

        Assert.True(run.ExitCode != 0, run.Output);
        var result = run.Result;
        Assert.Contains("lock", result.GetProperty("reason").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual("UNEXPECTED_ERROR", result.GetProperty("reasonCode").GetString());
        Assert.DoesNotContain("002_next.sql", (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await db.TableExistsAsync("next_done"));
        Assert.Equal(await db.TableExistsAsync("slow_done"), (await db.JournalAsync()).Any(j => j.Id == "001_slow.sql"));

        await db.ExecuteAsync("INSERT INTO go VALUES (1)");
        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal([Flag, "001_slow.sql", "002_next.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task The_lock_session_gone_when_a_no_transaction_statement_fails_reports_that_statement_and_a_rerun_resumes_at_it()
    {
        await using var db = await TestDatabase.CreateAsync();
        // The failing statement first ends the session holding the lock and waits until the lock watcher has seen it
        // break (Npgsql then closes it): the bookkeeping after the failure finds no lock session.
        using var folder = new MigrationFolder().Add(Flag, FlagSql).Add("001_tables.sql",
            """
            -- schemamigrate:no-transaction
            -- schemamigrate:allow opaque-statement the test's stand-in for a DBA ending the lock's session as a statement fails
            CREATE TABLE nt_first (id int);
            DO $d$ BEGIN
              IF NOT EXISTS (SELECT FROM go) THEN
                PERFORM pg_terminate_backend(pid, 10000) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
                PERFORM pg_sleep(1);
                RAISE EXCEPTION 'failed after the lock session went';
              END IF;
            END $d$;
            CREATE TABLE nt_last (id int);
            """);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == ReasonCodes.SqlApplyFailed.ExitCode, run.Output);
        var result = run.Result;
        Assert.Equal("SQL_APPLY_FAILED", result.GetProperty("reasonCode").GetString());
        Assert.Equal("001_tables.sql", result.GetProperty("file").GetString());
        Assert.Equal(4, result.GetProperty("line").GetInt32());
        Assert.Contains("failed after the lock session went", result.GetProperty("reason").GetString());
        Assert.True(await db.TableExistsAsync("nt_first"));
        Assert.False(await db.TableExistsAsync("nt_last"));
        Assert.Equal([Flag], (await db.JournalAsync()).Select(j => j.Id));

        await db.ExecuteAsync("INSERT INTO go VALUES (1)");
        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Contains("resum", rerun.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([Flag, "001_tables.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.True(await db.TableExistsAsync("nt_last"));
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task A_session_terminated_in_the_COMMIT_of_a_no_transaction_files_own_transaction_leaves_the_outcome_to_the_progress_row()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add(Flag, FlagSql).Add("001_own.sql",
            """
            -- schemamigrate:no-transaction
            -- schemamigrate:allow opaque-statement the test's stand-in for a session terminated during its COMMIT
            -- schemamigrate:allow backfilling-existing-rows fills the test's own new table
            CREATE TABLE nt_dies (id int);
            CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              IF NOT EXISTS (SELECT FROM go) THEN
                PERFORM pg_terminate_backend(pg_backend_pid());
                PERFORM pg_sleep(5);
              END IF;
              RETURN NULL;
            END $f$;
            CREATE CONSTRAINT TRIGGER die AFTER INSERT ON nt_dies DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die();
            BEGIN;
            INSERT INTO nt_dies VALUES (1);
            COMMIT;
            """);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == ReasonCodes.ConnectionLost.ExitCode, run.Output);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        var reason = result.GetProperty("reason").GetString()!;
        Assert.True(reason.Contains("the connection was lost during the COMMIT (line 16) of the file's own transaction (opened at line 14), so whether statements 4-6 took effect is not known"), run.Output);
        Assert.DoesNotContain("rolled back", reason);
        Assert.Contains("at statement 4 if that transaction was rolled back, after statement 6 if it committed", result.GetProperty("nextStep").GetString());
        Assert.Equal([Flag], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM nt_dies"));

        await db.ExecuteAsync("INSERT INTO go VALUES (1)");
        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Equal([Flag, "001_own.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM nt_dies"));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("KILL")]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task A_stop_signal_during_a_no_transaction_file_keeps_what_ran_and_a_rerun_resumes_after_it(string signal)
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add(Flag, FlagSql)
            .Add("001_tables.sql", $"-- schemamigrate:no-transaction\nCREATE TABLE nt_first (id int);\n{Sleep}\nCREATE TABLE nt_last (id int);\n");

        using var runner = RunnerProcess.Start(Env(db.ConnectionString, folder), "--json");
        var output = Collect(runner);
        await SleepingBackendAsync(db.ConnectionString);
        using (var kill = Process.Start("kill", [$"-{signal}", runner.Id.ToString()])) await kill.WaitForExitAsync();
        var run = await output;

        if (signal == "TERM")
        {
            Assert.True(run.ExitCode == ReasonCodes.Cancelled.ExitCode, run.Output);
            Assert.Equal("CANCELLED", run.Result.GetProperty("reasonCode").GetString());
            Assert.Equal("001_tables.sql", run.Result.GetProperty("file").GetString());
        }
        else
        {
            Assert.Equal(137, run.ExitCode);
            // Its backend sleeps on, unaware its client is gone (it reads the socket only between statements), as a server would until the sleep ends.
            await db.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db.Name}' AND query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid()");
        }
        Assert.True(await db.TableExistsAsync("nt_first"));
        Assert.False(await db.TableExistsAsync("nt_last"));
        Assert.Equal([Flag], (await db.JournalAsync()).Select(j => j.Id));

        await db.ExecuteAsync("INSERT INTO go VALUES (1)");
        var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Contains("resum", rerun.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([Flag, "001_tables.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.True(await db.TableExistsAsync("nt_last"));
    }

    [Fact]
    [Trait(Reliability.Trait, Reliability.Fault)]
    public async Task The_data_directory_out_of_disk_fails_the_migration_whole_and_a_rerun_finishes_once_there_is_room()
    {
        await using var cluster = await TemporaryPostgres.StartAsync();
        var conn = new NpgsqlConnectionStringBuilder(await cluster.CreateDatabaseAsync("disk")) { Pooling = false }.ConnectionString;
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);")
            .Add("002_fill.sql", "CREATE TABLE filler (id int, pad text);\nINSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 60000) g;\n");
        await PgCtlAsync(cluster, "-m", "fast", "-w", "stop");
        // The data directory moves onto a tmpfs with 24 MB to spare; the fill needs about 70 MB.
        var data = cluster.DataDirectory;
        Directory.Move(data, data + ".disk");
        Directory.CreateDirectory(data);
        var size = new DirectoryInfo(data + ".disk").EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) + 24 * 1024 * 1024;
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", data);
        try
        {
            await RunAsync("cp", "-a", data + ".disk/.", data);
            await RunAsync("chown", "postgres:postgres", data);
            await PgCtlAsync(cluster, "-w", "-t", "60", "restart"); // starts it with the options it last ran with

            var run = await RunnerProcess.RunAsync(conn, folder.Path, "--json");

            Assert.True(run.ExitCode != 0, run.Output);
            var result = run.Result;
            Assert.Equal("SQL_APPLY_FAILED", result.GetProperty("reasonCode").GetString());
            Assert.Equal("002_fill.sql", result.GetProperty("file").GetString());
            Assert.Equal(2, result.GetProperty("line").GetInt32());
            Assert.Equal("53100", result.GetProperty("sqlState").GetString());
            Assert.Contains("No space left on device", result.GetProperty("reason").GetString());

            await RunAsync("mount", "-o", "remount,size=512m", data);
            if (!await AcceptsAsync(conn)) await PgCtlAsync(cluster, "-w", "-t", "60", "restart");
            Assert.Equal(["001_first.sql"], await JournalAsync(conn));
            Assert.False(await ExistsAsync(conn, "filler"));

            var rerun = await RunnerProcess.RunAsync(conn, folder.Path, "--json");
            Assert.True(rerun.ExitCode == 0, rerun.Output);
            Assert.Equal(["001_first.sql", "002_fill.sql"], await JournalAsync(conn));
            Assert.Equal(60000L, await ScalarAsync<long>(conn, "SELECT count(*) FROM filler"));
        }
        finally
        {
            await PgCtlAsync(cluster, "-m", "immediate", "-w", "stop");
            await RunAsync("umount", data);
        }
    }

    private static Dictionary<string, string?> Env(string connectionString, MigrationFolder folder) =>
        new() { ["DB_CONN"] = connectionString, ["MIGRATIONS_DIR"] = folder.Path };

    private static async Task<RunnerRun> Collect(Process runner)
    {
        var stdout = runner.StandardOutput.ReadToEndAsync();
        var stderr = runner.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await runner.WaitForExitAsync(timeout.Token);
        return new RunnerRun(runner.ExitCode, await stdout, await stderr);
    }

    /// <summary>Waits until a backend of the database sits in the slow statement's pg_sleep.</summary>
    private static async Task SleepingBackendAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await ScalarAsync<bool>(connectionString, $"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = '{database}' AND state = 'active' AND query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid())"))
            await Task.Delay(20, timeout.Token);
    }

    /// <summary>pg_ctl on the cluster, as the user that owns its data directory.</summary>
    private static Task PgCtlAsync(TemporaryPostgres cluster, params string[] args) =>
        RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Directory.GetDirectories("/usr/lib/postgresql").Order().Last(), "bin", "pg_ctl"),
            "-D", cluster.DataDirectory, "-l", Path.Combine(Path.GetDirectoryName(cluster.DataDirectory)!, "server.log"), .. args]);

    private static async Task RunAsync(string command, params string[] args)
    {
        var psi = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)}: {output}");
    }

    private static async Task<bool> AcceptsAsync(string connectionString)
    {
        try
        {
            await ScalarAsync<int>(connectionString, "SELECT 1");
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static async Task<List<string>> JournalAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT id FROM schema_migrations ORDER BY id COLLATE \"C\"", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    private static Task<bool> ExistsAsync(string connectionString, string table) => ScalarAsync<bool>(connectionString, $"SELECT to_regclass('{table}') IS NOT NULL");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
