using Npgsql;
using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>What Invoke-SchemaMigration and Get-SchemaMigrationStatus do, through their host-free operations, on a real PostgreSQL.</summary>
public class ApplyAndStatusOperationTests
{
    private static MigrationFolder ThreeFiles() => new MigrationFolder()
        .Add("001_accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);")
        .Add("002_orders.sql", "-- schemamigrate:lock-timeout=2s\nCREATE TABLE orders (id int PRIMARY KEY);\nCREATE INDEX orders_id ON orders (id);")
        .Add("003_invoices.sql", "CREATE TABLE invoices (id int PRIMARY KEY);");

    private static MigrationSettings Settings(TestDatabase db, MigrationFolder folder) =>
        new() { ConnectionString = db.ConnectionString, MigrationsDirectory = folder.Path };

    [Fact]
    public async Task WhatIf_asks_about_each_pending_migration_and_changes_nothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();
        var sink = new RecordingSink { Answer = _ => false };

        await new ApplyOperation(Settings(db, folder), passThru: true, whatIf: true).RunAsync(sink, default);

        Assert.Equal(["001_accounts.sql", "002_orders.sql", "003_invoices.sql"], sink.Questions.Select(q => q.Target.Split(' ')[0]));
        Assert.EndsWith($"/{db.Name} as postgres", sink.Questions[0].Target);
        Assert.Equal("Apply migration (2 statements, lock-timeout=2s)", sink.Questions[1].Action);
        Assert.Empty(sink.Objects);
        Assert.False(await db.TableExistsAsync("schema_migrations"));
        Assert.False(await db.TableExistsAsync("accounts"));
    }

    [Fact]
    public async Task Declining_a_migration_applies_those_before_it_and_nothing_after()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();
        var sink = new RecordingSink { Answer = target => !target.StartsWith("002_") };

        await new ApplyOperation(Settings(db, folder), passThru: true, whatIf: false).RunAsync(sink, default);

        Assert.Equal(["001_accounts.sql", "002_orders.sql"], sink.Questions.Select(q => q.Target.Split(' ')[0]));
        Assert.Equal([("001_accounts.sql", SchemaMigrationOutcome.Applied), ("002_orders.sql", SchemaMigrationOutcome.Skipped)],
            sink.Written<SchemaMigrationResult>().Select(r => (r.Id, r.Outcome)));
        Assert.Contains(sink.Warnings, w => w.StartsWith("002_orders.sql skipped"));
        Assert.Equal(["001_accounts.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await db.TableExistsAsync("invoices"));
    }

    [Fact]
    public async Task A_run_reports_progress_per_migration_and_passes_through_one_result_each()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();
        var sink = new RecordingSink();

        await new ApplyOperation(Settings(db, folder), passThru: true, whatIf: false).RunAsync(sink, default);

        var results = sink.Written<SchemaMigrationResult>();
        Assert.Equal(["001_accounts.sql", "002_orders.sql", "003_invoices.sql"], results.Select(r => r.Id));
        Assert.All(results, r => Assert.Equal(SchemaMigrationOutcome.Applied, r.Outcome));
        Assert.Equal(2, results[1].Statements);
        Assert.Equal((await db.JournalAsync())[1].Checksum, results[1].Checksum);
        Assert.Equal(["001_accounts.sql (1/3)", "002_orders.sql (2/3)", "003_invoices.sql (3/3)", "Done"], sink.Progress.Select(p => p.Status));
        Assert.Equal([0, 33, 66, 100], sink.Progress.Select(p => p.PercentComplete));
        Assert.True(sink.Progress[^1].Completed);
        Assert.Contains(sink.Verbose, v => v.StartsWith("applied 002_orders.sql in "));
    }

    [Fact]
    public async Task A_failure_ends_the_run_with_its_reason_code_file_and_line_and_keeps_what_was_applied()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles().Add("002_orders.sql", "CREATE TABLE orders (id int PRIMARY KEY);\n\nINSERT INTO orders\n  SELECT id FROM no_such_table;");
        var sink = new RecordingSink();

        var e = await Assert.ThrowsAsync<MigrationException>(() => new ApplyOperation(Settings(db, folder), passThru: true, whatIf: false).RunAsync(sink, default));

        Assert.Equal(ReasonCodes.SqlApplyFailed, e.Reason);
        Assert.Equal("002_orders.sql", e.Failure.File);
        Assert.Equal(4, e.Failure.Line);
        Assert.Equal("42P01", e.Failure.SqlState);
        Assert.Equal([SchemaMigrationOutcome.Applied, SchemaMigrationOutcome.Failed], sink.Written<SchemaMigrationResult>().Select(r => r.Outcome));
        Assert.Equal("SQL_APPLY_FAILED", sink.Written<SchemaMigrationResult>()[1].ReasonCode);
        Assert.Equal(["001_accounts.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await db.TableExistsAsync("orders"));
        var text = FailureText.Describe(e.Failure);
        Assert.StartsWith("002_orders.sql:4: 42P01 relation \"no_such_table\" does not exist", text);
        Assert.Contains("statement: INSERT INTO orders", text);
    }

    [Fact]
    public async Task To_stops_after_the_named_migration()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();

        await new ApplyOperation(Settings(db, folder) with { TargetId = "002_orders.sql" }, passThru: false, whatIf: false).RunAsync(new RecordingSink(), default);

        Assert.Equal(["001_accounts.sql", "002_orders.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task Status_writes_one_object_per_migration_warns_about_the_odd_ones_and_filters_by_state()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();
        await new ApplyOperation(Settings(db, folder), passThru: false, whatIf: false).RunAsync(new RecordingSink(), default);
        folder.Add("002_orders.sql", "-- schemamigrate:lock-timeout=2s\nCREATE TABLE orders (id bigint PRIMARY KEY);").Add("000_late.sql", "SELECT 1;");
        File.Delete(folder.FilePath("003_invoices.sql"));

        var all = new RecordingSink();
        await new StatusOperation(Settings(db, folder), []).RunAsync(all, default);
        var filtered = new RecordingSink();
        await new StatusOperation(Settings(db, folder), [SchemaMigrationState.Modified, SchemaMigrationState.Missing]).RunAsync(filtered, default);

        Assert.Equal([("000_late.sql", SchemaMigrationState.OutOfOrder), ("001_accounts.sql", SchemaMigrationState.Applied),
                      ("002_orders.sql", SchemaMigrationState.Modified), ("003_invoices.sql", SchemaMigrationState.Missing)],
            all.Written<SchemaMigrationStatus>().Select(s => (s.Id, s.State)));
        var accounts = all.Written<SchemaMigrationStatus>()[1];
        Assert.NotNull(accounts.AppliedAt);
        Assert.Equal(accounts.Checksum, accounts.AppliedChecksum);
        Assert.Equal(folder.FilePath("001_accounts.sql"), accounts.FullName);
        Assert.Equal(folder.Path, accounts.DirectoryName);
        Assert.Equal(["lock-timeout=2s"], all.Written<SchemaMigrationStatus>()[2].Directives);
        Assert.Equal(3, all.Warnings.Count);
        Assert.Contains(all.Warnings, w => w.Contains("002_orders.sql was changed after it was applied"));
        Assert.Equal(["002_orders.sql", "003_invoices.sql"], filtered.Written<SchemaMigrationStatus>().Select(s => s.Id));
        Assert.Equal(2, filtered.Warnings.Count);
    }

    [Fact]
    public async Task Status_of_a_fresh_database_reads_only()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();
        var sink = new RecordingSink();

        await new StatusOperation(Settings(db, folder), []).RunAsync(sink, default);

        Assert.All(sink.Written<SchemaMigrationStatus>(), s => Assert.Equal(SchemaMigrationState.Pending, s.State));
        Assert.Contains("journal: not created yet (nothing applied)", sink.Verbose);
        Assert.False(await db.TableExistsAsync("schema_migrations"));
    }

    [Fact]
    public async Task Stopping_the_pipeline_cancels_the_statement_in_flight_and_returns_only_after_its_rollback()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_fast.sql", "CREATE TABLE fast (id int);")
            .Add("002_slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);");
        using var stop = new CancellationTokenSource();
        using var pump = new OperationPump(stop.Token);
        var sink = new PumpedSink(pump, new RecordingSink());

        var pipeline = Task.Run(() => pump.Run(ct => new ApplyOperation(Settings(db, folder), passThru: true, whatIf: false).RunAsync(sink, ct)));
        while (await db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()") == 0)
        {
            Assert.False(pipeline.IsCompleted, "the run ended before the slow statement started");
            await Task.Delay(50);
        }
        stop.Cancel();

        var e = await Assert.ThrowsAsync<MigrationException>(() => pipeline);
        Assert.Equal(ReasonCodes.Cancelled, e.Reason);
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()"));
        Assert.Equal(["001_fast.sql"], (await db.JournalAsync()).Select(j => j.Id));
        Assert.False(await db.TableExistsAsync("slow"));
        Assert.Equal(["001_fast.sql"], sink.Inner.Written<SchemaMigrationResult>().Where(r => r.Outcome == SchemaMigrationOutcome.Applied).Select(r => r.Id));
    }

    [Fact]
    public async Task A_wrong_password_fails_with_DB_AUTH_FAILED_and_the_password_appears_nowhere()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles();
        const string wrong = "Wr0ng-pa55word-for-the-test";
        var realPassword = new NpgsqlConnectionStringBuilder(db.ConnectionString).Password!;
        var parameters = new SettingsParameters { Path = folder.Path, ConnectionString = db.ConnectionString, UserName = "postgres", Password = wrong };
        var sink = new RecordingSink();

        var e = await Assert.ThrowsAsync<MigrationException>(() =>
            new StatusOperation(parameters.ToSettings(new Dictionary<string, string>(), p => p), []).RunAsync(sink, default));

        Assert.Equal(ReasonCodes.DbAuthFailed, e.Reason);
        var everything = FailureText.Describe(e.Failure) + e.Message + e.Failure + sink.AllText;
        Assert.DoesNotContain(wrong, everything);
        Assert.DoesNotContain(realPassword, everything);
        Assert.Contains($"{db.Name} as postgres", everything);

        var ok = new RecordingSink();
        var rightSettings = (parameters with { UserName = null, Password = null }).ToSettings(new Dictionary<string, string>(), p => p);
        await new ApplyOperation(rightSettings, passThru: true, whatIf: false).RunAsync(ok, default);
        Assert.Equal(3, ok.Written<SchemaMigrationResult>().Count);
        Assert.DoesNotContain(realPassword, ok.AllText + string.Join(" ", ok.Written<SchemaMigrationResult>().Select(r => r.Database)));
    }

    [Fact]
    public async Task A_configured_journal_is_used_by_apply_WhatIf_status_and_Test_Verify()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = ThreeFiles().Add("004_legacy.sql", "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);");
        var parameters = new SettingsParameters { Path = folder.Path, ConnectionString = db.ConnectionString, JournalSchema = "ops", JournalTable = "journal", To = "002_orders.sql" };
        var settings = parameters.ToSettings(new Dictionary<string, string>(), p => p);
        var server = await PostgresServer.AdminConnectionStringAsync();

        await new ApplyOperation(settings, passThru: false, whatIf: false).RunAsync(new RecordingSink(), default);
        var whatIf = new RecordingSink { Answer = _ => false };
        await new ApplyOperation(settings with { TargetId = null }, passThru: false, whatIf: true).RunAsync(whatIf, default);
        var status = new RecordingSink();
        await new StatusOperation(settings, []).RunAsync(status, default);
        var verified = new RecordingSink();
        await new TestOperation(settings with { TargetId = null }, verify: true, devDatabase: server).RunAsync(verified, default);
        // The same folder with the default journal: refused offline, before any database, as `up` would refuse it.
        var refused = new RecordingSink();
        await new TestOperation(settings with { TargetId = null, JournalSchema = null, JournalTable = "schema_migrations" }, verify: true, devDatabase: server).RunAsync(refused, default);

        Assert.Equal(["001_accounts.sql", "002_orders.sql"], (await db.RowsAsync("SELECT id FROM ops.journal ORDER BY id")).Select(r => (string)r[0]!));
        Assert.False(await db.TableExistsAsync("public.schema_migrations"));
        Assert.Equal(["003_invoices.sql", "004_legacy.sql"], whatIf.Questions.Select(q => q.Target.Split(' ')[0]));
        Assert.Contains("journal: ops.journal", status.Verbose);
        Assert.Equal([SchemaMigrationState.Applied, SchemaMigrationState.Applied, SchemaMigrationState.Pending, SchemaMigrationState.Pending],
            status.Written<SchemaMigrationStatus>().Select(s => s.State));
        Assert.All(verified.Written<SchemaMigrationTestResult>(), r => Assert.True(r.Verified));
        Assert.Contains(refused.Errors, e => e.Failure.Reason == ReasonCodes.MigrationTouchesJournal && e.Failure.File == "004_legacy.sql");
        Assert.All(refused.Written<SchemaMigrationTestResult>(), r => Assert.False(r.Verified));
    }
}
