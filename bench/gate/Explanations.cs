namespace SchemaMigrate.Bench.Gate;

/// <summary>Why our findings and squawk's differ, per rule: read from the disagreements the bench lists, not guessed.</summary>
internal static class Explanations
{
    private static readonly Dictionary<string, string> ByRule = new(StringComparer.Ordinal)
    {
        ["require-lock-timeout"] = "squawk flags every lock-taking statement without a SET lock_timeout, new tables included; the gate looks only at statements that lock a table that already exists, once per file, and reports a note that the runner sets lock_timeout itself (5s, retried)",
        ["require-statement-timeout"] = "as require-lock-timeout: squawk flags statements on new tables too; the gate only the first lock on an existing table per file (a warning, since the runner sets no statement_timeout by default)",
        ["prefer-text-field"] = "style rule (varchar(n) vs text): no lock and no break of the previous image, so not one of the gate's classes",
        ["prefer-bigint-over-int"] = "style rule (int overflow): not a deploy-safety class",
        ["prefer-bigint-over-smallint"] = "style rule: not a deploy-safety class",
        ["prefer-timestamp-tz"] = "style rule (timestamp without time zone): not a deploy-safety class",
        ["prefer-identity"] = "style rule (serial vs identity): not a deploy-safety class",
        ["ban-char-field"] = "style rule: not a deploy-safety class",
        ["identifier-too-long"] = "style rule (names over 63 bytes are truncated): not a deploy-safety class",
        ["prefer-robust-stmts"] = "asks for IF [NOT] EXISTS so a half-applied file can be rerun; SchemaMigrate runs each file in one transaction with its journal row, and resumes no-transaction files per statement",
        ["syntax-error"] = "squawk's parser rejects these statements (PL/pgSQL-heavy or newer syntax); the gate needs only the tokenizer's statement boundaries and classifies what it does not understand as opaque",
        ["ban-concurrent-index-creation-in-transaction"] = "SchemaMigrate refuses such a file before anything runs (MIGRATION_INVALID), a layer below the gate",
        ["transaction-nesting"] = "SchemaMigrate refuses transaction control in a file (MIGRATION_INVALID) before the gate runs",
        ["ban-uncommitted-transaction"] = "SchemaMigrate refuses transaction control in a file (MIGRATION_INVALID) before the gate runs",
        ["opaque-statement"] = "squawk has no such rule: DO blocks, CALL and SELECTs that call functions pass it unexamined; the gate refuses what it cannot see into unless the file declares or waives it",
        ["dropping-object"] = "squawk bans only DROP TABLE/COLUMN/DATABASE; the gate treats every drop the previous image may use (functions, triggers, policies, constraints, defaults, REVOKE) as a contract step",
        ["renaming-object"] = "squawk checks renames of tables and columns only; the gate also of types, enum values, functions and schemas",
        ["backfilling-existing-rows"] = "squawk has no backfill class: UPDATE/DELETE/INSERT ... SELECT on existing tables belong in a separate job (seed 000)",
    };

    /// <param name="oursOnly">Our findings squawk lacks.</param>
    /// <param name="unparsed">How many of those are on statements squawk could not parse.</param>
    public static string Why(string rule, int oursOnly, int unparsed)
    {
        var parse = unparsed == 0 ? null
            : $"{unparsed} of the {oursOnly} ours-only are on statements squawk reports as syntax errors (graphile-worker names tables `:GRAPHILE_WORKER_SCHEMA.jobs`, a placeholder its runner substitutes; the gate reads the placeholder as a name)";
        var known = ByRule.GetValueOrDefault(rule);
        if (unparsed == oursOnly && parse is not null && known is null) return parse;
        return string.Join("; ", new[] { known ?? "not explained yet: read this rule's lines under 'Every disagreement'", parse }.OfType<string>());
    }
}
