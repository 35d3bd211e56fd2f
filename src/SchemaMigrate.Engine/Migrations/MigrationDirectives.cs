using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;
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

    /// <summary>Gate findings waived in this file: <c>-- schemamigrate:allow &lt;rule-id&gt; &lt;reason&gt;</c>, one per line.</summary>
    public IReadOnlyList<Waiver> Waivers { get; init; } = [];
    /// <summary>The line of the contract or backfill directive (1 when there is none).</summary>
    public int PhaseLine { get; init; } = 1;

    /// <summary>The file's phase for the deploy gate: expand unless it declares contract or backfill.</summary>
    public MigrationPhase Phase => Contract ? MigrationPhase.Contract : Backfill ? MigrationPhase.Backfill : MigrationPhase.Expand;

    /// <summary>The directives as written (normalised), for status and plan output.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Another tool's no-transaction marker the file carries (e.g. <c>-- atlas:txmode none</c>), read as no-transaction; else null.</summary>
    public string? Marker { get; init; }

    public static readonly MigrationDirectives None = new();

    private static readonly string[] Known = ["no-transaction", "contract", "backfill", "lock-timeout=<duration>", "statement-timeout=<duration>", "allow <rule-id> <reason>"];

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

            var body = text[Prefix.Length..].Trim();
            if (body.StartsWith("allow", StringComparison.OrdinalIgnoreCase) && (body.Length == 5 || char.IsWhiteSpace(body[5])))
            {
                result = Allow(result, body[5..].Trim(), file, comment.Line);
                continue;
            }
            foreach (var word in body.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries))
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
        if (name is "contract" or "backfill") next = next with { PhaseLine = line };
        if (next.Contract && next.Backfill)
            throw Invalid(file, line, "a migration is either a contract step or a backfill, not both; split it into two files");
        return next with { Names = [.. d.Names, value is null ? name : $"{name}={value}"] };
    }

    /// <summary>An allow names a known gate rule and says why; the same rule twice in one file is an error, as any repeated directive is.</summary>
    private static MigrationDirectives Allow(MigrationDirectives d, string rest, string file, int line)
    {
        var parts = rest.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw Invalid(file, line, "allow needs a rule id and a reason, e.g. '-- schemamigrate:allow ban-drop-column the app stopped reading it in 2.3'; rule ids are listed in docs/gate/README.md");
        var id = parts[0];
        if (GateRules.Find(id) is null)
            throw Invalid(file, line, $"allow names no gate rule '{id}'; rule ids are listed in docs/gate/README.md{Suggestion(id)}");
        if (parts.Length < 2)
            throw Invalid(file, line, $"allow {id} needs a reason after the rule id: reviewers and migration.json show why the finding is waived");
        if (d.Waivers.Any(w => w.RuleId == id))
            throw Invalid(file, line, $"allow {id} is given twice; one allow waives every finding of the rule in the file");
        return d with { Waivers = [.. d.Waivers, new Waiver(id, parts[1], line)], Names = [.. d.Names, $"allow {id}"] };
    }

    private static string Suggestion(string id)
    {
        var near = GateRules.All.Select(r => r.Id).FirstOrDefault(r => r.Contains(id, StringComparison.OrdinalIgnoreCase) || id.Contains(r, StringComparison.OrdinalIgnoreCase));
        return near is null ? "" : $" (did you mean {near}?)";
    }

    private static TimeSpan Duration(string value, string name, string file, int line) =>
        Durations.TryParse(value, out var t) ? t
            : throw Invalid(file, line, $"directive {name}: '{value}' is not a duration; use e.g. 500ms, 30s, 5min, or 0 to disable");

    private static MigrationException Invalid(string file, int line, string message) =>
        new(new Failure { Reason = ReasonCodes.MigrationInvalid, Message = $"{file}:{line}: {message}", File = file, Line = line });
}
