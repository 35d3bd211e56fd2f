using FsCheck;
using FsCheck.Fluent;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Tests.Sql;

public class SqlScriptTests
{
    private static string[] Texts(string sql) => SqlScript.Parse(sql).Statements.Select(s => s.Text).ToArray();

    [Fact]
    public void Splits_on_top_level_semicolons_and_drops_empty_statements()
    {
        Assert.Equal(["SELECT 1", "SELECT 2"], Texts("SELECT 1;;\n  SELECT 2;\n-- trailing comment\n"));
    }

    [Theory]
    [InlineData("SELECT 'a;b'; SELECT 2", "SELECT 'a;b'")]
    [InlineData("SELECT 'it''s;'; SELECT 2", "SELECT 'it''s;'")]
    [InlineData("SELECT E'\\';x'; SELECT 2", "SELECT E'\\';x'")]
    [InlineData("SELECT \"a;\"\"b\" FROM t; SELECT 2", "SELECT \"a;\"\"b\" FROM t")]
    [InlineData("SELECT 1 /* a; /* nested; */ still; */; SELECT 2", "SELECT 1 /* a; /* nested; */ still; */")]
    [InlineData("SELECT 1 -- a; comment\n; SELECT 2", "SELECT 1 -- a; comment")]
    [InlineData("SELECT U&'d\\0061t;'; SELECT 2", "SELECT U&'d\\0061t;'")]
    [InlineData("SELECT $$a;b$$; SELECT 2", "SELECT $$a;b$$")]
    [InlineData("SELECT $fn$ $$; $fn$; SELECT 2", "SELECT $fn$ $$; $fn$")]
    public void Semicolons_inside_literals_comments_and_quotes_do_not_split(string sql, string first)
    {
        var texts = Texts(sql);
        Assert.Equal([first, "SELECT 2"], texts);
    }

    [Fact]
    public void Plain_strings_do_not_treat_backslash_as_escape()
    {
        // standard_conforming_strings: 'a\' is a complete string, so the ; after it ends the statement.
        Assert.Equal(["SELECT 'a\\'", "SELECT 2"], Texts("SELECT 'a\\'; SELECT 2"));
    }

    [Fact]
    public void Positional_parameters_and_identifiers_with_dollars_are_not_dollar_quotes()
    {
        Assert.Equal(["PREPARE p AS SELECT $1", "SELECT a$b$c FROM t", "SELECT 2"],
            Texts("PREPARE p AS SELECT $1; SELECT a$b$c FROM t; SELECT 2"));
    }

    [Fact]
    public void Plpgsql_bodies_with_semicolons_stay_in_one_statement()
    {
        var sql = """
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
              NEW.x := 1;
              RETURN NEW;
            END;
            $body$;
            SELECT 2;
            """;
        var statements = SqlScript.Parse(sql).Statements;
        Assert.Equal(2, statements.Count);
        Assert.EndsWith("$body$", statements[0].Text);
        Assert.Equal(7, statements[1].Line);
    }

    [Fact]
    public void Sql_standard_bodies_with_case_end_stay_in_one_statement()
    {
        var sql = """
            CREATE OR REPLACE FUNCTION sign_of(x int) RETURNS text LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN x < 0 THEN 'neg' ELSE 'pos' END;
              SELECT 'unreached';
            END;
            CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;
            SELECT 3;
            """;
        var statements = SqlScript.Parse(sql).Statements;
        Assert.Equal(3, statements.Count);
        Assert.EndsWith("END", statements[0].Text);
        Assert.StartsWith("CREATE PROCEDURE", statements[1].Text);
        Assert.Equal("SELECT 3", statements[2].Text);
    }

    [Fact]
    public void Rule_actions_in_parentheses_stay_in_one_statement()
    {
        var statements = Texts("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 2");
        Assert.Equal(2, statements.Length);
        Assert.EndsWith("(2))", statements[0]);
    }

    [Fact]
    public void Begin_and_end_outside_routines_are_ordinary_statements()
    {
        Assert.Equal(["BEGIN", "SELECT 1", "END"], Texts("BEGIN; SELECT 1; END;"));
    }

    [Fact]
    public void Statement_lines_and_position_lines_count_from_the_file()
    {
        var script = SqlScript.Parse("-- header\n\nCREATE TABLE t (\n  id int,\n  bad nope\n);\nSELECT 1;");
        var create = script.Statements[0];
        Assert.Equal(3, create.Line);
        var position = create.Text.IndexOf("nope", StringComparison.Ordinal) + 1;
        Assert.Equal(5, create.LineOfPosition(position));
        Assert.Equal(7, script.Statements[1].Line);
    }

    [Theory]
    [InlineData("SELECT 1;\nSELECT 'abc", "unterminated string", 2)]
    [InlineData("SELECT 1;\n\nSELECT $x$ abc $y$", "unterminated dollar-quoted string", 3)]
    [InlineData("/* a /* b */ SELECT 1", "unterminated /* comment", 1)]
    [InlineData("SELECT \"abc", "unterminated quoted identifier", 1)]
    public void Unterminated_literals_are_reported_with_the_line_they_start(string sql, string message, int line)
    {
        var e = Assert.Throws<SqlSyntaxException>(() => SqlScript.Parse(sql));
        Assert.Contains(message, e.Message);
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void Keywords_are_upper_cased_words_in_order()
    {
        var s = SqlScript.Parse("create unique index concurrently if not exists \"Ix\" on t (a);").Statements[0];
        Assert.True(s.StartsWith("CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"));
        Assert.True(s.Contains("\"Ix\""));
        Assert.False(s.StartsWith("CREATE", "INDEX"));
    }

    /// <summary>Any list of statements built from tricky fragments, joined with ';', splits back into exactly that list.</summary>
    [Fact]
    public void Joining_statements_and_splitting_them_again_is_lossless()
    {
        string[] fragments =
        [
            "SELECT 1", "'a;b'", "E'x\\';y'", "$$;$$", "$t$ $$ ; $t$", "\"q;\"\"i\"", "/* c; /* n; */ */", "(1; 2)",
            "U&'\\0041;'", "x$y$z", "$1", "B'01'", "X'ff'", "N'n;'", "1.5e-3", "a::text", "-- line; comment\n",
        ];
        var statement = Gen.Elements(fragments).ListOf().Where(l => l.Count > 0)
            .Select(l => "SELECT " + string.Join(" ", l).Replace("(1; 2)", "(1, 2)"));
        Prop.ForAll(statement.ListOf().Where(l => l.Count > 0).ToArbitrary(), list =>
        {
            var sql = string.Join(";\n", list) + ";";
            var split = Texts(sql);
            var expected = list.Select(s => s.TrimEnd()).ToArray();
            return split.SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();
    }
}
