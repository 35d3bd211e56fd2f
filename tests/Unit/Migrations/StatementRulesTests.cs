using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Tests.Migrations;

public class StatementRulesTests
{
    private static MigrationFile File(string sql, string id = "004_x.sql") => MigrationFile.FromBytes(id, id, Encoding.UTF8.GetBytes(sql));

    [Theory]
    [InlineData("CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY")]
    [InlineData("create unique index concurrently if not exists i on t (a)", "CREATE INDEX CONCURRENTLY")]
    [InlineData("DROP INDEX CONCURRENTLY IF EXISTS i", "DROP INDEX CONCURRENTLY")]
    [InlineData("REINDEX INDEX CONCURRENTLY i", "REINDEX CONCURRENTLY")]
    [InlineData("REINDEX (VERBOSE) SCHEMA app", "REINDEX SCHEMA")]
    [InlineData("REINDEX DATABASE app", "REINDEX DATABASE")]
    [InlineData("VACUUM (ANALYZE) t", "VACUUM")]
    [InlineData("CLUSTER VERBOSE", "CLUSTER without a table name")]
    [InlineData("CREATE DATABASE other", "CREATE DATABASE")]
    [InlineData("DROP DATABASE other", "DROP DATABASE")]
    [InlineData("ALTER DATABASE app SET TABLESPACE fast", "ALTER DATABASE ... SET TABLESPACE")]
    [InlineData("CREATE TABLESPACE fast LOCATION '/x'", "CREATE TABLESPACE")]
    [InlineData("ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM")]
    [InlineData("DISCARD ALL", "DISCARD ALL")]
    [InlineData("ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY", "DETACH PARTITION ... CONCURRENTLY")]
    [InlineData("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", "CREATE SUBSCRIPTION")]
    public void Statements_PostgreSQL_refuses_in_a_transaction_are_recognised(string sql, string name)
    {
        Assert.Equal(name, StatementRules.RefusedInTransactionName(SqlScript.Parse(sql).Statements.Single()));
    }

    [Theory]
    [InlineData("CREATE INDEX i ON t (a)")]
    [InlineData("REINDEX TABLE t")]
    [InlineData("CLUSTER t USING t_pkey")]
    [InlineData("ANALYZE t")]
    [InlineData("ALTER TABLE m DETACH PARTITION m_2020")]
    [InlineData("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'")]
    [InlineData("REFRESH MATERIALIZED VIEW CONCURRENTLY mv")]
    [InlineData("DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY i ON t (a)'; COMMIT; END $$")]
    public void Statements_that_run_in_a_transaction_are_not_flagged(string sql)
    {
        Assert.Null(StatementRules.RefusedInTransactionName(SqlScript.Parse(sql).Statements.Single()));
        Assert.Null(StatementRules.Check(File(sql + ";")));
    }

    [Fact]
    public void A_transactional_file_with_CREATE_INDEX_CONCURRENTLY_is_refused_at_its_line_with_the_directive_named()
    {
        var failure = StatementRules.Check(File("CREATE TABLE t (a int);\n\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"));

        Assert.NotNull(failure);
        Assert.Equal(ReasonCodes.MigrationInvalid, failure.Reason);
        Assert.Equal(3, failure.Line);
        Assert.StartsWith("004_x.sql:3: CREATE INDEX CONCURRENTLY cannot run inside a transaction block", failure.Message);
        Assert.Contains("-- schemamigrate:no-transaction", failure.Action);
    }

    [Fact]
    public void ALTER_TYPE_ADD_VALUE_runs_in_a_transactional_file_as_PostgreSQL_12_and_newer_allow()
    {
        var statement = SqlScript.Parse("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok' AFTER 'sad'").Statements.Single();
        Assert.Null(StatementRules.RefusedInTransactionName(statement));
        Assert.True(StatementRules.AddsEnumValue(statement));
        Assert.Null(StatementRules.Check(File("CREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood ADD VALUE 'ok';")));
    }

    [Fact]
    public void The_same_statements_are_accepted_under_no_transaction()
    {
        Assert.Null(StatementRules.Check(File(
            "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY a ON t (a);\nCREATE INDEX CONCURRENTLY b ON t (b);\nALTER TYPE mood ADD VALUE 'ok';\nVACUUM t;")));
    }

    [Theory]
    [InlineData("CREATE TABLE t (a int);\nSTART TRANSACTION ISOLATION LEVEL SERIALIZABLE;", 2, "'START TRANSACTION ISOLATION LEVEL SERIALIZABLE' is transaction control")]
    [InlineData("CREATE TABLE t (a int);\nCOMMIT;", 2, "'COMMIT' is transaction control")]
    [InlineData("CREATE TABLE t (a int);\nCOMMIT AND CHAIN;\nCREATE TABLE u (a int);", 2, "'COMMIT AND CHAIN' is transaction control")]
    [InlineData("CREATE TABLE t (a int);\nEND;", 2, "'END' is transaction control")]
    [InlineData("SELECT 1;\nROLLBACK;", 2, "'ROLLBACK' is transaction control")]
    public void Transaction_control_is_refused_in_a_transactional_file_naming_the_whole_statement(string sql, int line, string message)
    {
        var failure = StatementRules.Check(File(sql));
        Assert.NotNull(failure);
        Assert.Equal(line, failure.Line);
        Assert.Contains(message, failure.Message);
        Assert.Contains("start the file with '-- schemamigrate:no-transaction'", failure.Action);
    }


    [Fact]
    public void A_file_wrapped_in_its_own_transaction_is_told_how_to_run_as_written()
    {
        var failure = StatementRules.Check(File("BEGIN;\nCREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nEND;\n"));
        Assert.Equal(1, failure!.Line);
        Assert.StartsWith("The file wraps itself in a transaction of its own (line 1 to line 4), as files written for golang-migrate do. Make '-- schemamigrate:no-transaction' its first line", failure.Action);
    }

    [Theory]
    [InlineData("BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;")]
    [InlineData("START TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nUPDATE t SET a = 1;\nCOMMIT AND CHAIN;\nUPDATE t SET a = 2;\nEND;")]
    [InlineData("BEGIN;\nUPDATE t SET a = 1;\nROLLBACK;\nCREATE INDEX CONCURRENTLY i ON t (a);")]
    public void A_no_transaction_file_may_manage_its_own_transactions(string sql)
    {
        Assert.Null(StatementRules.Check(File("-- schemamigrate:no-transaction\n" + sql)));
    }

    [Theory]
    [InlineData("BEGIN;\nUPDATE t SET a = 1;", 2, "'BEGIN' opens a transaction that is still open when the file ends")]
    [InlineData("BEGIN;\nUPDATE t SET a = 1;\nCOMMIT AND CHAIN;", 4, "'COMMIT AND CHAIN' opens a transaction that is still open when the file ends")]
    [InlineData("PREPARE TRANSACTION 'x';", 2, "'PREPARE TRANSACTION 'x'' is two-phase commit")]
    [InlineData("COMMIT PREPARED 'x';", 2, "is two-phase commit")]
    public void A_no_transaction_file_may_not_leave_its_transaction_open_or_use_two_phase_commit(string sql, int line, string message)
    {
        var failure = StatementRules.Check(File("-- schemamigrate:no-transaction\n" + sql));
        Assert.NotNull(failure);
        Assert.Equal(line, failure.Line);
        Assert.Contains(message, failure.Message);
    }

    [Theory]
    [InlineData("COPY t (a) FROM STDIN;", 1, "COPY ... FROM STDIN")]
    [InlineData("SELECT 1;\n\\connect other\nSELECT 2;", 2, "'\\connect' is a psql meta-command")]
    public void COPY_through_the_client_and_psql_meta_commands_are_refused_either_way(string sql, int line, string message)
    {
        foreach (var directive in new[] { "", "-- schemamigrate:no-transaction\n" })
        {
            var failure = StatementRules.Check(File(directive + sql));
            Assert.NotNull(failure);
            Assert.Equal(line + (directive.Length > 0 ? 1 : 0), failure.Line);
            Assert.Contains(message, failure.Message);
        }
    }

    [Fact]
    public void Savepoints_and_plpgsql_BEGIN_are_not_transaction_control()
    {
        Assert.Null(StatementRules.Check(File(
            "SAVEPOINT s;\nCREATE TABLE t (a int);\nROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s;\n"
            + "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
            + "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n"
            + "SELECT E'\\\\connect is text here';")));
    }

    [Theory]
    [InlineData("CREATE INDEX CONCURRENTLY i ON t (a)", true, true)]
    [InlineData("DROP INDEX CONCURRENTLY i", true, true)]
    [InlineData("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", false, true)]
    [InlineData("ALTER TABLE m DETACH PARTITION p CONCURRENTLY", true, false)]
    [InlineData("CALL backfill()", false, false)]
    [InlineData("ALTER TABLE t ADD COLUMN c int", false, true)]
    public void Concurrent_ddl_skips_the_default_lock_timeout_and_only_single_transaction_work_is_retried(string sql, bool concurrent, bool retryable)
    {
        var statement = SqlScript.Parse(sql).Statements.Single();
        Assert.Equal(concurrent, StatementRules.IsConcurrentDdl(statement));
        Assert.Equal(retryable, StatementRules.RetryableAfterLockTimeout(statement));
    }
}
