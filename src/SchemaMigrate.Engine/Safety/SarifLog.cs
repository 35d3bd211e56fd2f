using System.Text.Encodings.Web;
using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// Findings as a SARIF 2.1.0 log, the format GitHub code scanning reads: one run whose driver lists every gate
/// rule with its help and helpUri (the rule's page), one result per finding located at file, line and column.
/// Waived findings are results with an in-source suppression carrying the waiver's reason; files that cannot run
/// as written are results of the rule "migration-invalid".
/// </summary>
public static class SarifLog
{
    public const string InvalidRuleId = "migration-invalid";
    private const string ReasonCodesUri = "https://github.com/schemamigrate/schemamigrate/blob/main/docs/reason-codes.md";

    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="uriOf">The artifact URI of a file id: relative to the repository root for code scanning.</param>
    public static string Write(IReadOnlyList<Finding> findings, IReadOnlyList<Failure> invalid, Func<string, string> uriOf, string toolVersion)
    {
        var rules = GateRules.All.ToList();
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            w.WriteString("version", "2.1.0");
            w.WriteStartArray("runs");
            w.WriteStartObject();
            w.WriteStartObject("tool");
            w.WriteStartObject("driver");
            w.WriteString("name", "SchemaMigrate");
            w.WriteString("semanticVersion", toolVersion);
            w.WriteString("informationUri", GateRules.DocsBaseUri + "README.md");
            w.WriteStartArray("rules");
            foreach (var rule in rules) Rule(w, rule);
            w.WriteStartObject();
            w.WriteString("id", InvalidRuleId);
            w.WriteString("name", "MigrationInvalid");
            Text(w, "shortDescription", "A migration file cannot run as written");
            Text(w, "fullDescription", ReasonCodes.MigrationInvalid.Meaning);
            w.WriteStartObject("help");
            w.WriteString("text", ReasonCodes.MigrationInvalid.NextStep);
            w.WriteEndObject();
            w.WriteString("helpUri", ReasonCodesUri);
            Level(w, "error");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartArray("results");
            foreach (var f in findings)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", f.RuleId);
                w.WriteNumber("ruleIndex", rules.IndexOf(f.Rule));
                w.WriteString("level", LevelOf(f));
                Text(w, "message", Redactor.Redact(f.Message + (f.Because is null ? "" : "; " + f.Because)));
                Location(w, uriOf(f.File), f.Line, f.Column);
                if (f.Verdict == Verdict.Waived)
                {
                    w.WriteStartArray("suppressions");
                    w.WriteStartObject();
                    w.WriteString("kind", "inSource");
                    w.WriteString("justification", Redactor.Redact(f.Because ?? ""));
                    w.WriteEndObject();
                    w.WriteEndArray();
                }
                w.WriteStartObject("properties");
                w.WriteString("class", f.Class.ToString());
                w.WriteString("verdict", f.Verdict.ToString());
                w.WriteEndObject();
                w.WriteEndObject();
            }
            foreach (var failure in invalid)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", InvalidRuleId);
                w.WriteNumber("ruleIndex", rules.Count);
                w.WriteString("level", "error");
                Text(w, "message", Redactor.Redact(failure.Message + " " + failure.Action));
                Location(w, uriOf(failure.File ?? ""), failure.Line ?? 1, 1);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void Rule(Utf8JsonWriter w, GateRule rule)
    {
        w.WriteStartObject();
        w.WriteString("id", rule.Id);
        w.WriteString("name", string.Concat(rule.Id.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])));
        Text(w, "shortDescription", rule.Title);
        Text(w, "fullDescription", rule.Effect);
        w.WriteStartObject("help");
        w.WriteString("text", $"{rule.Effect} Lock: {rule.Locks}. Safe alternative: {rule.Recipe}");
        w.WriteString("markdown", $"**{rule.Class}**. {rule.Effect}\n\n**Lock:** {rule.Locks}.\n\n**Safe alternative:** {rule.Recipe}\n\n[{rule.Page}]({rule.HelpUri})");
        w.WriteEndObject();
        w.WriteString("helpUri", rule.HelpUri);
        Level(w, rule.Default switch { "refuse" => "error", "warn" => "warning", _ => "note" });
        w.WriteStartObject("properties");
        w.WriteString("class", rule.Class.ToString());
        w.WriteStartArray("tags");
        w.WriteStringValue("schemamigrate-gate");
        w.WriteStringValue(rule.Class.ToString().ToLowerInvariant());
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string LevelOf(Finding f) => f.Verdict switch
    {
        Verdict.Refused => "error",
        Verdict.Warning => "warning",
        Verdict.Waived => f.Class >= StatementClass.Backfill ? "error" : "warning",
        _ => "note",
    };

    private static void Location(Utf8JsonWriter w, string uri, int line, int column)
    {
        w.WriteStartArray("locations");
        w.WriteStartObject();
        w.WriteStartObject("physicalLocation");
        w.WriteStartObject("artifactLocation");
        w.WriteString("uri", uri);
        w.WriteEndObject();
        w.WriteStartObject("region");
        w.WriteNumber("startLine", Math.Max(1, line));
        w.WriteNumber("startColumn", Math.Max(1, column));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void Level(Utf8JsonWriter w, string level)
    {
        w.WriteStartObject("defaultConfiguration");
        w.WriteString("level", level);
        w.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("text", text);
        w.WriteEndObject();
    }
}
