using System.Diagnostics;
using Npgsql;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>Busy tables, terminated backends and stop signals while a migration runs.</summary>
public class FaultTests
{
    private const string SlowMigration = "CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\nSELECT pg_sleep(60);\n";

    [Fact]
    public async Task A_locked_table_makes_up_fail_with_LOCK_TIMEOUT_naming_the_relation_and_blocker_after_visible_retries()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE TABLE busy (id int)");
        using var folder = new MigrationFolder().Add("001_add_note.sql", "CREATE TABLE side_effect (id int);\nALTER TABLE busy ADD COLUMN note text;\n");
        await using var holder = await HoldLockAsync(db, "LOCK TABLE busy IN ACCESS SHARE MODE");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--lock-timeout", "300ms", "--lock-retries", "2", "--json");
        var text = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--lock-timeout", "200ms", "--lock-retries", "0");

        Assert.Equal(ReasonCodes.LockTimeout.ExitCode, run.ExitCode);
        var result = run.Result;
        Assert.Equal("LOCK_TIMEOUT", result.GetProperty("reasonCode").GetString());
        Assert.Equal(2, result.GetProperty("line").GetInt32());
        Assert.Equal("55P03", result.GetProperty("sqlState").GetString());
        var reason = result.GetProperty("reason").GetString()!;
        Assert.Contains($"AccessExclusiveLock on public.busy, blocked by pid {holder.ProcessID} (lock-holder, idle in transaction", reason);
        Assert.Contains("still blocked after 2 retries", reason);
        var retries = run.EventsOf("migration.retrying");
        Assert.Equal([1, 2], retries.Select(r => r.GetProperty("attempt").GetInt32()));
        Assert.All(retries, r => Assert.Contains("public.busy", r.GetProperty("reason").GetString()));
        Assert.Contains("error LOCK_TIMEOUT: 001_add_note.sql:2: 55P03 canceling statement due to lock timeout (waiting for AccessExclusiveLock on public.busy", text.Stderr);
        Assert.False(await db.TableExistsAsync("side_effect"));
        Assert.Empty(await db.JournalAsync());
        Assert.DoesNotContain(db.Password, run.Output + text.Output);
    }

    [Fact]
    public async Task A_retry_succeeds_once_the_blocking_session_lets_go()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE TABLE busy (id int)");
        using var folder = new MigrationFolder().Add("001_add_note.sql", "ALTER TABLE busy ADD COLUMN note text;");
        await using var holder = await HoldLockAsync(db, "LOCK TABLE busy IN ACCESS SHARE MODE");

        using var runner = RunnerProcess.Start(Env(db, folder), "--lock-timeout", "200ms", "--lock-retries", "5", "--json");
        var stdout = new List<string>();
        while (await runner.StandardOutput.ReadLineAsync() is { } line)
        {
            stdout.Add(line);
            if (line.Contains("\"migration.retrying\"")) break;
        }
        await using (var commit = new NpgsqlCommand("COMMIT", holder)) await commit.ExecuteNonQueryAsync();
        stdout.Add(await runner.StandardOutput.ReadToEndAsync());
        await runner.WaitForExitAsync();

        Assert.True(runner.ExitCode == 0, string.Join("\n", stdout));
        Assert.Contains(stdout, l => l.Contains("\"migration.retrying\""));
        Assert.Equal(["001_add_note.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task A_backend_terminated_mid_migration_gives_CONNECTION_LOST_and_leaves_no_partial_state()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);").Add("002_slow.sql", SlowMigration);

        using var runner = RunnerProcess.Start(Env(db, folder), "--json");
        var stdout = runner.StandardOutput.ReadToEndAsync();
        var pid = await SleepingBackendAsync(db);
        await db.ExecuteAsync($"SELECT pg_terminate_backend({pid})");
        await runner.WaitForExitAsync();
        var run = new RunnerRun(runner.ExitCode, await stdout, await runner.StandardError.ReadToEndAsync());

        Assert.Equal(ReasonCodes.ConnectionLost.ExitCode, run.ExitCode);
        var result = run.Result;
        Assert.Equal("CONNECTION_LOST", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_slow.sql", result.GetProperty("file").GetString());
        Assert.Equal(3, result.GetProperty("line").GetInt32());
        Assert.Equal("57P01", result.GetProperty("sqlState").GetString());
        Assert.Contains("terminating connection due to administrator command; its transaction was rolled back, so nothing of it is applied or recorded",
            result.GetProperty("reason").GetString());
        Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.True(await db.TableExistsAsync("first_done"));
        Assert.False(await db.TableExistsAsync("half_done"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
        Assert.DoesNotContain(db.Password, run.Output);
    }

    [Fact]
    public async Task SIGTERM_mid_migration_rolls_it_back_reports_CANCELLED_and_releases_the_lock()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_slow.sql", SlowMigration);

        using var runner = RunnerProcess.Start(Env(db, folder));
        var stdout = runner.StandardOutput.ReadToEndAsync();
        await SleepingBackendAsync(db);
        using (var kill = Process.Start("kill", ["-TERM", runner.Id.ToString()])) await kill.WaitForExitAsync();
        await runner.WaitForExitAsync();

        Assert.Equal(ReasonCodes.Cancelled.ExitCode, runner.ExitCode);
        Assert.Contains("result: failed reasonCode=CANCELLED", await stdout);
        Assert.Contains("cancelled while applying 001_slow.sql; its transaction was rolled back", await runner.StandardError.ReadToEndAsync());
        Assert.False(await db.TableExistsAsync("half_done"));
        Assert.Empty(await db.JournalAsync());
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
    }

    [Fact]
    public async Task No_password_appears_in_text_or_json_output_even_when_the_failing_statement_contains_one()
    {
        await using var db = await TestDatabase.CreateAsync();
        var runnerPassword = "Runner-Pw-" + Guid.NewGuid().ToString("N")[..10];
        const string literalPassword = "Literal-Pw-7781";
        var role = "runner_" + Guid.NewGuid().ToString("N")[..8];
        await db.ExecuteAsync($"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{runnerPassword}'");
        using var folder = new MigrationFolder().Add("001_reader.sql", $"CREATE ROLE app_reader LOGIN PASSWORD '{literalPassword}' IN ROLE no_such_group;");
        var uri = $"postgres://{role}:{runnerPassword}@127.0.0.1:{new NpgsqlConnectionStringBuilder(db.ConnectionString).Port}/{db.Name}";

        var runs = new[]
        {
            await RunnerProcess.RunAsync(db.As(role, runnerPassword), folder.Path),
            await RunnerProcess.RunAsync(uri, folder.Path, "--json"),
            await RunnerProcess.RunAsync(uri, folder.Path, "plan"),
            await RunnerProcess.RunAsync(db.As(role, runnerPassword), folder.Path, "status", "--json"),
        };

        Assert.Equal(ReasonCodes.SqlApplyFailed.ExitCode, runs[0].ExitCode);
        Assert.Contains("statement: CREATE ROLE app_reader LOGIN PASSWORD '***' IN ROLE no_such_group", runs[0].Stderr);
        Assert.Equal("CREATE ROLE app_reader LOGIN PASSWORD '***' IN ROLE no_such_group", runs[1].Result.GetProperty("statement").GetString());
        foreach (var run in runs)
        {
            Assert.DoesNotContain(runnerPassword, run.Output);
            Assert.DoesNotContain(literalPassword, run.Output);
        }
    }

    private static Dictionary<string, string?> Env(TestDatabase db, MigrationFolder folder) =>
        new() { ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path };

    /// <summary>The pid of the runner's backend once it sits in pg_sleep.</summary>
    private static async Task<int> SleepingBackendAsync(TestDatabase db)
    {
        var query = $"SELECT coalesce((SELECT pid FROM pg_stat_activity WHERE datname = '{db.Name}' AND state = 'active' AND query LIKE 'SELECT pg_sleep(60)%'), 0)";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var pid = await db.ScalarAsync<int>(query);
            if (pid != 0) return pid;
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>An open transaction holding a table lock, as a report or a long transaction would.</summary>
    private static async Task<NpgsqlConnection> HoldLockAsync(TestDatabase db, string lockStatement)
    {
        var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = "lock-holder" }.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"BEGIN; {lockStatement}", conn);
        await cmd.ExecuteNonQueryAsync();
        return conn;
    }
}
