using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>-- schemamigrate:no-transaction files: statement by statement in autocommit, resumable after a failure.</summary>
public class NoTransactionTests
{
    private const string Tables = "CREATE TABLE items (a int, b int);\nINSERT INTO items SELECT g, g FROM generate_series(1, 1000) g;\nCREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE moods (m mood);\n";

    [Fact]
    public async Task CREATE_INDEX_CONCURRENTLY_and_ALTER_TYPE_ADD_VALUE_run_under_the_directive_one_statement_at_a_time()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_tables.sql", Tables)
            .Add("002_indexes.sql", "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY items_a_idx ON items (a);\nCREATE INDEX CONCURRENTLY items_b_idx ON items (b);\nALTER TYPE mood ADD VALUE 'happy';\n")
            .Add("003_use_value.sql", "INSERT INTO moods VALUES ('happy');");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([(1, 2), (2, 3), (3, 4)], run.EventsOf("statement.applied").Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("line").GetInt32())));
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid::regclass::text IN ('items_a_idx', 'items_b_idx')"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM moods WHERE m = 'happy'"));
        Assert.Equal(3, (await db.JournalAsync()).Count);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM schemamigrate_progress"));
    }

    [Theory]
    [InlineData("CREATE TABLE extra (id int);\nCREATE INDEX CONCURRENTLY items_a_idx ON items (a);\n", "CREATE INDEX CONCURRENTLY cannot run inside a transaction block")]
    [InlineData("\nVACUUM items;\n", "VACUUM cannot run inside a transaction block")]
    public async Task Without_the_directive_the_file_is_refused_before_anything_runs_naming_file_line_and_fix(string sql, string message)
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_tables.sql", Tables).Add("002_change.sql", sql);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

        Assert.Equal(ReasonCodes.MigrationInvalid.ExitCode, run.ExitCode);
        Assert.Contains($"error MIGRATION_INVALID: 002_change.sql:2: {message}", run.Stderr);
        Assert.Contains("next step: Move the statement to a migration file of its own that starts with '-- schemamigrate:no-transaction'", run.Stderr);
        Assert.Contains("result: failed reasonCode=MIGRATION_INVALID exitCode=4 at=002_change.sql:2", run.Stdout);
        Assert.False(await db.TableExistsAsync("items")); // not even the valid 001 ran
        Assert.False(await db.TableExistsAsync("schema_migrations")); // nor was the journal created

        var plan = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan");
        Assert.Equal(ReasonCodes.MigrationInvalid.ExitCode, plan.ExitCode);
    }

    [Fact]
    public async Task A_failed_no_transaction_file_reports_what_ran_and_the_INVALID_index_and_resumes_once_resolved()
    {
        await using var db = await TestDatabase.CreateAsync();
        const string indexes = "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY things_a_idx ON things (a);\nCREATE UNIQUE INDEX CONCURRENTLY things_b_key ON things (b);\nCREATE INDEX CONCURRENTLY things_c_idx ON things (c);\n";
        using var folder = new MigrationFolder()
            .Add("001_things.sql", "CREATE TABLE things (a int, b int, c int);\nINSERT INTO things VALUES (1, 1, 1), (2, 1, 2);\n")
            .Add("002_indexes.sql", indexes)
            .Add("003_after.sql", "CREATE TABLE after_indexes (id int);");

        // 1. Statement 2 fails on duplicate data, after building an index that is now INVALID.
        var failed = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.Equal(ReasonCodes.SqlApplyFailed.ExitCode, failed.ExitCode);
        var result = failed.Result;
        Assert.Equal(3, result.GetProperty("line").GetInt32());
        Assert.Equal("23505", result.GetProperty("sqlState").GetString());
        Assert.Contains("002_indexes.sql runs without a transaction: statement 1 of 3 ran and stays applied; statement 2 (line 3) did not complete and left INVALID index public.things_b_key",
            result.GetProperty("reason").GetString());
        Assert.Contains("DROP INDEX CONCURRENTLY IF EXISTS public.things_b_key;", result.GetProperty("nextStep").GetString());
        Assert.Contains("resumes 002_indexes.sql at statement 2", result.GetProperty("nextStep").GetString());
        Assert.False(await db.ScalarAsync<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'things_b_key'::regclass"));
        Assert.False(await db.TableExistsAsync("after_indexes"));

        var status = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "status", "--json");
        var row = status.EventsOf("status").Single(s => s.GetProperty("id").GetString() == "002_indexes.sql");
        Assert.Equal("Incomplete", row.GetProperty("state").GetString());
        Assert.Contains("statement 1 of 3 ran", row.GetProperty("warnings")[0].GetString());

        // 2. A rerun refuses while the INVALID index is there (IF NOT EXISTS would silently keep it).
        var blocked = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.Equal(ReasonCodes.IncompleteMigration.ExitCode, blocked.ExitCode);
        Assert.Contains("left INVALID index public.things_b_key", blocked.Result.GetProperty("reason").GetString());

        // 3. Statements that already ran may not change.
        folder.Add("002_indexes.sql", indexes.Replace("things_a_idx ON things (a)", "things_a_idx ON things (a, b)"));
        var edited = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.Equal(ReasonCodes.IncompleteMigration.ExitCode, edited.ExitCode);
        Assert.Contains("statement 1 of 002_indexes.sql already ran in an earlier run, but the file no longer has it as it was", edited.Result.GetProperty("reason").GetString());
        folder.Add("002_indexes.sql", indexes);

        // 4. Once the data and the leftover are fixed, the rerun resumes at statement 2 (statement 1 would fail if it ran again).
        await db.ExecuteAsync("UPDATE things SET b = 2 WHERE a = 2");
        await db.ExecuteAsync("DROP INDEX CONCURRENTLY things_b_key");
        var resumed = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Equal(2, resumed.EventsOf("migration.resuming").Single().GetProperty("statement").GetInt32());
        Assert.Equal([2, 3], resumed.EventsOf("statement.applied").Select(e => e.GetProperty("index").GetInt32()));
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_index WHERE indisvalid AND indrelid = 'things'::regclass"));
        Assert.Equal(["001_things.sql", "002_indexes.sql", "003_after.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM schemamigrate_progress"));
    }

    [Fact]
    public async Task A_no_transaction_file_runs_its_own_transactions_as_psql_does_and_a_transactional_file_still_refuses_them()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_items.sql", "CREATE TABLE items (id int PRIMARY KEY, n int);\nINSERT INTO items SELECT g, 0 FROM generate_series(1, 10) g;\n")
            .Add("002_batches.sql", "-- schemamigrate:no-transaction\nBEGIN;\nUPDATE items SET n = 1 WHERE id <= 5;\nCOMMIT AND CHAIN;\nUPDATE items SET n = 2 WHERE id > 5;\nCOMMIT;\nCREATE INDEX CONCURRENTLY items_n ON items (n);\n");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([false, false, true, false, true, true], run.EventsOf("statement.applied").Select(e => e.GetProperty("committed").GetBoolean()));
        Assert.Equal([5L, 5L], (await db.RowsAsync("SELECT count(*) FROM items GROUP BY n ORDER BY n")).Select(r => (long)r[0]!));
        Assert.Equal(2, (await db.JournalAsync()).Count);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM schemamigrate_progress"));

        folder.Add("003_chained.sql", "UPDATE items SET n = 3;\nCOMMIT AND CHAIN;\nUPDATE items SET n = 4;\n");
        var refused = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.Equal(ReasonCodes.MigrationInvalid.ExitCode, refused.ExitCode);
        Assert.Contains("error MIGRATION_INVALID: 003_chained.sql:2: 'COMMIT AND CHAIN' is transaction control", refused.Stderr);
    }

    [Fact]
    public async Task A_failure_inside_the_files_own_transaction_rolls_it_back_and_the_rerun_starts_again_at_its_BEGIN_in_the_same_mode()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_log.sql", "CREATE TABLE log (at serial, v text);")
            .Add("002_chain.sql", "-- schemamigrate:no-transaction\n-- schemamigrate:allow backfilling-existing-rows copies the test's rows\nBEGIN ISOLATION LEVEL SERIALIZABLE;\nINSERT INTO log (v) VALUES ('first');\nCOMMIT AND CHAIN;\n"
                                  + "INSERT INTO log (v) VALUES (current_setting('transaction_isolation'));\nINSERT INTO log (v) SELECT v FROM source;\nCOMMIT;\n");

        var failed = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.SqlApplyFailed.ExitCode, failed.ExitCode);
        Assert.Equal(7, failed.Result.GetProperty("line").GetInt32());
        Assert.Contains("statements 1-3 of 6 ran and stay applied", failed.Result.GetProperty("reason").GetString()); // up to the COMMIT AND CHAIN
        Assert.Contains("statement 5 (line 7) failed in the file's own transaction (opened at line 3), which was rolled back with statements 4-5", failed.Result.GetProperty("reason").GetString());
        Assert.Contains("resumes 002_chain.sql at statement 4", failed.Result.GetProperty("nextStep").GetString());
        Assert.Equal(["first"], (await db.RowsAsync("SELECT v FROM log ORDER BY at")).Select(r => (string)r[0]!));

        await db.ExecuteAsync("CREATE TABLE source (v text); INSERT INTO source VALUES ('third')");
        var resumed = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Equal(4, resumed.EventsOf("migration.resuming").Single().GetProperty("statement").GetInt32());
        Assert.Equal(["first", "serializable", "third"], (await db.RowsAsync("SELECT v FROM log ORDER BY at")).Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task A_runner_killed_inside_the_files_own_transaction_resumes_at_its_BEGIN_and_applies_nothing_twice()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_log.sql", "CREATE TABLE log (v int);")
            .Add("002_blocks.sql", "-- schemamigrate:no-transaction\nBEGIN;\nINSERT INTO log VALUES (1);\nCOMMIT;\nBEGIN;\nINSERT INTO log VALUES (2);\nSELECT pg_sleep(2);\n"
                                   + "INSERT INTO log VALUES (3);\nCOMMIT;\nINSERT INTO log VALUES (4);\n");

        using (var runner = RunnerProcess.Start(new Dictionary<string, string?> { ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path }))
        {
            while (await runner.StandardOutput.ReadLineAsync() is { } line)
                if (line.Contains("statement 5/9")) break; // INSERT 2 ran; pg_sleep runs now, inside the second transaction
            runner.Kill(entireProcessTree: true);
            await runner.WaitForExitAsync();
        }
        Assert.Equal(3, await db.ScalarAsync<int>("SELECT done FROM schemamigrate_progress WHERE id = '002_blocks.sql'"));

        var resumed = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Equal(4, resumed.EventsOf("migration.resuming").Single().GetProperty("statement").GetInt32());
        Assert.Equal([1, 2, 3, 4], (await db.RowsAsync("SELECT v FROM log ORDER BY v")).Select(r => (int)r[0]!));
        Assert.Equal(2, (await db.JournalAsync()).Count);
    }

    [Fact]
    public async Task ALTER_TYPE_ADD_VALUE_runs_in_a_transactional_file_and_using_the_new_label_there_explains_the_split()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_mood.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE moods (m mood);\n")
            .Add("002_happy.sql", "ALTER TYPE mood ADD VALUE 'happy';\nCOMMENT ON TYPE mood IS 'how it feels';\n")
            .Add("003_glad.sql", "ALTER TYPE mood ADD VALUE 'glad';\n\nINSERT INTO moods VALUES ('glad');\n");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.SqlApplyFailed.ExitCode, run.ExitCode);
        Assert.Equal(["001_mood.sql", "002_happy.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.Equal("55P04", run.Result.GetProperty("sqlState").GetString());
        Assert.Equal(3, run.Result.GetProperty("line").GetInt32());
        Assert.Contains("Split the file: keep the ALTER TYPE ... ADD VALUE (line 1) in this one and move the statements that use the new label to the next file",
            run.Result.GetProperty("nextStep").GetString());
        Assert.Equal(["sad", "ok", "happy"], (await db.RowsAsync("SELECT unnest(enum_range(NULL::mood))::text")).Select(r => (string)r[0]!));
    }
}
