using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// The <c>-- schemamigrate:</c> comments at the top of a file. Unknown directives, and directives below the
/// first statement, are errors: a misspelt <c>no-transaction</c> must not silently run in a transaction.
/// </summary>
public sealed record MigrationDirectives
{
    public const string Prefix = "-- schemamigrate:";

    /// <summary>Run each statement alone in autocommit (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE on old servers).</summary>
    public bool NoTransaction { get; init; }
    /// <summary>Declares a contract step (drops, renames, tightening) to run only after cutover.</summary>
    public bool Contract { get; init; }
    /// <summary>Declares a data backfill that belongs in its own job.</summary>
    public bool Backfill { get; init; }
    /// <summary>Per-file lock_timeout, overriding the run's.</summary>
    public TimeSpan? LockTimeout { get; init; }
    /// <summary>Per-file statement_timeout, overriding the run's.</summary>
    public TimeSpan? StatementTimeout { get; init; }

    /// <summary>The directives as written (normalised), for status and plan output.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Another tool's no-transaction marker the file carries (e.g. <c>-- atlas:txmode none</c>), read as no-transaction; else null.</summary>
    public string? Marker { get; init; }

    public static readonly MigrationDirectives None = new();

    private static readonly string[] Known = ["no-transaction", "contract", "backfill", "lock-timeout=<duration>", "statement-timeout=<duration>"];

    /// <param name="marker">Another tool's no-transaction marker found in the file (see OtherToolFormats), or null.</param>
    public static MigrationDirectives Parse(SqlScript script, string file, string? marker = null)
    {
        var result = marker is null ? None : None with { NoTransaction = true, Marker = marker };
        int firstStatement = script.Statements.Count > 0 ? script.Statements[0].Offset : int.MaxValue;
        foreach (var comment in script.Comments)
        {
            var text = comment.Text(script.Text);
            int at = text.IndexOf("schemamigrate:", StringComparison.OrdinalIgnoreCase);
            if (at < 0) continue;
            if (comment.Start > firstStatement || comment.Kind != SqlTokenKind.LineComment || !text.StartsWith(Prefix, StringComparison.Ordinal))
                throw Invalid(file, comment.Line,
                    $"a schemamigrate directive must be a '{Prefix}<name>' line comment above the first statement; found '{text.Trim()}'");

            foreach (var word in text[Prefix.Length..].Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries))
                result = Apply(result, word.Trim(), file, comment.Line);
        }
        return result.Marker is not null && !result.Names.Contains("no-transaction") ? result with { Names = ["no-transaction", .. result.Names] } : result;
    }

    private static MigrationDirectives Apply(MigrationDirectives d, string word, string file, int line)
    {
        var eq = word.IndexOf('=');
        var name = (eq < 0 ? word : word[..eq]).ToLowerInvariant();
        var value = eq < 0 ? null : word[(eq + 1)..];
        if (d.Names.Any(n => n.Split('=')[0] == name))
            throw Invalid(file, line, $"directive '{name}' is given twice");

        MigrationDirectives next = (name, value) switch
        {
            ("no-transaction", null) => d with { NoTransaction = true },
            ("contract", null) => d with { Contract = true },
            ("backfill", null) => d with { Backfill = true },
            ("lock-timeout", { } v) => d with { LockTimeout = Duration(v, name, file, line) },
            ("statement-timeout", { } v) => d with { StatementTimeout = Duration(v, name, file, line) },
            _ => throw Invalid(file, line, $"unknown directive '{word}'; known directives: {string.Join(", ", Known)}"),
        };
        if (next.Contract && next.Backfill)
            throw Invalid(file, line, "a migration is either a contract step or a backfill, not both; split it into two files");
        return next with { Names = [.. d.Names, value is null ? name : $"{name}={value}"] };
    }

    private static TimeSpan Duration(string value, string name, string file, int line) =>
        Durations.TryParse(value, out var t) ? t
            : throw Invalid(file, line, $"directive {name}: '{value}' is not a duration; use e.g. 500ms, 30s, 5min, or 0 to disable");

    private static MigrationException Invalid(string file, int line, string message) =>
        new(new Failure { Reason = ReasonCodes.MigrationInvalid, Message = $"{file}:{line}: {message}", File = file, Line = line });
}
