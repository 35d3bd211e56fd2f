using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Tests.Safety;

/// <summary>
/// Every statement rule, against its page's unsafe example moved where no keyword may match (a string, a comment,
/// a dollar-quoted body, a quoted identifier), and against the same change on objects created in the same set.
/// </summary>
public class StatementRuleTests
{
    public static TheoryData<string, string> Disguised()
    {
        var data = new TheoryData<string, string>();
        foreach (var rule in GateRules.All.OfType<StatementRule>())
            foreach (var place in new[] { "string", "line comment", "block comment", "dollar-quoted body", "quoted identifier" })
                data.Add(rule.Id, place);
        return data;
    }

    [Theory]
    [MemberData(nameof(Disguised))]
    public void A_rules_statement_inside_a_string_comment_body_or_identifier_is_not_flagged(string id, string place)
    {
        var body = string.Join("\n", GateHarness.Page(id).Block("Unsafe example")!.Split('\n').Where(l => !l.StartsWith("-- schemamigrate:", StringComparison.Ordinal)));
        var sql = place switch
        {
            "string" => $"SELECT '{body.Replace("'", "''")}' AS text;",
            "line comment" => string.Join("\n", body.Split('\n').Select(l => "-- " + l)) + "\nCREATE TABLE t_commented (id int);",
            "block comment" => $"/* {body} /* nested */ */\nCREATE TABLE t_commented (id int);",
            "dollar-quoted body" => $"CREATE FUNCTION f_body() RETURNS void LANGUAGE sql AS $body$ {body} $body$;",
            _ => $"CREATE TABLE \"{body.Replace("\"", "\"\"")}\" (id int);",
        };
        var report = GateHarness.Judge(sql, GateHarness.Quiet with { LockTimeout = TimeSpan.Zero, StatementTimeout = TimeSpan.Zero });
        Assert.DoesNotContain(report.Findings, f => f.RuleId == id);
        Assert.True(report.Passed, string.Join("\n", report.Findings));
    }

    public static TheoryData<string, string, string> SameSet() => new()
    {
        { "adding-field-with-default", "CREATE TABLE orders (id int);", "ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();" },
        { "adding-foreign-key-constraint", "CREATE TABLE orders (id int, customer_id int);", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);" },
        { "adding-not-nullable-field", "CREATE TABLE users (email text);", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;" },
        { "adding-required-field", "CREATE TABLE users (id int);", "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;" },
        { "adding-serial-primary-key-field", "CREATE TABLE events (id int);", "ALTER TABLE events ADD PRIMARY KEY (id);" },
        { "backfilling-existing-rows", "CREATE TABLE users (email text, display_name text);", "UPDATE users SET display_name = email;" },
        { "ban-drop-column", "CREATE TABLE users (legacy_name text);", "ALTER TABLE users DROP COLUMN legacy_name;" },
        { "ban-drop-not-null", "CREATE TABLE users (nickname text NOT NULL);", "ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;" },
        { "ban-drop-table", "CREATE TABLE legacy_sessions (id int);", "DROP TABLE legacy_sessions;" },
        { "changing-column-type", "CREATE TABLE orders (total int);", "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);" },
        { "constraint-missing-not-valid", "CREATE TABLE orders (total int);", "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);" },
        { "disallowed-unique-constraint", "CREATE TABLE users (email text);", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);" },
        { "dropping-object", "CREATE VIEW active_users AS SELECT 1 AS one;", "DROP VIEW active_users;" },
        { "renaming-column", "CREATE TABLE users (name text);", "ALTER TABLE users RENAME COLUMN name TO full_name;" },
        { "renaming-table", "CREATE TABLE customers (id int);", "ALTER TABLE customers RENAME TO clients;" },
        { "renaming-object", "CREATE TYPE order_status AS ENUM ('shipped');", "ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';" },
        { "require-concurrent-index-creation", "CREATE TABLE orders (created_at timestamptz);", "CREATE INDEX orders_created_at_idx ON orders (created_at);" },
        { "require-concurrent-index-deletion", "CREATE TABLE orders (created_at timestamptz);\nCREATE INDEX orders_created_at_idx ON orders (created_at);", "DROP INDEX orders_created_at_idx;" },
        { "require-concurrent-partition-detach", "CREATE TABLE measurements (at date) PARTITION BY RANGE (at);", "ALTER TABLE measurements DETACH PARTITION measurements_2023;" },
        { "require-lock-timeout", "CREATE TABLE orders (id int);", "ALTER TABLE orders ADD COLUMN note text;" },
        { "require-statement-timeout", "CREATE TABLE orders (id int);", "ALTER TABLE orders ADD COLUMN note text;" },
        { "rewriting-table", "CREATE TABLE orders (id int);", "ALTER TABLE orders SET UNLOGGED;" },
    };

    [Theory]
    [MemberData(nameof(SameSet))]
    public void The_same_change_on_an_object_created_earlier_in_the_pending_set_is_expand(string id, string earlier, string sql)
    {
        var options = GateHarness.Quiet with { LockTimeout = TimeSpan.Zero, StatementTimeout = TimeSpan.Zero };
        var alone = GateHarness.Judge(options, [("001_create.sql", earlier)], ("002_change.sql", sql));
        Assert.Contains(alone.Findings, f => f.RuleId == id && f.File == "002_change.sql");

        var together = GateHarness.Judge(options, [], ("001_create.sql", earlier), ("002_change.sql", sql));
        Assert.DoesNotContain(together.Findings, f => f.RuleId == id);
        var inOneFile = GateHarness.Judge(options, [], ("001_both.sql", earlier + "\n" + sql));
        Assert.DoesNotContain(inOneFile.Findings, f => f.RuleId == id);
    }

    [Fact]
    public void Every_statement_rule_that_can_meet_a_new_object_has_a_same_set_case()
    {
        var exempt = new[] { "ban-alter-domain-with-add-constraint", "ban-create-domain-with-constraint", "ban-drop-database", "ban-truncate-cascade",
            "opaque-statement", "require-concurrent-reindex", "require-enum-value-ordering" };
        var covered = SameSet().Select(row => (string)row[0]).ToHashSet();
        Assert.Empty(GateRules.All.OfType<StatementRule>().Select(r => r.Id).Except(exempt).Except(covered));
    }
}
