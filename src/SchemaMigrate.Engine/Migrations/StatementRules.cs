using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// What a migration file may contain given how it runs, checked on the tokenizer's keywords before anything
/// runs: statements PostgreSQL refuses inside a transaction block (allowed only under no-transaction),
/// transaction control (a no-transaction file's own, as psql runs it; never in a transactional file), COPY
/// through the client, and psql meta-commands (never allowed).
/// </summary>
internal static class StatementRules
{
    private const string NoTransaction = MigrationDirectives.Prefix + "no-transaction";

    /// <summary>The first statement of the file that cannot run the way the file runs, or null.</summary>
    public static Failure? Check(MigrationFile file)
    {
        // Recorded as applied, it would stay applied: SQL written into it later would never run anywhere it had.
        if (file.Script.Statements.Count == 0)
            return new Failure
            {
                Reason = ReasonCodes.MigrationInvalid,
                Message = $"{file.Id} has no statements ({(file.Script.Comments.Count == 0 ? "it is empty" : "it holds only comments")}): applied, it would be recorded as done, and SQL added to it later would never run",
                File = file.Id,
                NextStep = "Write the migration's SQL into it, or delete it if it is a leftover; a placeholder that keeps a number needs a statement (SELECT 1;). Nothing was applied.",
            };
        foreach (var statement in file.Script.Statements)
        {
            var problem = MetaCommand(statement) ?? CopyThroughClient(statement) ?? TransactionControl(statement, file)
                          ?? (file.Directives.NoTransaction ? null : RefusedInTransaction(statement));
            if (problem is var (line, message, fix)) return Invalid(file, statement, line, message, fix);
        }
        if (file.Directives.NoTransaction && CommitUnits.OpenAtEnd(file.Script.Statements) is { } open)
            return Invalid(file, open, open.Line,
                $"'{open.OneLine()}' opens a transaction that is still open when the file ends; psql would roll it back when it disconnects",
                "End the file's own transaction with COMMIT (a COMMIT AND CHAIN at the end opens one more that nothing commits); nothing was applied.");
        return null;
    }

    private static Failure Invalid(MigrationFile file, SqlStatement statement, int line, string message, string fix) => new()
    {
        Reason = ReasonCodes.MigrationInvalid,
        Message = $"{file.Id}:{line}: {message}",
        File = file.Id,
        Line = line,
        Statement = Redactor.Redact(statement.Text.Length > 200 ? statement.Text[..200] + " ..." : statement.Text),
        NextStep = fix,
    };

    /// <summary>
    /// Whether a no-transaction statement that hit lock_timeout may simply run again. A single-transaction statement
    /// did nothing; index CONCURRENTLY forms are retried only when they left no INVALID index (checked separately);
    /// procedures and DO blocks may have committed part of their work, and DETACH ... CONCURRENTLY leaves a pending
    /// detach, so those stop for the operator instead.
    /// </summary>
    public static bool RetryableAfterLockTimeout(SqlStatement s) =>
        !(s.StartsWith("CALL") || s.StartsWith("DO") || (s.Contains("DETACH") && s.Contains("CONCURRENTLY")));

    /// <summary>
    /// CONCURRENTLY forms take only SHARE UPDATE EXCLUSIVE, which lets reads and writes through, and they wait for
    /// older transactions as part of their work, so a lock_timeout would only make them fail half-way.
    /// </summary>
    public static bool IsConcurrentDdl(SqlStatement s) => s.Contains("CONCURRENTLY") && !s.StartsWith("REFRESH");

    /// <summary>The name of a statement PostgreSQL refuses inside a transaction block (reference §4), or null.</summary>
    public static string? RefusedInTransactionName(SqlStatement s)
    {
        var k = s.Keywords;
        string At(int i) => i < k.Count ? k[i] : "";
        if (s.StartsWith("CREATE", "INDEX", "CONCURRENTLY") || s.StartsWith("CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"))
            return "CREATE INDEX CONCURRENTLY";
        if (s.StartsWith("DROP", "INDEX", "CONCURRENTLY")) return "DROP INDEX CONCURRENTLY";
        if (s.StartsWith("REINDEX"))
        {
            if (s.Contains("CONCURRENTLY")) return "REINDEX CONCURRENTLY";
            var kind = WordsOutsideParentheses(s).Skip(1).FirstOrDefault(w => w is "INDEX" or "TABLE" or "SCHEMA" or "DATABASE" or "SYSTEM");
            if (kind is "SCHEMA" or "DATABASE" or "SYSTEM") return "REINDEX " + kind;
        }
        if (s.StartsWith("VACUUM")) return "VACUUM";
        if (s.StartsWith("CLUSTER") && WordsOutsideParentheses(s).Skip(1).All(w => w == "VERBOSE")) return "CLUSTER without a table name";
        if (s.StartsWith("CREATE", "DATABASE")) return "CREATE DATABASE";
        if (s.StartsWith("DROP", "DATABASE")) return "DROP DATABASE";
        if (s.StartsWith("ALTER", "DATABASE") && At(3) == "SET" && At(4) == "TABLESPACE") return "ALTER DATABASE ... SET TABLESPACE";
        if (s.StartsWith("CREATE", "TABLESPACE")) return "CREATE TABLESPACE";
        if (s.StartsWith("DROP", "TABLESPACE")) return "DROP TABLESPACE";
        if (s.StartsWith("ALTER", "SYSTEM")) return "ALTER SYSTEM";
        if (s.StartsWith("DISCARD", "ALL")) return "DISCARD ALL";
        if (s.StartsWith("ALTER", "TABLE") && s.Contains("DETACH") && s.Contains("CONCURRENTLY")) return "DETACH PARTITION ... CONCURRENTLY";
        if (s.StartsWith("CREATE", "SUBSCRIPTION")) return "CREATE SUBSCRIPTION";
        if (s.StartsWith("DROP", "SUBSCRIPTION")) return "DROP SUBSCRIPTION";
        if (s.StartsWith("ALTER", "SUBSCRIPTION") && s.Contains("PUBLICATION")) return "ALTER SUBSCRIPTION ... PUBLICATION";
        return null;
    }

    /// <summary>
    /// ALTER TYPE ... ADD VALUE: PostgreSQL 12 and newer run it in a transaction, but the new label cannot be used
    /// until that transaction commits (55P04).
    /// </summary>
    public static bool AddsEnumValue(SqlStatement s)
    {
        var k = s.Keywords;
        return s.StartsWith("ALTER", "TYPE") && Enumerable.Range(0, k.Count - 1).Any(i => k[i] == "ADD" && k[i + 1] == "VALUE");
    }

    private static (int Line, string Message, string Fix)? RefusedInTransaction(SqlStatement s)
    {
        var name = RefusedInTransactionName(s);
        if (name is null) return null;
        var fix = $"Move the statement to a migration file of its own that starts with '{NoTransaction}' (then each of its statements runs alone, outside a transaction); nothing was applied.";
        return (s.Line, $"{name} cannot run inside a transaction block, and this file runs in one (PostgreSQL would fail it with 25001)", fix);
    }

    private static (int, string, string)? TransactionControl(SqlStatement s, MigrationFile file)
    {
        var effect = CommitUnits.Effect(s);
        if (effect == TransactionEffect.None) return null;
        if (effect == TransactionEffect.TwoPhase)
            return (s.Line, $"'{s.OneLine()}' is two-phase commit, which leaves a prepared transaction holding its locks until someone commits it by hand",
                    "Remove it: a migration's transaction ends with COMMIT; nothing was applied.");
        if (file.Directives.NoTransaction) return null;
        var statements = file.Script.Statements;
        var wrapped = statements.Count > 1 && CommitUnits.Effect(statements[0]) == TransactionEffect.Opens && CommitUnits.Effect(statements[^1]) == TransactionEffect.Ends
                      && statements.Skip(1).SkipLast(1).All(st => CommitUnits.Effect(st) == TransactionEffect.None);
        var fix = wrapped
            ? $"The file wraps itself in a transaction of its own (line {statements[0].Line} to line {statements[^1].Line}), as files written for golang-migrate do. "
              + $"Make '{NoTransaction}' its first line: it then runs as psql runs it, still atomic in its own transaction (add the line before the file is recorded in any journal, so no checksum changes under a recorded row); nothing was applied."
            : $"Remove the transaction control: the file is already atomic. To manage transactions yourself (BEGIN ... COMMIT, COMMIT AND CHAIN), start the file with '{NoTransaction}': it then runs as psql runs it; nothing was applied.";
        return (s.Line, $"'{s.OneLine()}' is transaction control, but SchemaMigrate already runs this file in one transaction together with its journal row; "
                        + "a COMMIT inside it would make part of the file permanent without the row", fix);
    }

    private static (int, string, string)? CopyThroughClient(SqlStatement s)
    {
        if (!s.StartsWith("COPY") || !(s.Contains("STDIN") || s.Contains("STDOUT"))) return null;
        return (s.Line, "COPY ... FROM STDIN / TO STDOUT streams rows through the client (psql); SchemaMigrate sends SQL statements only",
                "Use INSERT ... VALUES for seed rows, or COPY ... FROM a file the server can read; nothing was applied.");
    }

    private static (int, string, string)? MetaCommand(SqlStatement s)
    {
        for (int i = 0; i < s.Tokens.Count; i++)
        {
            if (s.Keywords[i] != "\\") continue;
            var command = "\\" + (i + 1 < s.Keywords.Count ? s.Keywords[i + 1].ToLowerInvariant() : "");
            return (s.Tokens[i].Line, $"'{command}' is a psql meta-command, not SQL; SchemaMigrate sends SQL to the server and cannot run it",
                    "Remove it: the database comes from DB_CONN, and settings are plain SQL (SET ...); nothing was applied.");
        }
        return null;
    }

    private static IEnumerable<string> WordsOutsideParentheses(SqlStatement s)
    {
        int depth = 0;
        foreach (var word in s.Keywords)
        {
            if (word == "(") depth++;
            else if (word == ")") depth--;
            else if (depth == 0) yield return word;
        }
    }
}
