using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Refuses, before anything runs, a file that would create, alter, drop or write the journal or its progress
/// table: a statement that names either table unqualified (a search_path may resolve it to the journal) or in the
/// journal's schema, or that drops or renames the journal's schema. Reading them (SELECT, TABLE, VALUES, EXPLAIN
/// without ANALYZE), GRANT and COMMENT ON are allowed. SQL inside function bodies and DO blocks is a string to
/// the tokenizer and is not inspected.
/// </summary>
internal static class JournalGuard
{
    public static Failure? Check(MigrationFile file, JournalLocation journal)
    {
        foreach (var statement in file.Script.Statements)
        {
            if (Touches(statement, journal) is not { } what) continue;
            var rename = journal.Exists
                ? $" {journal.Name} exists already: rename it to the new name first (ALTER TABLE {journal.Name} RENAME TO schemamigrate_journal), so that nothing it records runs twice."
                : "";
            return new Failure
            {
                Reason = ReasonCodes.MigrationTouchesJournal,
                Message = $"{file.Id}:{statement.Line}: '{statement.OneLine()}' {what}; SchemaMigrate refuses to run a file that could change its own bookkeeping",
                File = file.Id,
                Line = statement.Line,
                Statement = Redactor.Redact(statement.Text.Length > 200 ? statement.Text[..200] + " ..." : statement.Text),
                NextStep = $"If the file means a table of its own (another migration tool's {journal.Table}, say), keep SchemaMigrate's journal under another name: "
                           + $"set {{journal-table}} (default SCHEMAMIGRATE_JOURNAL_TABLE), e.g. to schemamigrate_journal.{rename} Nothing was applied.",
            };
        }
        return null;
    }

    /// <summary>What the statement does to the journal, in words, or null when it leaves it alone.</summary>
    private static string? Touches(SqlStatement s, JournalLocation journal)
    {
        if (s.StartsWith("DROP", "SCHEMA") && Enumerable.Range(2, s.Tokens.Count - 2).Any(i => s.Name(i) == journal.Schema && s.Keywords[i] is not ("IF" or "EXISTS")))
            return $"drops schema {journal.QuotedSchema}, which holds SchemaMigrate's journal {journal.Name}";
        if (s.StartsWith("ALTER", "SCHEMA") && s.Tokens.Count > 3 && s.Name(2) == journal.Schema && s.Keywords[3] == "RENAME")
            return $"renames schema {journal.QuotedSchema}, which holds SchemaMigrate's journal {journal.Name}";

        for (int i = 0; i < s.Tokens.Count; i++)
        {
            var name = s.Name(i);
            if (name != journal.Table && name != journal.ProgressTable) continue;
            var qualified = i >= 2 && s.Keywords[i - 1] == "." && s.Name(i - 2) is not null;
            if (qualified && s.Name(i - 2) != journal.Schema) continue;
            if (IsRead(s)) return null;
            var table = name == journal.Table ? $"SchemaMigrate's journal {journal.Name}" : $"SchemaMigrate's progress table {journal.ProgressName}";
            return qualified ? $"names {table}" : $"names {name}, which the search_path may resolve to {table}";
        }
        return null;
    }

    private static bool IsRead(SqlStatement s)
    {
        if (s.StartsWith("GRANT") || s.StartsWith("COMMENT")) return true;
        if (s.StartsWith("EXPLAIN")) return !s.Contains("ANALYZE");
        return (s.StartsWith("SELECT") || s.StartsWith("WITH") || s.StartsWith("TABLE") || s.StartsWith("VALUES"))
               && !new[] { "INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "TRUNCATE" }.Any(s.Contains);
    }
}
