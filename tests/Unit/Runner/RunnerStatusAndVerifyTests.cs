using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

public class RunnerStatusAndVerifyTests
{
    [Fact]
    public async Task Status_lists_applied_and_pending_with_checksums_and_times_without_creating_the_journal()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();

        var before = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "status");
        Assert.True(before.ExitCode == 0, before.Output);
        Assert.Contains("journal: not created yet", before.Stdout);
        Assert.False(await db.TableExistsAsync("schema_migrations"));

        await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--to", "001_core_domain_tables.sql");
        var status = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "status", "--json");

        var rows = status.Events.Where(e => e.GetProperty("event").GetString() == "status").ToList();
        Assert.Equal(["Applied", "Pending", "Pending"], rows.Select(r => r.GetProperty("state").GetString()));
        var journal = await db.JournalAsync();
        Assert.Equal(journal[0].Checksum, rows[0].GetProperty("appliedChecksum").GetString());
        Assert.Equal(journal[0].Checksum, rows[0].GetProperty("checksum").GetString());
        Assert.True(rows[0].GetProperty("appliedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[1].GetProperty("appliedAt").ValueKind);
        Assert.Equal(1, status.Result.GetProperty("applied").GetInt32());
        Assert.Equal(2, status.Result.GetProperty("pending").GetInt32());
    }

    [Fact]
    public async Task Plan_lists_what_up_would_apply_up_to_the_target_and_changes_nothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();

        var plan = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "plan", "--to", "002_create_api_keys_table.sql", "--json");

        Assert.True(plan.ExitCode == 0, plan.Output);
        var items = plan.Events.Where(e => e.GetProperty("event").GetString() == "plan").Select(e => e.GetProperty("id").GetString());
        Assert.Equal(["001_core_domain_tables.sql", "002_create_api_keys_table.sql"], items);
        Assert.Equal(2, plan.Result.GetProperty("toApply").GetInt32());
        Assert.False(await db.TableExistsAsync("schema_migrations"));
        Assert.False(await db.TableExistsAsync("accounts"));
    }

    [Fact]
    public async Task Verify_applies_the_samples_on_a_throwaway_cluster_and_removes_it()
    {
        using var folder = MigrationFolder.FromSamples();
        var run = await RunnerProcess.RunAsync(new Dictionary<string, string?>(), "verify", "--migrations-dir", folder.Path);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("3 applied: 001_core_domain_tables.sql ... 003_add_indexes.sql", run.Stdout);
        var cluster = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"127\.0\.0\.1:(\d+)/").Groups[1].Value;
        Assert.NotEqual("", cluster);
        // The cluster's port no longer answers once verify has returned.
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", int.Parse(cluster)));
    }

    [Fact]
    public async Task Verify_on_a_dev_database_drops_its_scratch_database_even_when_a_migration_fails()
    {
        using var folder = MigrationFolder.FromSamples().Add("004_broken.sql", "CREATE TABLE x (id int REFERENCES nowhere (id));");
        var server = await PostgresServer.AdminConnectionStringAsync();

        var run = await RunnerProcess.RunAsync(new Dictionary<string, string?>(), "verify", "--migrations-dir", folder.Path, "--dev-database", server, "--json");

        Assert.Equal(10, run.ExitCode);
        Assert.Equal("004_broken.sql", run.Result.GetProperty("file").GetString());
        var statuses = run.Events.Where(e => e.GetProperty("event").GetString() == "status").Select(e => e.GetProperty("state").GetString());
        Assert.Equal(["Applied", "Applied", "Applied", "Pending"], statuses);
        // Other tests verify on the same server at the same time: look for this run's own scratch database.
        var scratch = System.Text.RegularExpressions.Regex.Match(run.Events.Single(e => e.GetProperty("event").GetString() == "run.started").GetProperty("database").GetString()!, "schemamigrate_verify_[0-9a-f]+").Value;
        Assert.NotEmpty(scratch);
        await using var probe = await TestDatabase.CreateAsync();
        Assert.Equal(0L, await probe.ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{scratch}'"));
        var password = new Npgsql.NpgsqlConnectionStringBuilder(server).Password!;
        Assert.DoesNotContain(password, run.Output);
    }

    [Fact]
    public async Task A_failed_verify_shows_what_matters_in_a_few_lines_and_ends_with_its_error()
    {
        using var folder = new MigrationFolder();
        for (int i = 1; i <= 40; i++)
            folder.Add($"{i:000}_step.sql", i == 25 ? "CREATE TABLE step_25 (id int);\nINSERT INTO step_25 SELECT id FROM missing_table;\n" : $"CREATE TABLE step_{i} (id int);\n");

        var run = await RunnerProcess.RunAsync(new Dictionary<string, string?>(), "verify", "--migrations-dir", folder.Path);

        Assert.Equal(10, run.ExitCode);
        Assert.Contains("24 applied: 001_step.sql ... 024_step.sql\nFailed      025_step.sql:2 (SQL_APPLY_FAILED; the error is below)\n15 pending after it, not attempted: 026_step.sql ... 040_step.sql\n", run.Stdout);
        Assert.DoesNotContain("Pending ", run.Stdout);
        var errorLines = run.Stderr.TrimEnd().Split('\n');
        Assert.StartsWith("error SQL_APPLY_FAILED: 025_step.sql:2: 42P01 relation \"missing_table\" does not exist", errorLines.First(l => l.StartsWith("error ")));
        Assert.StartsWith("  next step:", errorLines[^1]);
        Assert.StartsWith("result: failed reasonCode=SQL_APPLY_FAILED", run.Stdout.TrimEnd().Split('\n')[^1]);
    }
}
