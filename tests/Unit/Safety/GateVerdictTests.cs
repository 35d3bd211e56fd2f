using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Tests.Safety;

/// <summary>How the gate decides: the file's phase, the run's allowed phases, waivers, and what counts as new.</summary>
public class GateVerdictTests
{
    private static readonly (string, string)[] Users = [("001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy text);")];

    private static Finding Only(GateReport report, string rule) => Assert.Single(report.Findings, f => f.RuleId == rule);

    [Fact]
    public void A_contract_statement_in_an_undeclared_file_is_refused_even_when_the_run_allows_contract()
    {
        var report = GateHarness.Judge(GateHarness.Quiet with { Allowed = AllowedPhases.Contract }, Users, ("002_drop.sql", "ALTER TABLE users DROP COLUMN legacy;"));
        var finding = Only(report, "ban-drop-column");
        Assert.Equal(Verdict.Refused, finding.Verdict);
        Assert.Equal(StatementClass.Contract, finding.Class);
        Assert.Equal((1, 19), (finding.Line, finding.Column));
        Assert.Contains("-- schemamigrate:contract", finding.Because);
    }

    [Fact]
    public void A_declared_contract_file_runs_only_in_a_run_that_allows_contract()
    {
        const string sql = "-- schemamigrate:contract\nALTER TABLE users DROP COLUMN legacy;";
        var refused = GateHarness.Judge(GateHarness.Quiet, Users, ("002_drop.sql", sql));
        Assert.False(refused.Passed);
        Assert.Equal(["ban-drop-column", "phase-not-allowed"], refused.Refused.Select(f => f.RuleId).Order());
        Assert.Contains("--allow contract", Only(refused, "phase-not-allowed").Because);

        var allowed = GateHarness.Judge(GateHarness.Quiet with { Allowed = AllowedPhases.Contract }, Users, ("002_drop.sql", sql));
        Assert.True(allowed.Passed);
        Assert.Equal(Verdict.Allowed, Only(allowed, "ban-drop-column").Verdict);
        Assert.False(GateHarness.Judge(GateHarness.Quiet with { Allowed = AllowedPhases.Backfill }, Users, ("002_drop.sql", sql)).Passed);
    }

    [Fact]
    public void A_backfill_file_may_not_carry_a_contract_step()
    {
        var report = GateHarness.Judge(GateHarness.Quiet with { Allowed = AllowedPhases.Backfill | AllowedPhases.Contract }, Users,
            ("002_mixed.sql", "-- schemamigrate:backfill\nUPDATE users SET email = lower(email);\nALTER TABLE users DROP COLUMN legacy;"));
        Assert.Equal(Verdict.Allowed, Only(report, "backfilling-existing-rows").Verdict);
        var drop = Only(report, "ban-drop-column");
        Assert.Equal(Verdict.Refused, drop.Verdict);
        Assert.Contains("declares backfill", drop.Because);
    }

    [Fact]
    public void Blocked_is_refused_in_every_phase_and_a_waiver_with_its_reason_lets_it_through()
    {
        const string sql = "CREATE INDEX users_email_idx ON users (email);";
        var all = GateHarness.Quiet with { Allowed = AllowedPhases.Contract | AllowedPhases.Backfill };
        Assert.Equal(Verdict.Refused, Only(GateHarness.Judge(all, Users, ("002_i.sql", "-- schemamigrate:contract\n" + sql)), "require-concurrent-index-creation").Verdict);

        var waived = GateHarness.Judge(GateHarness.Quiet, Users, ("002_i.sql", "-- schemamigrate:allow require-concurrent-index-creation users has 40 rows\n" + sql));
        Assert.True(waived.Passed);
        var finding = Only(waived, "require-concurrent-index-creation");
        Assert.Equal(Verdict.Waived, finding.Verdict);
        Assert.Equal("waived at line 1: users has 40 rows", finding.Because);
    }

    [Fact]
    public void An_allow_that_waives_nothing_is_a_warning_at_its_line()
    {
        var report = GateHarness.Judge(GateHarness.Quiet, Users, ("002_x.sql", "-- note\n-- schemamigrate:allow ban-drop-table the old table is gone\nALTER TABLE users ADD COLUMN nickname text;"));
        var unused = Only(report, "unused-allow");
        Assert.Equal((Verdict.Warning, 2), (unused.Verdict, unused.Line));
        Assert.True(report.Passed);
    }

    [Fact]
    public void An_opaque_statement_is_refused_unless_the_file_declares_its_phase_or_waives_it()
    {
        const string doBlock = "DO $$ BEGIN UPDATE users SET email = lower(email); END $$;";
        Assert.Equal(Verdict.Refused, Only(GateHarness.Judge(doBlock), "opaque-statement").Verdict);
        Assert.Equal(Verdict.Allowed, Only(GateHarness.Judge(GateHarness.Quiet with { Allowed = AllowedPhases.Backfill }, [], ("001_x.sql", "-- schemamigrate:backfill\n" + doBlock)), "opaque-statement").Verdict);
        Assert.Equal(Verdict.Waived, Only(GateHarness.Judge("-- schemamigrate:allow opaque-statement lower-cases emails, 12 rows\n" + doBlock), "opaque-statement").Verdict);
        Assert.Equal(StatementClass.Opaque, Only(GateHarness.Judge("CALL archive_orders(30);"), "opaque-statement").Class);
        Assert.Single(GateHarness.Judge("SELECT create_hypertable('events', 'at');").Findings, f => f.RuleId == "opaque-statement");
        Assert.Single(GateHarness.Judge("ALTER TABLE users FROBNICATE;").Findings, f => f.RuleId == "opaque-statement");
        Assert.Single(GateHarness.Judge("WITH moved AS (DELETE FROM users RETURNING *) INSERT INTO archive SELECT * FROM moved;").Findings, f => f.RuleId == "opaque-statement");
    }

    [Theory]
    [InlineData("SELECT pg_catalog.set_config('search_path', '', false);")]
    [InlineData("SELECT 1;")]
    [InlineData("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ DROP TABLE users; SELECT 1 $$;")]
    [InlineData("COMMENT ON TABLE users IS 'DROP TABLE users';")]
    [InlineData("GRANT SELECT ON users TO reporting;")]
    [InlineData("INSERT INTO users (id, email) VALUES (1, 'a@example.com');")]
    [InlineData("ALTER TABLE users ADD COLUMN nickname text;")]
    [InlineData("ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();")]
    [InlineData("ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free'::varchar(10);")]
    [InlineData("ALTER TABLE users ALTER COLUMN email SET DEFAULT '';")]
    [InlineData("ALTER TABLE users ADD CONSTRAINT users_email_present CHECK (email <> '') NOT VALID;")]
    [InlineData("ALTER TABLE users RENAME CONSTRAINT a TO b;")]
    [InlineData("ALTER INDEX users_email_idx RENAME TO users_email_index;")]
    [InlineData("CREATE TABLE IF NOT EXISTS audit (id int);\nALTER TABLE audit DROP COLUMN id;")]
    public void Expand_statements_on_existing_tables_raise_nothing(string sql)
    {
        var report = GateHarness.Judge(GateHarness.Quiet, Users, ("002_x.sql", sql));
        Assert.True(report.Findings.All(f => f.Verdict == Verdict.Note), string.Join("\n", report.Findings));
        Assert.All(report.Statements, s => Assert.Equal(StatementClass.Expand, s.Class));
    }

    [Theory]
    [InlineData("ALTER TABLE users ADD COLUMN n bigserial;", "adding-field-with-default")]
    [InlineData("ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;", "adding-field-with-default")]
    [InlineData("ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (id * 2) STORED;", "adding-field-with-default")]
    [InlineData("ALTER TABLE users ADD COLUMN n float DEFAULT random();", "adding-field-with-default")]
    [InlineData("ALTER TABLE users ADD COLUMN n text DEFAULT my_function();", "adding-field-with-default")]
    [InlineData("ALTER TABLE users ADD COLUMN manager_id bigint REFERENCES users (id);", "adding-foreign-key-constraint")]
    [InlineData("ALTER TABLE users ADD COLUMN handle text UNIQUE;", "disallowed-unique-constraint")]
    [InlineData("ALTER TABLE users ADD CONSTRAINT no_overlap EXCLUDE USING gist (id WITH =);", "disallowed-unique-constraint")]
    [InlineData("ALTER TABLE users ALTER email TYPE text USING lower(email);", "changing-column-type")]
    [InlineData("ALTER TABLE users ALTER COLUMN email SET DATA TYPE varchar(10);", "changing-column-type")]
    [InlineData("ALTER TABLE users DROP CONSTRAINT users_pkey;", "dropping-object")]
    [InlineData("ALTER TABLE users ALTER COLUMN email DROP DEFAULT;", "dropping-object")]
    [InlineData("REVOKE SELECT ON users FROM reporting;", "dropping-object")]
    [InlineData("DROP FUNCTION touch(), other();", "dropping-object")]
    [InlineData("ALTER FUNCTION touch() RENAME TO touch_row;", "renaming-object")]
    [InlineData("ALTER SCHEMA app RENAME TO core;", "renaming-object")]
    [InlineData("ALTER TABLE users SET SCHEMA archive;", "renaming-table")]
    [InlineData("ALTER VIEW active_users RENAME COLUMN email TO mail;", "renaming-column")]
    [InlineData("ALTER TABLE ONLY public.users DROP COLUMN IF EXISTS legacy;", "ban-drop-column")]
    [InlineData("ALTER TABLE \"users\" DROP \"legacy\";", "ban-drop-column")]
    [InlineData("ALTER TABLE :app_schema.users DROP COLUMN legacy;", "ban-drop-column")]
    [InlineData("DROP TABLE IF EXISTS archive, users CASCADE;", "ban-drop-table")]
    [InlineData("CREATE UNIQUE INDEX IF NOT EXISTS users_email ON ONLY users (email);", "require-concurrent-index-creation")]
    [InlineData("CLUSTER users USING users_pkey;", "rewriting-table")]
    [InlineData("ALTER TABLE users SET TABLESPACE slow;", "rewriting-table")]
    [InlineData("INSERT INTO users SELECT * FROM staging_users;", "backfilling-existing-rows")]
    [InlineData("INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET email = excluded.email;", "backfilling-existing-rows")]
    [InlineData("DELETE FROM users WHERE legacy IS NOT NULL;", "backfilling-existing-rows")]
    [InlineData("COPY users FROM '/tmp/users.csv';", "backfilling-existing-rows")]
    [InlineData("REFRESH MATERIALIZED VIEW user_stats;", "backfilling-existing-rows")]
    public void Variants_of_each_rules_form_are_flagged(string sql, string rule)
    {
        var report = GateHarness.Judge(GateHarness.Quiet, Users, ("002_x.sql", sql));
        Assert.Contains(report.Findings, f => f.RuleId == rule && f.Verdict == Verdict.Refused);
    }

    [Fact]
    public void Set_not_null_passes_once_a_validated_check_proves_it_in_an_earlier_file_even_an_applied_one()
    {
        const string check = "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK ((email IS NOT NULL)) NOT VALID;";
        const string validate = "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;";
        const string setNotNull = "-- schemamigrate:contract\nALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        var contract = GateHarness.Quiet with { Allowed = AllowedPhases.Contract };

        Assert.Contains(GateHarness.Judge(contract, Users, ("002_check.sql", check), ("003_nn.sql", setNotNull)).Findings, f => f.RuleId == "adding-not-nullable-field");
        var applied = GateHarness.Judge(contract, [.. Users, ("002_check.sql", check), ("003_validate.sql", validate)], ("004_nn.sql", setNotNull));
        Assert.DoesNotContain(applied.Findings, f => f.RuleId == "adding-not-nullable-field");
        var otherColumn = GateHarness.Judge(contract, [.. Users, ("002_check.sql", check), ("003_validate.sql", validate)], ("004_nn.sql", "ALTER TABLE users ALTER COLUMN legacy SET NOT NULL;"));
        Assert.Contains(otherColumn.Findings, f => f.RuleId == "adding-not-nullable-field");
    }

    [Fact]
    public void Validating_in_the_transaction_that_added_the_constraint_is_flagged_but_not_in_a_no_transaction_file_or_a_later_one()
    {
        const string both = "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT fk;";
        Assert.Contains(GateHarness.Judge(GateHarness.Quiet, Users, ("002_x.sql", both)).Findings, f => f.RuleId == "constraint-missing-not-valid" && f.Line == 2);
        Assert.DoesNotContain(GateHarness.Judge(GateHarness.Quiet, Users, ("002_x.sql", "-- schemamigrate:no-transaction\n" + both)).Findings, f => f.RuleId == "constraint-missing-not-valid");
        var split = both.Split('\n');
        Assert.DoesNotContain(GateHarness.Judge(GateHarness.Quiet, Users, ("002_a.sql", split[0]), ("003_b.sql", split[1])).Findings, f => f.RuleId == "constraint-missing-not-valid");
    }

    [Fact]
    public void Applied_files_are_never_judged_and_their_tables_are_existing_even_under_create_if_not_exists()
    {
        var report = GateHarness.Judge(GateHarness.Quiet, [("001_users.sql", "DROP TABLE legacy; CREATE TABLE users (id int, legacy text);")],
            ("002_x.sql", "CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users DROP COLUMN legacy;"));
        Assert.Equal(1, report.FilesJudged);
        Assert.DoesNotContain(report.Findings, f => f.File == "001_users.sql");
        Assert.Contains(report.Findings, f => f.RuleId == "ban-drop-column" && f.File == "002_x.sql");
    }

    [Fact]
    public void Judged_each_file_alone_a_change_to_a_table_an_earlier_pending_file_created_is_a_change_to_an_existing_table()
    {
        var together = GateHarness.Judge(GateHarness.Quiet, [], ("001_users.sql", Users[0].Item2), ("005_drop_column.sql", "ALTER TABLE users DROP COLUMN legacy;"));
        Assert.True(together.Passed);
        var alone = GateHarness.Judge(GateHarness.Quiet with { EachFileAlone = true }, [], ("001_users.sql", Users[0].Item2), ("005_drop_column.sql", "ALTER TABLE users DROP COLUMN legacy;"));
        Assert.Equal("ban-drop-column", Assert.Single(alone.Refused).RuleId);
    }

    [Fact]
    public void The_timeout_rules_say_the_runner_satisfies_them_and_warn_only_when_it_does_not()
    {
        const string sql = "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;";
        var defaults = GateHarness.Judge(GateHarness.Quiet with { StatementTimeout = TimeSpan.Zero }, Users, ("002_x.sql", sql));
        var note = Only(defaults, "require-lock-timeout");
        Assert.Equal((Verdict.Note, StatementClass.Expand), (note.Verdict, note.Class));
        Assert.Contains("satisfied by the runner", note.Message);
        Assert.Equal(Verdict.Warning, Only(defaults, "require-statement-timeout").Verdict);

        var setInFile = GateHarness.Judge(GateHarness.Quiet with { LockTimeout = TimeSpan.Zero }, Users, ("002_x.sql", "SET lock_timeout = '1s';\n" + sql));
        Assert.DoesNotContain(setInFile.Findings, f => f.RuleId == "require-lock-timeout");
        Assert.Equal(Verdict.Warning, Only(GateHarness.Judge(GateHarness.Quiet with { LockTimeout = TimeSpan.Zero }, Users, ("002_x.sql", sql)), "require-lock-timeout").Verdict);
    }

    [Fact]
    public void Every_statement_gets_a_class_the_highest_of_its_findings()
    {
        var report = GateHarness.Judge(GateHarness.Quiet, Users, ("002_x.sql", "ALTER TABLE users ADD COLUMN a text;\nUPDATE users SET a = email;\nALTER TABLE users DROP COLUMN legacy, ADD COLUMN b serial;\nDO $$ BEGIN END $$;"));
        Assert.Equal([StatementClass.Expand, StatementClass.Backfill, StatementClass.Blocked, StatementClass.Opaque], report.Statements.Select(s => s.Class));
        Assert.Equal([1, 2, 3, 4], report.Statements.Select(s => s.Line));
    }
}
