using System.Text.Json;
using System.Text.RegularExpressions;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// A gate finding read back from MigrateRunner's output, in either form it writes: the --json "gate.finding" line
/// or the human `gate     refused  file:line:column rule [Class] message (page)` line (<see cref="DeployGate.Describe"/>).
/// </summary>
public sealed partial record RunnerFinding(string File, int Line, int Column, string RuleId, string Class, string Verdict, string Message)
{
    public string? Page { get; init; }
    public string? HelpUri { get; init; }

    /// <summary>Reads a finding line in either form; null for any other line. Tolerates a prefix (CRI log format).</summary>
    public static RunnerFinding? TryParse(string line)
    {
        var brace = line.IndexOf('{');
        if (brace >= 0 && line.Contains("\"gate.finding\"", StringComparison.Ordinal)) return TryParseJson(line[brace..]);
        var m = TextFinding().Match(line);
        if (!m.Success) return null;
        var verdict = m.Groups["verdict"].Value;
        return new RunnerFinding(m.Groups["file"].Value, int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["rule"].Value,
            m.Groups["class"].Value, char.ToUpperInvariant(verdict[0]) + verdict[1..], m.Groups["message"].Value.Trim())
        {
            Page = m.Groups["page"].Value,
        };
    }

    private static RunnerFinding? TryParseJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            string S(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            int I(string name) => r.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : 0;
            var message = S("message") + (S("because") is { Length: > 0 } because ? "; " + because : "");
            return new RunnerFinding(S("id"), I("line"), I("column"), S("rule"), S("class"), S("verdict"), message) { Page = S("page"), HelpUri = S("helpUri") };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"(?:^|\s)gate +(?<verdict>refused|warning|allowed|waived|note) +(?<file>\S+):(?<line>\d+):(?<column>\d+) (?<rule>[a-z0-9-]+) \[(?<class>\w+)\] (?<message>.*?)(?: \((?<page>docs/gate/[a-z0-9-]+\.md)\))?\s*$")]
    private static partial Regex TextFinding();
}
