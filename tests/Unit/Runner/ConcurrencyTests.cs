using System.Text;
using Npgsql;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>Several runners, killed runners and held locks, all as real MigrateRunner processes on a real PostgreSQL.</summary>
public class ConcurrencyTests
{
    /// <summary>000 creates a counter table; every later migration creates its own table and counts itself once.</summary>
    private static MigrationFolder CountingMigrations(int count, string work = "")
    {
        var folder = new MigrationFolder().Add("000_counter.sql", "CREATE TABLE applied_count (migration int NOT NULL);");
        for (int i = 1; i <= count; i++)
            folder.Add($"{i:000}_step.sql", $"CREATE TABLE step_{i} (id int PRIMARY KEY);\n{work}INSERT INTO applied_count VALUES ({i});\n");
        return folder;
    }

    [Fact]
    public async Task Eight_concurrent_runners_apply_each_of_200_migrations_exactly_once_and_all_succeed()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = CountingMigrations(200);

        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json")));

        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.DoesNotContain(db.Password, run.Output);
        }
        Assert.Equal(201, runs.Sum(r => r.Result.GetProperty("applied").GetInt32()));
        Assert.Equal(201, (await db.JournalAsync()).Count);
        Assert.Equal(200L, await db.ScalarAsync<long>("SELECT count(*) FROM applied_count"));
        Assert.Equal(200L, await db.ScalarAsync<long>("SELECT count(DISTINCT migration) FROM applied_count"));
        Assert.Equal(200L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'step\\_%'"));
        // Those that found the lock taken said so, and every run released it.
        Assert.Contains(runs, r => r.EventsOf("lock.waiting").Count == 1);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
    }

    [Fact]
    public async Task A_runner_killed_at_random_points_leaves_journal_and_schema_consistent_and_a_rerun_completes()
    {
        const int steps = 12;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        using var folder = CountingMigrations(steps, "SELECT pg_sleep(0.02);\n")
            .Add("006_index.sql", "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS applied_count_idx ON applied_count (migration);\nSELECT pg_sleep(0.02);\n");
        int killedMidRun = 0;

        for (int trial = 0; trial < 20; trial++)
        {
            await using var db = await TestDatabase.CreateAsync();
            using (var runner = RunnerProcess.Start(new Dictionary<string, string?> { ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path }))
            {
                await Task.Delay(random.Next(80, 700));
                if (!runner.HasExited)
                {
                    runner.Kill();
                    killedMidRun++;
                }
                await runner.WaitForExitAsync();
            }
            await AssertConsistentAsync(db, steps, $"seed {seed}, trial {trial}, after the kill");

            var rerun = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
            Assert.True(rerun.ExitCode == 0, $"seed {seed}, trial {trial}: {rerun.Output}");
            await AssertConsistentAsync(db, steps, $"seed {seed}, trial {trial}, after the rerun");
            Assert.Equal(steps + 2, (await db.JournalAsync()).Count);
            Assert.Equal((long)steps, await db.ScalarAsync<long>("SELECT count(*) FROM applied_count"));
        }
        Assert.True(killedMidRun >= 10, $"only {killedMidRun} of 20 kills landed before the runner finished (seed {seed})");
    }

    /// <summary>
    /// In one snapshot: a step's table and its counter row exist exactly when its journal row does; the
    /// no-transaction index exists only if it is recorded or its progress row says it is under way.
    /// </summary>
    private static async Task AssertConsistentAsync(TestDatabase db, int steps, string when)
    {
        await using var conn = await db.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        async Task<T> Scalar<T>(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn, tx);
            return (T)(await cmd.ExecuteScalarAsync())!;
        }
        if (!await Scalar<bool>("SELECT to_regclass('schema_migrations') IS NOT NULL")) return;
        var journal = new HashSet<string>();
        await using (var cmd = new NpgsqlCommand("SELECT id FROM schema_migrations", conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) journal.Add(reader.GetString(0));

        Assert.True(journal.Contains("000_counter.sql") == await Scalar<bool>("SELECT to_regclass('applied_count') IS NOT NULL"), when);
        for (int i = 1; i <= steps; i++)
        {
            var recorded = journal.Contains($"{i:000}_step.sql");
            Assert.True(recorded == await Scalar<bool>($"SELECT to_regclass('step_{i}') IS NOT NULL"), $"{when}: step {i} recorded={recorded} but its table disagrees");
            if (journal.Contains("000_counter.sql"))
                Assert.True((recorded ? 1L : 0L) == await Scalar<long>($"SELECT count(*) FROM applied_count WHERE migration = {i}"), $"{when}: step {i} counted wrongly");
        }
        var index = await Scalar<bool>("SELECT to_regclass('applied_count_idx') IS NOT NULL");
        var underWay = await Scalar<bool>("SELECT to_regclass('schemamigrate_progress') IS NOT NULL")
                       && await Scalar<bool>("SELECT EXISTS (SELECT 1 FROM schemamigrate_progress WHERE id = '006_index.sql')");
        if (journal.Contains("006_index.sql"))
            Assert.True(index && await Scalar<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'applied_count_idx'::regclass"), $"{when}: recorded index missing or invalid");
        else
            Assert.True(!index || underWay, $"{when}: index exists with neither a journal row nor progress");
    }

    [Fact]
    public async Task A_lock_held_past_lock_wait_fails_with_MIGRATION_LOCK_BUSY_naming_the_holder()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        await using var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = "deploy-pipeline-A" }.ConnectionString);
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLock.KeyFor("public.schema_migrations")})", holder))
            await take.ExecuteNonQueryAsync();

        var text = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--lock-wait", "1s");
        var json = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--lock-wait", "500ms", "--json");

        Assert.Equal(ReasonCodes.MigrationLockBusy.ExitCode, text.ExitCode);
        Assert.Contains($"lock     waiting up to 1s for the migration lock on public.schema_migrations, held by pid {holder.ProcessID} (application_name deploy-pipeline-A", text.Stdout);
        var reason = json.Result.GetProperty("reason").GetString()!;
        Assert.Equal("MIGRATION_LOCK_BUSY", json.Result.GetProperty("reasonCode").GetString());
        Assert.Contains($"held by pid {holder.ProcessID} (application_name deploy-pipeline-A", reason);
        Assert.Matches(@"connected since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", reason);
        Assert.False(await db.TableExistsAsync("schema_migrations")); // waited before creating anything
        foreach (var run in new[] { text, json }) Assert.DoesNotContain(db.Password, run.Output);

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", holder))
            await release.ExecuteNonQueryAsync();
        var after = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(after.ExitCode == 0, after.Output);
    }

    [Fact]
    public async Task A_runner_waiting_for_the_lock_applies_what_the_holder_left_and_nothing_twice()
    {
        await using var db = await TestDatabase.CreateAsync();
        // 002 waits for an advisory lock the test holds, so the first runner keeps the migration lock for as long as
        // the test needs, however slowly the second runner starts on a loaded machine.
        using var folder = CountingMigrations(3).Add("002_step.sql",
            "-- schemamigrate:allow opaque-statement the test holds the runner here with an advisory lock\nCREATE TABLE step_2 (id int PRIMARY KEY);\nSELECT pg_advisory_lock(4242);\nSELECT pg_advisory_unlock(4242);\nINSERT INTO applied_count VALUES (2);\n");
        await using var gate = await db.OpenAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(4242)", gate)) await hold.ExecuteNonQueryAsync();

        var first = RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--to", "002_step.sql", "--lock-timeout", "0");
        await WaitUntilAsync(db, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted)");
        var second = RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        // The second runner has tried the migration lock and failed: its session's last query is the try, and it holds no advisory lock.
        await WaitUntilAsync(db, """
            SELECT EXISTS (SELECT 1 FROM pg_stat_activity a
                           WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.query LIKE '%pg_try_advisory_lock%'
                             AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted))
            """);
        await using (var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock(4242)", gate)) await release.ExecuteNonQueryAsync();

        Assert.True((await first).ExitCode == 0, (await first).Output);
        var waited = await second;
        Assert.True(waited.ExitCode == 0, waited.Output);
        Assert.Single(waited.EventsOf("lock.waiting"));
        Assert.Equal(["003_step.sql"], waited.EventsOf("migration.applied").Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM applied_count"));
    }

    internal static async Task WaitUntilAsync(TestDatabase db, string condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await db.ScalarAsync<bool>(condition)) await Task.Delay(20, timeout.Token);
    }
}
