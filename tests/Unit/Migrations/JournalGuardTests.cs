using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Tests.Migrations;

/// <summary>Which statements would touch the journal or its progress table, decided before anything runs.</summary>
public class JournalGuardTests
{
    private static JournalLocation Journal(string schema = "public", string table = "schema_migrations", bool exists = true) => new()
    {
        Schema = schema, Table = table, Name = $"{schema}.{table}", QuotedSchema = schema,
        ProgressName = $"{schema}.schemamigrate_progress", ProgressTable = "schemamigrate_progress",
        Exists = exists, Configured = false, SchemaExists = true, CanCreate = true, User = "app",
    };

    private static Failure? Check(string sql, JournalLocation? journal = null) =>
        JournalGuard.Check(MigrationFile.FromBytes("005_x.sql", "005_x.sql", Encoding.UTF8.GetBytes(sql)), journal ?? Journal());

    [Theory]
    [InlineData("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);")]
    [InlineData("DROP TABLE IF EXISTS public.schema_migrations;")]
    [InlineData("ALTER TABLE \"schema_migrations\" ADD COLUMN dirty boolean;")]
    [InlineData("INSERT INTO Schema_Migrations (id, checksum, applied_at) VALUES ('x', 'y', now());")]
    [InlineData("DELETE FROM schema_migrations WHERE id = '001_init.sql';")]
    [InlineData("TRUNCATE schemamigrate_progress;")]
    [InlineData("WITH gone AS (DELETE FROM schema_migrations RETURNING id) SELECT count(*) FROM gone;")]
    [InlineData("ALTER TABLE old_versions RENAME TO schema_migrations;")]
    [InlineData("DROP SCHEMA public CASCADE;")]
    [InlineData("ALTER SCHEMA public RENAME TO old_public;")]
    public void Statements_that_would_change_the_journal_are_refused_with_the_way_out(string sql)
    {
        var failure = Check("CREATE TABLE users (id int);\n" + sql);

        Assert.NotNull(failure);
        Assert.Equal(ReasonCodes.MigrationTouchesJournal, failure.Reason);
        Assert.Equal(2, failure.Line);
        Assert.Contains("SCHEMAMIGRATE_JOURNAL_TABLE", failure.Action);
        Assert.Contains("ALTER TABLE public.schema_migrations RENAME TO schemamigrate_journal", failure.Action);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM schema_migrations;")]
    [InlineData("GRANT SELECT ON public.schema_migrations TO monitoring;")]
    [InlineData("COMMENT ON TABLE schema_migrations IS 'SchemaMigrate''s journal';")]
    [InlineData("CREATE TABLE other.schema_migrations (version bigint);")]
    [InlineData("CREATE TABLE migrations_log (id int); INSERT INTO migrations_log SELECT 1;")]
    [InlineData("DO $$ BEGIN PERFORM 1; END $$;")]
    public void Reading_it_and_tables_elsewhere_are_fine(string sql)
    {
        Assert.Null(Check(sql));
    }

    [Fact]
    public void A_configured_journal_is_guarded_and_the_old_name_is_free()
    {
        var journal = Journal("ops", "schemamigrate_journal", exists: false) with { ProgressName = "ops.schemamigrate_journal_progress", ProgressTable = "schemamigrate_journal_progress" };

        Assert.Null(Check("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);\nDROP SCHEMA public CASCADE;", journal));
        var failure = Check("UPDATE ops.schemamigrate_journal_progress SET done = 0;", journal);
        Assert.Contains("SchemaMigrate's progress table ops.schemamigrate_journal_progress", failure!.Message);
        Assert.DoesNotContain("RENAME TO", failure.Action); // nothing exists yet to rename
        Assert.NotNull(Check("DROP SCHEMA IF EXISTS ops;", journal));
    }
}
