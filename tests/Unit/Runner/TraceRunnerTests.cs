using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>MigrateRunner verify --trace in its three formats, and up --require-trace refusing what the report does not cover.</summary>
public class TraceRunnerTests
{
    private const string Risky = "-- Every user gets a public id.\nALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n";
    private const string Concurrent = "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n";

    private static Dictionary<string, string?> Env(string folder) => new() { ["MIGRATIONS_DIR"] = folder };

    [Fact]
    public async Task Trace_json_has_one_line_per_statement_with_locks_rewrites_and_findings_and_the_schema_diffs_findings()
    {
        using var folder = MigrationFolder.FromSamples().Add("004_users_public_id.sql", Risky)
            .Add("005_tidy.sql", "-- schemamigrate:allow opaque-statement tidies users\nDO $$ BEGIN ALTER TABLE users DROP COLUMN display_name; END $$;\n");

        var run = await RunnerProcess.RunAsync(Env(folder.Path), "verify", "--trace", "--format", "json", "--applied-through", "003_add_indexes.sql");

        Assert.Equal(24, run.ExitCode);
        var statements = run.EventsOf("trace.statement");
        Assert.Equal([("004_users_public_id.sql", 2), ("005_tidy.sql", 2)], statements.Select(s => (s.GetProperty("file").GetString(), s.GetProperty("line").GetInt32())));
        var add = statements[0];
        Assert.Contains(add.GetProperty("locks").EnumerateArray(), l => l.GetProperty("relation").GetString() == "users" && l.GetProperty("mode").GetString() == "AccessExclusiveLock");
        Assert.Contains(add.GetProperty("rewrites").EnumerateArray(), r => r.GetProperty("relation").GetString() == "users");
        Assert.Contains(add.GetProperty("findings").EnumerateArray(), f => f.GetProperty("ruleId").GetString() == "adding-field-with-default" && f.GetProperty("class").GetString() == "Blocked");
        Assert.Equal(["004_users_public_id.sql", "005_tidy.sql"], run.EventsOf("trace.file").Select(f => f.GetProperty("id").GetString()));
        var diff = Assert.Single(run.EventsOf("trace.finding"), f => f.GetProperty("ruleId").GetString() == "schema-breaking-change");
        Assert.Equal(("005_tidy.sql", "Contract", "Refused"), (diff.GetProperty("file").GetString(), diff.GetProperty("class").GetString(), diff.GetProperty("verdict").GetString()));
        Assert.Equal("POLICY_VIOLATION", run.Result.GetProperty("reasonCode").GetString());
        Assert.Equal(2, run.Result.GetProperty("traced").GetInt32());
    }

    [Fact]
    public async Task Trace_text_and_sarif_show_the_same_findings()
    {
        using var folder = MigrationFolder.FromSamples().Add("004_users_public_id.sql", Risky);

        var text = await RunnerProcess.RunAsync(Env(folder.Path), "verify", "--trace", "--applied-through", "003_add_indexes.sql");
        var sarif = await RunnerProcess.RunAsync(Env(folder.Path), "verify", "--trace", "--format", "sarif", "--applied-through", "003_add_indexes.sql");

        Assert.Contains("trace    004_users_public_id.sql:2 ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid()", text.Stdout);
        Assert.Matches(@"strongest  AccessExclusiveLock on users held \d+ms, blocks SELECT, INSERT, UPDATE, DELETE, DDL", text.Stdout);
        Assert.Contains("confirmed  adding-field-with-default predicted AccessExclusiveLock on users and a rewrite of users", text.Stdout);
        Assert.Contains("result: failed reasonCode=POLICY_VIOLATION exitCode=24", text.Stdout);
        var results = JsonDocument.Parse(sarif.Stdout).RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        Assert.Contains(results, r => r.GetProperty("ruleId").GetString() == "adding-field-with-default" && r.GetProperty("level").GetString() == "error");
        Assert.Contains("result: failed reasonCode=POLICY_VIOLATION", sarif.Stderr);
    }

    [Fact]
    public async Task On_a_dev_database_the_trace_runs_on_a_copy_and_reports_table_sizes_without_the_password()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path)).ExitCode);
        await db.ExecuteAsync("INSERT INTO accounts (slug, name) VALUES ('acme', 'Acme'); INSERT INTO users (account_id, email) SELECT 1, 'u' || g || '@acme.test' FROM generate_series(1, 3000) g;");
        folder.Add("004_users_public_id.sql", Risky);

        var run = await RunnerProcess.RunAsync(Env(folder.Path), "verify", "--trace", "--format", "json", "--dev-database", db.ConnectionString);

        Assert.Equal(24, run.ExitCode);
        var statement = Assert.Single(run.EventsOf("trace.statement"));
        var users = statement.GetProperty("rewrites").EnumerateArray().Single(r => r.GetProperty("relation").GetString() == "users");
        Assert.True(users.GetProperty("bytes").GetInt64() > 200_000, users.ToString());
        Assert.DoesNotContain(db.Password, run.Output);
        // The copy had the journal: only 004 was traced, and the database itself is untouched.
        Assert.Equal(["004_users_public_id.sql"], run.EventsOf("trace.file").Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(3, (await db.JournalAsync()).Count);
    }

    [Fact]
    public async Task Up_with_require_trace_refuses_a_file_the_report_does_not_cover_before_anything_runs()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path)).ExitCode);
        folder.Add("004_users_email_idx.sql", Concurrent);
        using var reports = new MigrationFolder();
        var trace = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "verify", "--trace", "--format", "json");
        Assert.True(trace.ExitCode == 0, trace.Output);
        var report = reports.FilePath("trace.jsonl");
        File.WriteAllText(report, trace.Stdout);
        folder.Add("005_projects_archived_idx.sql", "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY projects_archived_idx ON projects (archived_at);\n");

        var refused = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--require-trace", report, "--json");

        Assert.Equal(24, refused.ExitCode);
        Assert.Equal("POLICY_VIOLATION", refused.Result.GetProperty("reasonCode").GetString());
        Assert.Contains("005_projects_archived_idx.sql is not in the trace report", refused.Result.GetProperty("reason").GetString());
        Assert.Equal(3, (await db.JournalAsync()).Count);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_idx'"));

        // The report covers exactly the one pending file: the job (configured by environment) applies it.
        File.Delete(folder.FilePath("005_projects_archived_idx.sql"));
        var applied = await RunnerProcess.RunAsync(new Dictionary<string, string?>
        {
            ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path, ["SCHEMAMIGRATE_REQUIRE_TRACE"] = report,
        });
        Assert.True(applied.ExitCode == 0, applied.Output);
        Assert.Equal(4, (await db.JournalAsync()).Count);
        Assert.DoesNotContain(db.Password, trace.Output + refused.Output + applied.Output);
    }

    [Fact]
    public async Task Require_trace_refuses_an_edited_file_and_a_finding_only_the_trace_saw_and_names_a_missing_report()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path)).ExitCode);
        folder.Add("004_users_public_id.sql", "-- schemamigrate:allow adding-field-with-default a tiny table\n" + Risky);
        using var reports = new MigrationFolder();
        var report = reports.FilePath("trace.jsonl");
        var trace = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "verify", "--trace", "--format", "json");
        File.WriteAllText(report, trace.Stdout);

        folder.Add("004_users_public_id.sql", "-- schemamigrate:allow adding-field-with-default a tiny table\n" + Risky + "-- edited\n");
        var edited = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan", "--require-trace", report);
        Assert.Equal(24, edited.ExitCode);
        Assert.Contains("004_users_public_id.sql changed since it was traced", edited.Stderr);

        // The static gate lets a waived DO block through; the trace saw it drop a column, and the report refuses it.
        folder.Add("004_users_public_id.sql", "-- schemamigrate:allow adding-field-with-default a tiny table\n" + Risky);
        folder.Add("005_tidy.sql", "-- schemamigrate:allow opaque-statement tidies users\nDO $$ BEGIN ALTER TABLE users DROP COLUMN display_name; END $$;\n");
        var traced = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "verify", "--trace", "--format", "json");
        Assert.Equal(24, traced.ExitCode);
        File.WriteAllText(report, traced.Stdout);
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan")).ExitCode);
        var findings = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--require-trace", report);
        Assert.Equal(24, findings.ExitCode);
        Assert.Contains("005_tidy.sql:2 schema-breaking-change is refused in the trace report", findings.Stderr);
        Assert.DoesNotContain("004_users_public_id.sql:", findings.Stderr.Split("next step")[0].Split("because")[1]);

        var missing = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--require-trace", reports.FilePath("nope.jsonl"));
        Assert.Equal(28, missing.ExitCode);
        Assert.Contains("error TRACE_REPORT_INVALID: --require-trace", missing.Stderr);
        Assert.Equal(3, (await db.JournalAsync()).Count);
    }

    [Fact]
    public async Task Require_trace_names_the_line_of_a_report_that_was_cut_or_edited_and_applies_nothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_a.sql", "CREATE TABLE a (id int);\n");
        Assert.Equal(0, (await RunnerProcess.RunAsync(db.ConnectionString, folder.Path)).ExitCode);
        folder.Add("002_b.sql", "CREATE TABLE b (id int);\n");
        var sha = new string('0', 64);
        string[][] cases =
        [
            ["{\"event\":\"trace.file\",\"id\":null,\"checksum\":\"" + sha + "\"}", "a trace.file line without an id"],
            ["{\"event\":\"trace.finding\",\"verdict\":\"Refused\",\"file\":\"002_b.sql\",\"line\":1.5,\"ruleId\":\"ban-drop-column\"}",
                "the line of a refused finding in 002_b.sql is not a whole number"],
            ["{\"event\":\"trace.file\",\"id\":\"002_b.sql\",\"checksum\":\"abc\"}", "the checksum of 002_b.sql is not a SHA-256"],
            ["{\"event\":\"trace.file\",\"id\":\"002_b.sql\",\"checksum\":null}", "the checksum of 002_b.sql is not a SHA-256"],
            ["{\"event\":\"trace.file\",\"id\":\"002_b.sql\",", "the line is not JSON"],
        ];
        using var reports = new MigrationFolder();
        var report = reports.FilePath("trace.jsonl");
        foreach (var (bad, message) in cases.Select(c => (c[0], c[1])))
        {
            // A good first line, so the line named is the bad one.
            File.WriteAllText(report, "{\"event\":\"trace.file\",\"id\":\"002_b.sql\",\"checksum\":\"" + sha + "\",\"statements\":1}\n" + bad + "\n");

            var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--require-trace", report);

            Assert.True(run.ExitCode == ReasonCodes.TraceReportInvalid.ExitCode, $"{bad}\n{run.Output}");
            Assert.Contains($"error TRACE_REPORT_INVALID: --require-trace {report}:2: {message}", run.Stderr);
            Assert.Contains("deploy with the unedited file", run.Stderr);
        }
        Assert.Single(await db.JournalAsync());
    }
}
