using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>
/// Issue 9, cases 1, 2 and 7: the journal is one schema-qualified table, the same on every run whatever a
/// migration does to the search_path; its schema and name are settings; a file that touches it is refused.
/// </summary>
public class JournalLocationTests
{
    private const string MovesRoleSearchPath =
        "CREATE SCHEMA IF NOT EXISTS app;\nCREATE TABLE IF NOT EXISTS app.events(id serial PRIMARY KEY, note text);\nALTER ROLE CURRENT_USER SET search_path = app;\n";

    [Theory]
    [InlineData(MovesRoleSearchPath)]
    [InlineData("-- schemamigrate:allow opaque-statement sets the database's search_path\nCREATE SCHEMA app;\nCREATE TABLE app.events(id serial PRIMARY KEY, note text);\nDO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app', current_database()); END $$;\n")]
    public async Task A_migration_that_moves_the_role_or_database_search_path_never_moves_the_journal(string first)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var role = await TestRole.CreateAsync(db);
        using var folder = new MigrationFolder().Add("001_app.sql", first).Add("002_seed.sql", "INSERT INTO app.events(note) VALUES ('seed');\n");

        var up = await RunnerProcess.RunAsync(role.ConnectionString, folder.Path, "--json");
        var again = await RunnerProcess.RunAsync(role.ConnectionString, folder.Path, "--json");
        var status = await RunnerProcess.RunAsync(role.ConnectionString, folder.Path, "status");

        Assert.True(up.ExitCode == 0, up.Output);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(["public.schema_migrations", "public.schema_migrations"],
            new[] { up, again }.Select(r => r.EventsOf("lock.acquired").Single().GetProperty("journal").GetString()));
        Assert.Equal(2, again.EventsOf("run.started").Single().GetProperty("applied").GetInt32());
        Assert.Empty(again.EventsOf("migration.applied"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM app.events"));
        Assert.Contains("journal: public.schema_migrations", status.Stdout);
        Assert.Contains("2 applied", status.Stdout);
        Assert.False(await db.TableExistsAsync("app.schema_migrations"));
    }

    [Fact]
    public async Task The_seed_runners_journal_is_adopted_in_the_schema_it_was_created_in_whatever_the_search_path_says_now()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_a.sql", "CREATE TABLE a (id int);").Add("002_b.sql", "CREATE TABLE b (id int);");
        await db.ExecuteAsync("CREATE SCHEMA legacy; CREATE TABLE legacy.schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL);"
                              + "CREATE TABLE a (id int);");
        var checksum = SchemaMigrate.Engine.Migrations.Checksums.Sha256Hex(File.ReadAllBytes(folder.FilePath("001_a.sql")));
        await db.ExecuteAsync($"INSERT INTO legacy.schema_migrations VALUES ('001_a.sql', '{checksum}', now())");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("legacy.schema_migrations", run.EventsOf("run.started").Single().GetProperty("journal").GetString());
        Assert.Equal(["002_b.sql"], run.EventsOf("migration.applied").Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM legacy.schema_migrations"));
        Assert.False(await db.TableExistsAsync("public.schema_migrations"));
    }

    [Fact]
    public async Task Two_journals_in_different_schemas_are_never_guessed_between()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_a.sql", "CREATE TABLE a (id int);");
        foreach (var schema in new[] { "one", "two" })
            await db.ExecuteAsync($"CREATE SCHEMA {schema}; CREATE TABLE {schema}.schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL); "
                                  + $"INSERT INTO {schema}.schema_migrations VALUES ('000_{schema}.sql', 'x', now())");

        var status = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "status");
        var up = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--journal-schema", "two");

        Assert.Equal(ReasonCodes.JournalAmbiguous.ExitCode, status.ExitCode);
        Assert.Contains("error JOURNAL_AMBIGUOUS: no journal schema is set and 2 schemas hold a journal named schema_migrations: one.schema_migrations (1 rows, newest 000_one.sql); two.schema_migrations (1 rows, newest 000_two.sql)", status.Stderr);
        Assert.Contains("next step: Set --journal-schema (default SCHEMAMIGRATE_JOURNAL_SCHEMA)", status.Stderr);
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM two.schema_migrations"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM one.schema_migrations"));
    }

    [Fact]
    public async Task Setting_a_journal_schema_over_a_journal_that_lives_elsewhere_refuses_instead_of_starting_an_empty_one()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_a.sql", "CREATE TABLE a (id int);").Add("002_b.sql", "CREATE TABLE b (id int);");
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--to", "001_a.sql")).ExitCode);

        var moved = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--journal-schema", "ops", "--json");

        Assert.Equal(ReasonCodes.JournalAmbiguous.ExitCode, moved.ExitCode);
        Assert.Contains("the journal schema is set to ops, which holds no journal named schema_migrations, but public.schema_migrations (1 rows, newest 001_a.sql) does",
            moved.Result.GetProperty("reason").GetString());
        Assert.Contains("ALTER TABLE public.schema_migrations SET SCHEMA", moved.Result.GetProperty("nextStep").GetString());
        Assert.False(await db.TableExistsAsync("b"));
        Assert.False(await db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'ops')"));
    }

    [Fact]
    public async Task Another_tools_schema_migrations_is_named_as_such_and_a_journal_table_of_our_own_is_the_way_out()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (3, false)");
        using var folder = new MigrationFolder().Add("004_next.sql", "CREATE TABLE next_table (id int);");

        var refused = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        var env = new Dictionary<string, string?> { ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path, ["SCHEMAMIGRATE_JOURNAL_TABLE"] = "schemamigrate_journal" };
        var up = await RunnerProcess.RunAsync(env, "--json");
        var status = await RunnerProcess.RunAsync(env, "status");

        Assert.Equal(ReasonCodes.JournalIncompatible.ExitCode, refused.ExitCode);
        Assert.Contains("error JOURNAL_INCOMPATIBLE: public.schema_migrations exists but is not a SchemaMigrate journal: it has version, dirty where a journal has id, checksum, applied_at (version, dirty is golang-migrate's journal)", refused.Stderr);
        Assert.Contains("set --journal-table (default SCHEMAMIGRATE_JOURNAL_TABLE), e.g. schemamigrate_journal", refused.Stderr);
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Equal("public.schemamigrate_journal", up.EventsOf("lock.acquired").Single().GetProperty("journal").GetString());
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM schemamigrate_journal WHERE id = '004_next.sql'"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM schema_migrations")); // the other tool's, untouched
        Assert.Contains("journal: public.schemamigrate_journal", status.Stdout);
    }

    [Fact]
    public async Task A_file_that_would_change_the_journal_is_refused_before_anything_runs_and_the_journal_table_setting_lets_the_folder_run()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_users.sql", "CREATE TABLE users (id int);")
            .Add("002_legacy.sql", "-- carried over from golang-migrate\nCREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);\nINSERT INTO schema_migrations VALUES (2, false);\n");

        var plan = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan");
        var up = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        foreach (var run in new[] { plan, up }) Assert.Equal(ReasonCodes.MigrationTouchesJournal.ExitCode, run.ExitCode);
        Assert.Contains("error MIGRATION_TOUCHES_JOURNAL: 002_legacy.sql:2: 'CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, ...' names schema_migrations, which the search_path may resolve to SchemaMigrate's journal public.schema_migrations", plan.Stderr);
        Assert.Equal(2, up.Result.GetProperty("line").GetInt32());
        Assert.False(await db.TableExistsAsync("users"));                  // not even 001 ran
        Assert.False(await db.TableExistsAsync("schema_migrations"));      // nor was the journal created

        var adopted = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--journal-table", "schemamigrate_journal");
        Assert.True(adopted.ExitCode == 0, adopted.Output);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM schemamigrate_journal"));
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT version FROM schema_migrations"));
    }

    [Fact]
    public async Task A_configured_journal_is_used_by_up_status_plan_and_verify_with_its_progress_table_and_lock_beside_it()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_a.sql", "CREATE TABLE a (id int);")
            .Add("002_index.sql", "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n")
            .Add("003_b.sql", "CREATE TABLE b (id int);");
        var env = new Dictionary<string, string?>
        {
            ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path,
            ["SCHEMAMIGRATE_JOURNAL_SCHEMA"] = "Ops", ["SCHEMAMIGRATE_JOURNAL_TABLE"] = "Journal",
        };

        var before = await RunnerProcess.RunAsync(env, "status");
        var up = await RunnerProcess.RunAsync(env, "--to", "002_index.sql", "--json");
        var plan = await RunnerProcess.RunAsync(env, "plan", "--json");
        var status = await RunnerProcess.RunAsync(env, "status", "--json");
        var verify = await RunnerProcess.RunAsync(env.Where(e => e.Key != "DB_CONN").ToDictionary(), "verify");

        Assert.Contains("journal: not created yet (\"Ops\".\"Journal\"; nothing applied)", before.Stdout);
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Equal("\"Ops\".\"Journal\"", up.EventsOf("lock.acquired").Single().GetProperty("journal").GetString());
        Assert.Equal(["001_a.sql", "002_index.sql"], (await db.RowsAsync("SELECT id FROM \"Ops\".\"Journal\" ORDER BY id")).Select(r => (string)r[0]!));
        Assert.True(await db.TableExistsAsync("\"Ops\".\"Journal_progress\""));
        Assert.False(await db.TableExistsAsync("schema_migrations"));
        Assert.Equal(["003_b.sql"], plan.EventsOf("plan").Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(["Applied", "Applied", "Pending"], status.EventsOf("status").Select(e => e.GetProperty("state").GetString()));
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Contains("journal: \"Ops\".\"Journal\"", verify.Stdout);
    }

    [Fact]
    public async Task A_database_search_path_naming_a_schema_the_first_file_creates_applies_as_psql_does()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync($"ALTER DATABASE {db.Name} SET search_path = app");
        using var folder = new MigrationFolder().Add("001_app.sql", "CREATE SCHEMA app;\nCREATE TABLE things (id int);\n");

        var plan = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan");
        var up = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.True(await db.TableExistsAsync("app.things"));
        Assert.Single(await db.JournalAsync());
    }

    [Fact]
    public async Task When_the_journal_cannot_be_created_plan_and_up_say_why_with_a_reason_code_not_UNEXPECTED_ERROR()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("DROP SCHEMA public");
        using var folder = new MigrationFolder().Add("001_app.sql", "CREATE SCHEMA app;\nCREATE TABLE app.things (id int);\n");

        var plan = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan");
        var up = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");
        var configured = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--journal-schema", "migrations");

        foreach (var run in new[] { plan, up })
        {
            Assert.Equal(ReasonCodes.JournalAccessFailed.ExitCode, run.ExitCode);
            Assert.Contains("the journal public.schema_migrations does not exist yet and cannot be created: schema public does not exist", run.Output);
            Assert.DoesNotContain("UNEXPECTED_ERROR", run.Output);
        }
        Assert.Contains("SCHEMAMIGRATE_JOURNAL_SCHEMA", up.Result.GetProperty("nextStep").GetString());
        Assert.True(configured.ExitCode == 0, configured.Output);
        Assert.True(await db.TableExistsAsync("migrations.schema_migrations"));
    }

    [Fact]
    public async Task A_server_error_on_SchemaMigrates_own_statements_has_a_reason_the_statement_and_a_next_step()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var role = await TestRole.CreateAsync(db);
        using var folder = new MigrationFolder().Add("001_a.sql", "CREATE TABLE a (id int);");
        await db.ExecuteAsync("CREATE SCHEMA locked; CREATE TABLE locked.schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL)");

        var run = await RunnerProcess.RunAsync(role.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.JournalAccessFailed.ExitCode, run.ExitCode);
        Assert.Equal("42501", run.Result.GetProperty("sqlState").GetString());
        Assert.Contains("permission denied for schema locked", run.Result.GetProperty("reason").GetString());
        Assert.Contains("locked.schema_migrations", run.Result.GetProperty("statement").GetString());
        Assert.Contains("Grant the role what the statement needs", run.Result.GetProperty("nextStep").GetString());
    }
}
