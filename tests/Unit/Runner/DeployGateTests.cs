using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>The deploy gate end to end: the built MigrateRunner against a real PostgreSQL, as the container job runs it.</summary>
public class DeployGateTests
{
    private const string Users = "CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy_name text);\nINSERT INTO users VALUES (1, 'a@example.com', 'A');";
    private const string Drop = "-- schemamigrate:contract\nALTER TABLE users DROP COLUMN legacy_name;";

    private static async Task<(TestDatabase Db, MigrationFolder Folder)> DeployedUsersAsync()
    {
        var db = await TestDatabase.CreateAsync();
        var folder = new MigrationFolder().Add("001_users.sql", Users);
        var first = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(first.ExitCode == 0, first.Output);
        return (db, folder);
    }

    private static async Task<bool> ColumnExistsAsync(TestDatabase db, string column) =>
        await db.ScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = '{column}')");

    [Fact]
    public async Task A_pending_contract_file_applies_nothing_exits_with_policy_violation_and_lists_the_finding()
    {
        var (db, folder) = await DeployedUsersAsync();
        await using var _ = db;
        using var __ = folder;
        folder.Add("002_nickname.sql", "ALTER TABLE users ADD COLUMN nickname text;").Add("003_drop_legacy.sql", Drop);

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

        Assert.Equal(24, run.ExitCode);
        Assert.Equal(ReasonCodes.PolicyViolation.ExitCode, run.ExitCode);
        Assert.Contains("gate     refused  003_drop_legacy.sql:2:19 ban-drop-column [Contract] drops column users.legacy_name", run.Stdout);
        Assert.Contains("gate     refused  003_drop_legacy.sql:1:1 phase-not-allowed [Contract]", run.Stdout);
        Assert.Contains("result: failed reasonCode=POLICY_VIOLATION exitCode=24 at=003_drop_legacy.sql:1", run.Stdout);
        Assert.Contains("error POLICY_VIOLATION: the deploy gate refused 2 findings in 1 file; nothing was applied", run.Stderr);
        Assert.Contains("next step: Read docs/gate/phase-not-allowed.md", run.Stderr);
        Assert.DoesNotContain("applying", run.Stdout);
        Assert.Equal(["001_users.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await ColumnExistsAsync(db, "nickname"));
        Assert.True(await ColumnExistsAsync(db, "legacy_name"));
    }

    [Fact]
    public async Task With_the_contract_phase_allowed_by_option_or_by_the_jobs_environment_it_applies()
    {
        var (db, folder) = await DeployedUsersAsync();
        await using var _ = db;
        using var __ = folder;
        folder.Add("002_drop_legacy.sql", Drop);

        var viaOption = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "up", "--allow", "contract", "--json");
        Assert.True(viaOption.ExitCode == 0, viaOption.Output);
        var finding = Assert.Single(viaOption.EventsOf("gate.finding"), e => e.GetProperty("rule").GetString() == "ban-drop-column");
        Assert.Equal("Allowed", finding.GetProperty("verdict").GetString());
        Assert.Equal(GateHelp("ban-drop-column"), finding.GetProperty("helpUri").GetString());
        Assert.False(await ColumnExistsAsync(db, "legacy_name"));

        folder.Add("003_drop_email.sql", "-- schemamigrate:contract\nALTER TABLE users DROP COLUMN email;");
        var viaEnvironment = await RunnerProcess.RunAsync(new Dictionary<string, string?>
        {
            ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path, ["SCHEMAMIGRATE_ALLOW"] = "contract,backfill",
        });
        Assert.True(viaEnvironment.ExitCode == 0, viaEnvironment.Output);
        Assert.Contains("gate     allowed  003_drop_email.sql:2:19 ban-drop-column", viaEnvironment.Stdout);
        Assert.False(await ColumnExistsAsync(db, "email"));
        Assert.Equal(3, (await db.JournalAsync()).Count);
    }

    [Fact]
    public async Task With_a_waiver_it_applies_and_shows_the_waiver_and_its_reason()
    {
        var (db, folder) = await DeployedUsersAsync();
        await using var _ = db;
        using var __ = folder;
        folder.Add("002_index.sql", "-- schemamigrate:allow require-concurrent-index-creation users has a dozen rows\nCREATE INDEX users_email_idx ON users (email);");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--json");

        Assert.True(run.ExitCode == 0, run.Output);
        var waived = Assert.Single(run.EventsOf("gate.finding"), e => e.GetProperty("verdict").GetString() == "Waived");
        Assert.Equal("require-concurrent-index-creation", waived.GetProperty("rule").GetString());
        Assert.Equal("waived at line 1: users has a dozen rows", waived.GetProperty("because").GetString());
        Assert.Equal(["allow require-concurrent-index-creation"], run.EventsOf("migration.started").Single().GetProperty("directives").EnumerateArray().Select(d => d.GetString()));
        Assert.True(await db.ScalarAsync<bool>("SELECT to_regclass('users_email_idx') IS NOT NULL"));

        var text = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan");
        Assert.True(text.ExitCode == 0, text.Output);
        Assert.Contains("nothing to apply", text.Stdout);
    }

    [Fact]
    public async Task Applied_files_are_never_judged_again_and_a_fresh_database_takes_the_whole_set_as_new()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_users.sql", Users)
            .Add("002_index.sql", "CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users DROP COLUMN legacy_name;");

        var fresh = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(fresh.ExitCode == 0, fresh.Output);

        // The same files are already applied: a later run judges only what is new.
        folder.Add("003_nickname.sql", "ALTER TABLE users ADD COLUMN nickname text;");
        var later = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(later.ExitCode == 0, later.Output);
        Assert.DoesNotContain("002_index.sql:", later.Stdout);
        Assert.Contains("gate     note     003_nickname.sql:1:1 require-lock-timeout [Expand] satisfied by the runner", later.Stdout);
    }

    [Fact]
    public async Task Lint_needs_no_database_reports_text_json_and_sarif_and_exits_24_on_what_the_gate_would_refuse()
    {
        using var folder = new MigrationFolder()
            .Add("001_users.sql", Users)
            .Add("005_drop_column.sql", "ALTER TABLE users DROP COLUMN legacy_name;");
        var environment = new Dictionary<string, string?> { ["MIGRATIONS_DIR"] = folder.Path };

        var text = await RunnerProcess.RunAsync(environment, "lint");
        Assert.Equal(24, text.ExitCode);
        Assert.Contains("judged as: no --applied-through and no database: each file is judged as if every file before it were deployed", text.Stdout);
        Assert.Contains("gate     refused  005_drop_column.sql:1:19 ban-drop-column [Contract]", text.Stdout);

        var json = await RunnerProcess.RunAsync(environment, "lint", "--format", "json", "--applied-through", "001_users.sql");
        Assert.Equal(24, json.ExitCode);
        Assert.Equal("POLICY_VIOLATION", json.Result.GetProperty("reasonCode").GetString());
        Assert.Equal(1, json.Result.GetProperty("refused").GetInt32());
        var file = Assert.Single(json.EventsOf("lint.file"));
        Assert.Equal("Contract", file.GetProperty("statements")[0].GetProperty("class").GetString());

        var sarif = await RunnerProcess.RunAsync(environment, "lint", "--format", "sarif");
        Assert.Equal(24, sarif.ExitCode);
        var log = JsonDocument.Parse(sarif.Stdout).RootElement;
        Assert.Equal("2.1.0", log.GetProperty("version").GetString());
        var result = log.GetProperty("runs")[0].GetProperty("results").EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "ban-drop-column");
        Assert.EndsWith("005_drop_column.sql", result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Contains("result: failed reasonCode=POLICY_VIOLATION", sarif.Stderr);

        var nothingDeployed = await RunnerProcess.RunAsync(environment, "lint", "--applied-through", "none");
        Assert.True(nothingDeployed.ExitCode == 0, nothingDeployed.Output);
        Assert.Contains("result: succeeded files=2", nothingDeployed.Stdout);
    }

    [Fact]
    public async Task Lint_with_a_database_reads_the_journal_and_flags_a_new_file_that_sorts_before_applied_ones()
    {
        var (db, folder) = await DeployedUsersAsync();
        await using var _ = db;
        using var __ = folder;
        folder.Add("003_nickname.sql", "ALTER TABLE users ADD COLUMN nickname text;");
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path)).ExitCode);
        folder.Add("002_parallel_branch.sql", "ALTER TABLE users ADD COLUMN handle text;");

        var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "lint");

        Assert.Equal(24, run.ExitCode);
        Assert.Contains("judged as: the journal public.schema_migrations on", run.Stdout);
        Assert.Contains("gate     refused  002_parallel_branch.sql:1:1 naming-before-applied [Blocked] 002_parallel_branch.sql is new but sorts before 003_nickname.sql", run.Stdout);
        Assert.DoesNotContain("003_nickname.sql:", run.Stdout);
    }

    [Fact]
    public async Task Lint_refuses_what_up_refuses_before_running_a_file_that_writes_the_journal()
    {
        using var folder = new MigrationFolder().Add("001_users.sql", Users).Add("002_forget.sql", "DELETE FROM public.schema_migrations;");
        var environment = new Dictionary<string, string?> { ["MIGRATIONS_DIR"] = folder.Path };

        var run = await RunnerProcess.RunAsync(environment, "lint");

        Assert.Equal(ReasonCodes.MigrationTouchesJournal.ExitCode, run.ExitCode);
        Assert.Contains("invalid  002_forget.sql:1 MIGRATION_TOUCHES_JOURNAL", run.Stdout);
        Assert.Contains("set --journal-table", run.Stderr);
    }

    [Fact]
    public async Task Lint_that_cannot_read_the_journal_is_JOURNAL_ACCESS_FAILED_not_an_unexpected_error()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_users.sql", Users);
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path)).ExitCode);
        var role = "reader_" + Guid.NewGuid().ToString("N")[..8];
        var password = "Reader-Pw-" + Guid.NewGuid().ToString("N")[..10];
        await db.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}'; REVOKE ALL ON public.schema_migrations FROM PUBLIC");

        var run = await RunnerProcess.RunAsync(db.As(role, password), folder.Path, "lint");

        Assert.Equal(ReasonCodes.JournalAccessFailed.ExitCode, run.ExitCode);
        Assert.Contains("42501", run.Stderr);
        Assert.DoesNotContain(password, run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task Bad_gate_options_are_invalid_arguments_naming_the_value()
    {
        using var folder = new MigrationFolder().Add("001_users.sql", Users);
        var environment = new Dictionary<string, string?> { ["MIGRATIONS_DIR"] = folder.Path };
        var phase = await RunnerProcess.RunAsync(environment, "up", "--allow", "cleanup");
        Assert.Equal(ReasonCodes.InvalidArgument.ExitCode, phase.ExitCode);
        Assert.Contains("--allow: 'cleanup' is not a phase", phase.Stderr);
        var through = await RunnerProcess.RunAsync(environment, "lint", "--applied-through", "009_nope.sql");
        Assert.Equal(ReasonCodes.InvalidArgument.ExitCode, through.ExitCode);
        Assert.Contains("--applied-through 009_nope.sql: no such file", through.Stderr);
        Assert.DoesNotContain("-AppliedThrough", through.Stderr);
        var format = await RunnerProcess.RunAsync(environment, "status", "--format", "sarif");
        Assert.Contains("--format applies to lint and verify --trace only", format.Stderr);
    }

    private static string GateHelp(string id) => SchemaMigrate.Engine.Safety.GateRules.DocsBaseUri + id + ".md";
}
