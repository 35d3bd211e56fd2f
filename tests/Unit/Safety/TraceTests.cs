using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Engine.Safety.Trace;
using SchemaMigrate.Engine.Sql;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Safety;

/// <summary>
/// `verify --trace` on the real PostgreSQL: the deployed part is applied to a database first, and the trace runs
/// on a copy of it (--dev-database), as on a restored copy of production.
/// </summary>
public class TraceTests
{
    private const string Users = "CREATE TABLE users (id bigint PRIMARY KEY, name text);\nINSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 2000) g;\n";

    /// <summary>Applies <paramref name="deployed"/> to a fresh database, then traces the folder with <paramref name="pending"/> added on a copy of it.</summary>
    private static async Task<VerifyResult> TraceAsync(string deployed, (string Name, string Sql)[] pending, TraceRequest? request = null, AllowedPhases allow = AllowedPhases.None)
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_users.sql", deployed);
        var settings = MigrationSettings.FromEnvironment(new Dictionary<string, string>()) with { MigrationsDirectory = folder.Path, ConnectionString = db.ConnectionString };
        Assert.True((await new Migrator(settings).UpAsync(NullListener.Instance)).Succeeded);
        foreach (var (name, sql) in pending) folder.Add(name, sql);
        return await Verifier.RunAsync(settings with { ConnectionString = null, AllowedPhases = allow }, db.ConnectionString, NullListener.Instance, default, request ?? new TraceRequest());
    }

    [Fact]
    public async Task A_volatile_default_add_column_is_a_rewrite_under_access_exclusive_and_the_gate_is_confirmed()
    {
        var result = await TraceAsync(Users, [("002_users_token.sql", "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();")]);

        var trace = result.Trace!;
        var s = Assert.Single(trace.Statements);
        Assert.Equal(("002_users_token.sql", 1), (s.File, s.Line));
        Assert.Contains(s.Locks, l => l.Relation == "users" && l.Mode == LockMode.AccessExclusiveLock && l.New);
        Assert.Equal(["users", "users_pkey"], s.Rewrites);
        Assert.Equal(LockMode.AccessExclusiveLock, s.StrongestLock?.Mode);
        Assert.Equal(["SELECT", "INSERT", "UPDATE", "DELETE", "DDL"], s.Blocks);
        Assert.Contains(s.Predictions, p => p.Prediction.Source == "adding-field-with-default" && p.Outcome == PredictionOutcome.Confirmed);
        Assert.Contains(s.Findings, f => f.RuleId == "adding-field-with-default" && f.Refused);
        Assert.True(trace.Sizes["users"] > 100_000, $"users is {trace.Sizes.GetValueOrDefault("users")} bytes");
        Assert.Equal("POLICY_VIOLATION", result.Apply.Failure?.ReasonCode);
    }

    [Fact]
    public async Task Create_index_concurrently_takes_share_update_exclusive_and_rewrites_nothing()
    {
        var result = await TraceAsync(Users, [("002_users_name_idx.sql", "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY users_name_idx ON users (name);")]);

        var s = Assert.Single(result.Trace!.Statements);
        Assert.Equal(LockObservation.Watched, s.Observation);
        Assert.Contains(s.Locks, l => l.Relation == "users" && l.Mode == LockMode.ShareUpdateExclusiveLock);
        Assert.DoesNotContain(s.Locks, l => l.Mode > LockMode.ShareUpdateExclusiveLock);
        Assert.Empty(s.Rewrites);
        Assert.Equal(["users_name_idx"], s.NewIndexes);
        Assert.Equal(["DDL"], s.Blocks);
        Assert.All(s.Predictions, p => Assert.Equal(PredictionOutcome.Confirmed, p.Outcome));
        Assert.Null(result.Apply.Failure);
        Assert.Contains(result.Status!.Migrations, m => m.Id == "002_users_name_idx.sql" && m.State == MigrationState.Applied);
    }

    [Fact]
    public async Task A_column_drop_hidden_in_a_do_block_is_caught_by_the_schema_diff()
    {
        var sql = "-- schemamigrate:allow opaque-statement tidies up the users table\nDO $$\nBEGIN\n  EXECUTE 'ALTER TABLE users DROP COLUMN ' || 'name';\nEND\n$$;";
        var result = await TraceAsync(Users, [("002_tidy.sql", sql)]);

        var trace = result.Trace!;
        var finding = Assert.Single(trace.Findings, f => f.RuleId == "schema-breaking-change");
        Assert.Equal(("002_tidy.sql", 2, StatementClass.Contract, Verdict.Refused), (finding.File, finding.Line, finding.Class, finding.Verdict));
        Assert.Contains("drops column public.users.name", finding.Message);
        Assert.Contains(trace.Findings, f => f.RuleId == "opaque-statement" && f.Verdict == Verdict.Waived);
        Assert.Equal("POLICY_VIOLATION", result.Apply.Failure?.ReasonCode);
    }

    [Fact]
    public async Task A_rollback_image_query_of_a_renamed_column_is_caught_with_the_migration_named()
    {
        using var queries = new MigrationFolder().Add("rollback.sql", "SELECT id, name FROM users WHERE id = $1\nSELECT count(*) FROM users\n");
        var result = await TraceAsync(Users, [("002_rename.sql", "-- schemamigrate:contract\nALTER TABLE users RENAME COLUMN name TO full_name;")],
            new TraceRequest(AppQueries: queries.FilePath("rollback.sql")), AllowedPhases.Contract);

        var trace = result.Trace!;
        Assert.Equal(2, trace.QueriesChecked);
        var finding = Assert.Single(trace.Findings, f => f.RuleId == "app-query-broken");
        Assert.Equal(("002_rename.sql", 2, Verdict.Refused), (finding.File, finding.Line, finding.Verdict));
        Assert.Contains("rollback image query 1 (SELECT id, name FROM users WHERE id = $1)", finding.Message);
        Assert.Contains("column \"name\" does not exist", finding.Message);
        Assert.Contains("renames column public.users.name to public.users.full_name", finding.Message);
        // The contract file and the rename are allowed by --allow contract; the query still refuses the run.
        Assert.Contains(trace.Findings, f => f.RuleId == "renaming-column" && f.Verdict == Verdict.Allowed);
        Assert.Contains(trace.Findings, f => f.RuleId == "schema-breaking-change" && f.Verdict == Verdict.Allowed);
    }

    [Fact]
    public async Task A_secret_in_an_app_query_or_in_postgresqls_error_about_it_is_masked_in_the_finding()
    {
        var secret = "s3cr3t_" + Guid.NewGuid().ToString("N")[..12];
        Redactor.Register(secret);
        using var queries = new MigrationFolder().Add("rollback.sql", $"SELECT name FROM users WHERE name <> 'password=hunter2leak'\nSELECT {secret} FROM users\n");
        var result = await TraceAsync(Users, [("002_rename.sql", "-- schemamigrate:contract\nALTER TABLE users RENAME COLUMN name TO full_name;")],
            new TraceRequest(AppQueries: queries.FilePath("rollback.sql")), AllowedPhases.Contract);

        var findings = result.Trace!.Findings.Where(f => f.RuleId == "app-query-broken").ToList();
        Assert.Equal(2, findings.Count);
        // Query 1 breaks with the rename (its summary is quoted); query 2 never prepared (PostgreSQL's error names the column).
        var messages = string.Join("\n", findings.Select(f => f.Message));
        Assert.True(findings.Any(f => f.Message.StartsWith("rollback image query 1 (SELECT name FROM users WHERE name <> 'password=*** no longer prepares", StringComparison.Ordinal)), messages);
        Assert.True(findings.Any(f => f.Message.Contains("column \"***\" does not exist")), messages);
        Assert.All(findings, f => Assert.DoesNotContain("hunter2leak", f.Message));
        Assert.All(findings, f => Assert.DoesNotContain(secret, f.Message));
    }

    [Fact]
    public void An_empty_path_for_the_queries_or_the_trace_report_is_the_options_reason_code_not_an_unexpected_error()
    {
        // The runner refuses "" for these options; the engine still answers for other callers (File.ReadAllText("") throws ArgumentException).
        var queries = Assert.Throws<MigrationException>(() => AppQueries.Load("", "--app-queries"));
        Assert.Equal(ReasonCodes.InvalidArgument.Code, queries.Failure.ReasonCode);
        Assert.StartsWith("--app-queries : cannot read it", queries.Message);
        var report = Assert.Throws<MigrationException>(() => DeployGate.RequireTrace("", [GateHarness.File("001_x.sql", "SELECT 1;")]));
        Assert.Equal(ReasonCodes.TraceReportInvalid.Code, report.Failure.ReasonCode);
    }

    [Fact]
    public async Task A_transaction_a_no_transaction_file_opens_itself_is_traced_as_written()
    {
        var sql = "-- schemamigrate:no-transaction\nBEGIN;\nALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\nCOMMIT;\n"
                  + "CREATE INDEX CONCURRENTLY users_a_idx ON users (a);\n";
        var result = await TraceAsync(Users, [("002_users_ab.sql", sql)]);

        Assert.Null(result.Apply.Failure);
        var statements = result.Trace!.Statements.ToList();
        Assert.Equal([2, 3, 4, 5, 6], statements.Select(s => s.Line));
        Assert.Contains(statements[1].Locks, l => l.Relation == "users" && l.Mode == LockMode.AccessExclusiveLock && l.New);
        // The second ALTER runs inside the file's own transaction, still holding the first one's lock.
        Assert.Contains(statements[2].Locks, l => l.Relation == "users" && l.Mode == LockMode.AccessExclusiveLock && !l.New);
        Assert.Equal(LockObservation.Watched, statements[4].Observation);
        Assert.Equal(["users_a_idx"], statements[4].NewIndexes);
        Assert.Contains(result.Status!.Migrations, m => m.Id == "002_users_ab.sql" && m.State == MigrationState.Applied);
    }

    [Fact]
    public async Task Each_file_is_traced_in_the_session_up_gives_it_a_set_search_path_ends_with_its_file_a_role_default_reaches_the_next()
    {
        // A throwaway cluster of its own: the role default would otherwise reach every test on the shared server.
        using var folder = new MigrationFolder()
            .Add("001_schemas.sql", "CREATE SCHEMA s;\nCREATE SCHEMA app;\nSET search_path = s, public;\n")
            .Add("002_t.sql", "CREATE TABLE t (a int);\n")
            .Add("003_role_default.sql", "ALTER ROLE CURRENT_USER SET search_path = app, public;\n")
            .Add("004_u.sql", "CREATE TABLE u (a int);\n");
        var settings = MigrationSettings.FromEnvironment(new Dictionary<string, string>()) with { MigrationsDirectory = folder.Path };

        var result = await Verifier.RunAsync(settings, null, NullListener.Instance, default, new TraceRequest(AppliedThrough: "none"));

        Assert.Equal(4, result.Trace!.Files.Count);
        var tables = result.Trace.SchemaChanges.Where(c => c.Kind == "relation" && c.Change == SchemaChangeKind.Added).Select(c => (c.Object, c.File)).ToList();
        Assert.Contains(("public.t", "002_t.sql"), tables);
        Assert.Contains(("app.u", "004_u.sql"), tables);
        Assert.Equal(2, tables.Count);
    }

    [Fact]
    public async Task A_pending_file_up_would_refuse_for_touching_the_journal_is_not_traced()
    {
        var result = await TraceAsync(Users, [
            ("002_users_email.sql", "ALTER TABLE users ADD COLUMN email text;"),
            ("003_forget.sql", "DELETE FROM public.schema_migrations WHERE id = '001_users.sql';"),
        ]);

        Assert.Equal(("MIGRATION_TOUCHES_JOURNAL", "003_forget.sql"), (result.Apply.Failure?.ReasonCode, result.Apply.Failure?.File));
        Assert.Null(result.Trace);
        Assert.Equal(MigrationState.Pending, result.Status!.Migrations.Single(m => m.Id == "002_users_email.sql").State);
        Assert.Equal(MigrationState.Applied, result.Status.Migrations.Single(m => m.Id == "001_users.sql").State);
    }

    [Fact]
    public async Task A_failing_statement_ends_the_trace_at_its_file_and_line_and_keeps_what_ran_before_it()
    {
        var result = await TraceAsync(Users, [
            ("002_users_email.sql", "ALTER TABLE users ADD COLUMN email text;"),
            ("003_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE order_lines (order_id bigint REFERENCES ordrs (id));"),
            ("004_never.sql", "CREATE TABLE never (id int);"),
        ]);

        Assert.Equal("SQL_APPLY_FAILED", result.Apply.Failure?.ReasonCode);
        Assert.Equal(("003_orders.sql", 2), (result.Apply.Failure!.File, result.Apply.Failure.Line));
        Assert.Equal(["002_users_email.sql"], result.Trace!.Files.Select(f => f.Id));
        Assert.Equal(MigrationState.Pending, result.Status!.Migrations.Single(m => m.Id == "003_orders.sql").State);
    }

    [Fact]
    public async Task A_prediction_the_test_gets_wrong_is_reported_as_a_mismatch()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync(Users);
        var file = new GateFile("002_users_token.sql", SqlScript.Parse("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"));
        // Injected: the gate claims the statement takes only ROW SHARE and rewrites nothing.
        var wrong = new StatementPrediction("users", LockMode.RowShareLock, Rewrite: false, "injected-by-test");
        var gate = new GateReport([], [new StatementVerdict(file.Id, 1, StatementClass.Expand) { Predictions = [wrong] }], 1);
        var input = new TraceInput([file], gate, new GateOptions()) { MustRunAlone = _ => false, Record = (_, _, _) => Task.CompletedTask };

        var report = await Tracer.RunAsync(db.ConnectionString, input, default);

        var s = Assert.Single(report.Statements);
        var check = Assert.Single(s.Predictions);
        Assert.Equal(PredictionOutcome.Mismatch, check.Outcome);
        Assert.Contains("AccessExclusiveLock on users", check.Observed);
        Assert.Contains("rewrote users", check.Observed);
        var finding = Assert.Single(s.Findings);
        Assert.Equal(("trace-mismatch", StatementClass.Blocked, Verdict.Refused), (finding.RuleId, finding.Class, finding.Verdict));
        Assert.Contains("injected-by-test", finding.Message);
    }
}
