using System.Diagnostics;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>Seed 003's behaviour, end to end: the built MigrateRunner process against a real PostgreSQL.</summary>
public class RunnerUpTests
{
    [Fact]
    public async Task The_three_samples_apply_with_no_arguments_and_a_rerun_applies_nothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();

        var first = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("applied  001_core_domain_tables.sql", first.Stdout);
        Assert.Contains("result: succeeded applied=3", first.Stdout);
        Assert.Equal(["001_core_domain_tables.sql", "002_create_api_keys_table.sql", "003_add_indexes.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.True(await db.TableExistsAsync("api_keys"));
        Assert.True(await db.ScalarAsync<bool>("SELECT to_regclass('api_keys_active_prefix_idx') IS NOT NULL"));
        var appliedAt = await db.RowsAsync("SELECT id, applied_at FROM schema_migrations ORDER BY id");

        var second = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "up");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("nothing to apply", second.Stdout);
        Assert.Contains("applied=0 alreadyApplied=3 pending=0", second.Stdout);
        Assert.Equal(appliedAt.Select(r => r[1]), (await db.RowsAsync("SELECT id, applied_at FROM schema_migrations ORDER BY id")).Select(r => r[1]));
    }

    [Fact]
    public async Task A_failing_second_file_leaves_neither_its_ddl_nor_its_row_and_the_third_unapplied()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_first.sql", "CREATE TABLE first_table (id int PRIMARY KEY);")
            .Add("002_second.sql", "-- creates a table, then fails\nCREATE TABLE second_table (id int);\nINSERT INTO second_table VALUES (1);\n\nINSERT INTO second_table\n  SELECT id FROM no_such_table;\n")
            .Add("003_third.sql", "CREATE TABLE third_table (id int);");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal(ReasonCodes.SqlApplyFailed.ExitCode, run.ExitCode);
        var result = run.Result;
        Assert.Equal("SQL_APPLY_FAILED", result.GetProperty("reasonCode").GetString());
        Assert.Equal("002_second.sql", result.GetProperty("file").GetString());
        Assert.Equal(6, result.GetProperty("line").GetInt32());
        Assert.Equal("42P01", result.GetProperty("sqlState").GetString());
        Assert.Contains("no_such_table", result.GetProperty("reason").GetString());
        Assert.Equal(1, result.GetProperty("applied").GetInt32());
        Assert.Equal(2, result.GetProperty("pending").GetInt32());

        Assert.Equal(["001_first.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.True(await db.TableExistsAsync("first_table"));
        Assert.False(await db.TableExistsAsync("second_table"));
        Assert.False(await db.TableExistsAsync("third_table"));
    }

    [Fact]
    public async Task The_human_error_names_file_line_sqlstate_and_message()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_bad.sql", "SELECT 1;\nALTER TABLE nope ADD COLUMN x int;");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

        Assert.Equal(10, run.ExitCode);
        Assert.Contains("error SQL_APPLY_FAILED: 001_bad.sql:2: 42P01 relation \"nope\" does not exist", run.Stderr);
        Assert.Contains("next step:", run.Stderr);
        Assert.Contains("result: failed reasonCode=SQL_APPLY_FAILED exitCode=10 at=001_bad.sql:2 sqlstate=42P01", run.Stdout);
        Assert.DoesNotContain("   at ", run.Output); // no stack trace
    }

    [Fact]
    public async Task A_missing_folder_fails_with_its_code_and_the_path_it_looked_at()
    {
        await using var db = await TestDatabase.CreateAsync();
        var missing = Path.Combine(Path.GetTempPath(), "schemamigrate-missing-" + Guid.NewGuid().ToString("N"));

        var run = await RunnerProcess.RunAsync(db.ConnectionString, missing);

        Assert.Equal(ReasonCodes.MigrationsDirNotFound.ExitCode, run.ExitCode);
        Assert.Contains($"error MIGRATIONS_DIR_NOT_FOUND: migrations directory {missing} does not exist", run.Stderr);
        Assert.False(await db.TableExistsAsync("schema_migrations"));
    }

    [Fact]
    public async Task The_default_folder_is_app_ops_migrations()
    {
        await using var db = await TestDatabase.CreateAsync();
        var run = await RunnerProcess.RunAsync(new Dictionary<string, string?> { ["DB_CONN"] = db.ConnectionString }, "--json");
        Assert.Equal("MIGRATIONS_DIR_NOT_FOUND", run.Result.GetProperty("reasonCode").GetString());
        Assert.Contains("/app/ops/migrations", run.Result.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wrong_password_gives_DB_AUTH_FAILED_and_never_prints_a_password(bool asUri)
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = "migrator_" + Guid.NewGuid().ToString("N")[..8];
        const string rightPassword = "Right-Horse-Battery-71";
        const string wrongPassword = "Wrong-Staple-Correct-93";
        await db.ExecuteAsync($"CREATE ROLE {user} LOGIN PASSWORD '{rightPassword}'");
        using var folder = MigrationFolder.FromSamples();
        var port = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString).Port;
        var conn = asUri ? $"postgres://{user}:{wrongPassword}@127.0.0.1:{port}/{db.Name}" : db.As(user, wrongPassword);

        var text = await RunnerProcess.RunAsync(conn, folder.Path);
        var json = await RunnerProcess.RunAsync(conn, folder.Path, "--json");

        Assert.Equal(ReasonCodes.DbAuthFailed.ExitCode, text.ExitCode);
        Assert.Contains("error DB_AUTH_FAILED: password authentication failed for user", text.Stderr);
        Assert.Contains("28P01", text.Stderr);
        Assert.Equal("DB_AUTH_FAILED", json.Result.GetProperty("reasonCode").GetString());
        foreach (var run in new[] { text, json })
        {
            Assert.DoesNotContain(wrongPassword, run.Output);
            Assert.DoesNotContain(rightPassword, run.Output);
        }
    }

    [Fact]
    public async Task An_unreachable_server_gives_DB_UNREACHABLE()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there any more
        using var folder = MigrationFolder.FromSamples();

        var run = await RunnerProcess.RunAsync($"Host=127.0.0.1;Port={port};Username=u;Password=pw-unreachable-1;Timeout=5", folder.Path, "--json");

        Assert.Equal(ReasonCodes.DbUnreachable.ExitCode, run.ExitCode);
        Assert.Equal("DB_UNREACHABLE", run.Result.GetProperty("reasonCode").GetString());
        Assert.DoesNotContain("pw-unreachable-1", run.Output);
    }

    [Fact]
    public async Task The_stored_checksum_equals_sha256sum_of_the_file()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        // A byte-order mark and CRLF line ends must be hashed as they are, not normalised.
        folder.AddBytes("004_crlf_bom.sql", [0xEF, 0xBB, 0xBF, .. "CREATE TABLE crlf (id int);\r\n"u8.ToArray()]);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(run.ExitCode == 0, run.Output);

        foreach (var (id, checksum) in await db.JournalAsync())
        {
            var psi = new ProcessStartInfo("sha256sum", folder.FilePath(id)) { RedirectStandardOutput = true };
            using var sha = Process.Start(psi)!;
            var expected = (await sha.StandardOutput.ReadToEndAsync()).Split(' ')[0];
            Assert.Equal(expected, checksum);
        }
        Assert.Equal(4, (await db.JournalAsync()).Count);
    }

    [Theory]
    [InlineData("id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL")]
    [InlineData("id varchar(255) PRIMARY KEY, checksum varchar(64) NOT NULL, applied_at timestamp NOT NULL DEFAULT now()")]
    public async Task A_journal_created_by_hand_is_adopted_as_it_is(string columns)
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        // 003 indexes tables that 001 created long ago: the deploy gate needs the waiver that the tables are small.
        File.WriteAllText(folder.FilePath("003_add_indexes.sql"), "-- schemamigrate:allow require-concurrent-index-creation the test's tables are empty\n" + File.ReadAllText(folder.FilePath("003_add_indexes.sql")));
        // 001 was applied long ago by hand and recorded the way the seed's runner records it.
        var first = SchemaMigrate.Engine.Migrations.MigrationFile.Load(folder.FilePath("001_core_domain_tables.sql"));
        await db.ExecuteAsync(File.ReadAllText(first.Path));
        await db.ExecuteAsync($"CREATE TABLE schema_migrations ({columns})");
        await db.ExecuteAsync($"INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ('{first.Id}', '{first.Checksum}', '2024-01-01')");
        const string columnsQuery = "SELECT column_name, data_type, column_default FROM information_schema.columns WHERE table_name = 'schema_migrations' ORDER BY ordinal_position";
        var before = await db.RowsAsync(columnsQuery);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("journal public.schema_migrations: 1 applied, 2 pending of 3 files", run.Stdout);
        Assert.DoesNotContain("applying 001_core_domain_tables.sql", run.Stdout);
        Assert.Contains("applied=2 alreadyApplied=1 pending=0", run.Stdout);
        Assert.Equal(3, (await db.JournalAsync()).Count);
        Assert.Equal(before.Select(r => string.Join(":", r)), (await db.RowsAsync(columnsQuery)).Select(r => string.Join(":", r)));
    }

    [Fact]
    public async Task A_journal_without_the_seed_columns_is_refused_untouched()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)"); // golang-migrate's
        using var folder = MigrationFolder.FromSamples();

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.Equal("JOURNAL_INCOMPATIBLE", run.Result.GetProperty("reasonCode").GetString());
        Assert.Contains("checksum", run.Result.GetProperty("reason").GetString());
        Assert.False(await db.TableExistsAsync("accounts"));
    }

    [Fact]
    public async Task To_stops_after_the_named_migration_and_rejects_an_unknown_one()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();

        var unknown = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--to", "002_nope.sql");
        Assert.Equal(ReasonCodes.TargetNotFound.ExitCode, unknown.ExitCode);
        Assert.False(await db.TableExistsAsync("accounts"));

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--to", "002_create_api_keys_table.sql");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(["001_core_domain_tables.sql", "002_create_api_keys_table.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task Command_line_options_override_the_environment()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        var env = new Dictionary<string, string?> { ["DB_CONN"] = "Host=127.0.0.1;Port=1;Password=env-pw-9", ["MIGRATIONS_DIR"] = "/nonexistent" };

        var run = await RunnerProcess.RunAsync(env, "up", "--connection", db.ConnectionString, "--migrations-dir", folder.Path);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(3, (await db.JournalAsync()).Count);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option --bogus")]
    [InlineData(new[] { "sideways" }, "unknown verb 'sideways'")]
    [InlineData(new[] { "--lock-timeout", "soon" }, "is not a duration")]
    [InlineData(new[] { "up", "--to" }, "--to needs a value")]
    [InlineData(new[] { "verify", "--trace", "--app-queries", "" }, "--app-queries needs a value; it was given an empty one")]
    [InlineData(new[] { "up", "--require-trace", "" }, "--require-trace needs a value; it was given an empty one")]
    [InlineData(new[] { "--journal-table", "a_journal_name_that_is_far_too_long_for_its_progress_table_xx" }, "its progress table a_journal_name_that_is_far_too_long_for_its_progress_table_xx_progress must fit in 63 bytes")]
    [InlineData(new[] { "--journal-schema", "a_schema_name_that_postgresql_would_silently_cut_at_sixty_three_b" }, "is not a usable PostgreSQL name")]
    public async Task Bad_arguments_are_INVALID_ARGUMENT_with_the_reason(string[] args, string message)
    {
        var run = await RunnerProcess.RunAsync(new Dictionary<string, string?>(), args);
        Assert.Equal(ReasonCodes.InvalidArgument.ExitCode, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }
}
