using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Tests.Migrations;

/// <summary>How a no-transaction file's statements group into the parts that commit as a whole (and so count as progress).</summary>
public class CommitUnitsTests
{
    private static IReadOnlyList<CommitUnit> Split(string sql) => CommitUnits.Split(SqlScript.Parse(sql).Statements);

    [Fact]
    public void Statements_in_autocommit_are_one_unit_each()
    {
        Assert.Equal([new CommitUnit(0, 1, false, null), new CommitUnit(1, 2, false, null)],
            Split("CREATE INDEX CONCURRENTLY a ON t (a); CREATE INDEX CONCURRENTLY b ON t (b);"));
    }

    [Fact]
    public void A_transaction_the_file_opens_is_one_unit_from_its_BEGIN_to_its_COMMIT()
    {
        Assert.Equal([new CommitUnit(0, 1, false, null), new CommitUnit(1, 5, true, null), new CommitUnit(5, 6, false, null)],
            Split("CREATE TABLE t (a int); BEGIN; INSERT INTO t VALUES (1); SAVEPOINT s; COMMIT; VACUUM t;"));
    }

    [Fact]
    public void COMMIT_AND_CHAIN_ends_a_unit_and_the_next_unit_remembers_the_BEGIN_that_opened_the_chain()
    {
        var units = Split("START TRANSACTION ISOLATION LEVEL SERIALIZABLE; UPDATE t SET a = 1; COMMIT AND CHAIN; UPDATE t SET a = 2; ROLLBACK AND CHAIN; UPDATE t SET a = 3; END;");
        Assert.Equal([new CommitUnit(0, 3, true, null), new CommitUnit(3, 5, true, 0), new CommitUnit(5, 7, true, 0)], units);
    }

    [Theory]
    [InlineData("COMMIT", "Ends")]
    [InlineData("end work", "Ends")]
    [InlineData("ABORT", "Ends")]
    [InlineData("COMMIT AND NO CHAIN", "Ends")]
    [InlineData("ROLLBACK TRANSACTION AND CHAIN", "EndsAndChains")]
    [InlineData("ROLLBACK TO SAVEPOINT s", "None")]
    [InlineData("BEGIN ISOLATION LEVEL REPEATABLE READ", "Opens")]
    [InlineData("COMMIT PREPARED 'x'", "TwoPhase")]
    [InlineData("PREPARE TRANSACTION 'x'", "TwoPhase")]
    [InlineData("PREPARE q AS SELECT 1", "None")]
    [InlineData("DO $$ BEGIN COMMIT; END $$", "None")]
    public void Each_transaction_statement_has_its_effect(string sql, string effect)
    {
        Assert.Equal(effect, CommitUnits.Effect(SqlScript.Parse(sql).Statements.Single()).ToString());
    }

    [Theory]
    [InlineData("BEGIN; SELECT 1; COMMIT;", null)]
    [InlineData("BEGIN; SELECT 1;", "BEGIN")]
    [InlineData("BEGIN; SELECT 1; COMMIT AND CHAIN;", "COMMIT AND CHAIN")]
    [InlineData("COMMIT AND CHAIN;", null)]
    public void The_transaction_left_open_at_the_end_is_found(string sql, string? open)
    {
        Assert.Equal(open, CommitUnits.OpenAtEnd(SqlScript.Parse(sql).Statements)?.Text);
    }
}
