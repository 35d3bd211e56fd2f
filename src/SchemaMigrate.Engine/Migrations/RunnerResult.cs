using System.Text.Json;
using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// MigrateRunner's outcome read back from its output, in either form it writes: the --json "result" line
/// (<see cref="RunnerJson.Result"/>) or the human last stdout line `result: succeeded ...` /
/// `result: failed reasonCode=CODE exitCode=N at=file:line sqlstate=X ...` with its stderr `error CODE: message`.
/// </summary>
public sealed partial record RunnerResult(bool Succeeded, string? ReasonCode, int? ExitCode)
{
    public string? Reason { get; init; }
    public string? File { get; init; }
    public int? Line { get; init; }
    public string? SqlState { get; init; }
    public string? NextStep { get; init; }
    /// <summary>The counts and elapsed time as "name=value" pairs, e.g. "applied=3 alreadyApplied=0 pending=0".</summary>
    public string Counts { get; init; } = "";

    /// <summary>Reads a result line in either form; null for any other line. Tolerates a prefix before the line (CRI log format).</summary>
    public static RunnerResult? TryParse(string line)
    {
        var brace = line.IndexOf('{');
        if (brace >= 0 && line.Contains("\"event\"", StringComparison.Ordinal) && TryParseJson(line[brace..]) is { } json) return json;
        var m = TextResult().Match(line);
        if (!m.Success) return null;
        int? Number(string group) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        return new RunnerResult(m.Groups["status"].Value == "succeeded", m.Groups["code"].Success ? m.Groups["code"].Value : null, Number("exit") ?? (m.Groups["status"].Value == "succeeded" ? 0 : null))
        {
            File = m.Groups["file"].Success ? m.Groups["file"].Value : null,
            Line = Number("line"),
            SqlState = m.Groups["sqlstate"].Success ? m.Groups["sqlstate"].Value : null,
            Counts = m.Groups["rest"].Value.Trim(),
        };
    }

    /// <summary>The human form's stderr line `error CODE: message`, as (code, message).</summary>
    public static (string Code, string Message)? TryParseError(string line)
    {
        var m = TextError().Match(line);
        return m.Success ? (m.Groups["code"].Value, m.Groups["message"].Value.Trim()) : null;
    }

    private static RunnerResult? TryParseJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Str(root, "event") != RunnerJson.ResultEvent) return null;
            int? Int(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
            var counts = root.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Name is not ("exitCode" or "line" or "position"))
                .Select(p => $"{p.Name}={p.Value.GetRawText()}");
            return new RunnerResult(Str(root, "status") == "succeeded", Str(root, "reasonCode"), Int("exitCode"))
            {
                Reason = Str(root, "reason"),
                File = Str(root, "file"),
                Line = Int("line"),
                SqlState = Str(root, "sqlState"),
                NextStep = Str(root, "nextStep"),
                Counts = string.Join(" ", counts),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [GeneratedRegex(@"(?:^|\s)result: (?<status>succeeded|failed)(?: reasonCode=(?<code>[A-Z][A-Z0-9_]+))?(?: exitCode=(?<exit>\d+))?(?: at=(?<file>.+?)(?::(?<line>\d+))?)?(?: sqlstate=(?<sqlstate>[0-9A-Z]{5}))?(?<rest>(?: \w+=\S+)*)\s*$")]
    private static partial Regex TextResult();

    [GeneratedRegex(@"(?:^|\s)error (?<code>[A-Z][A-Z0-9_]+): (?<message>.+)$")]
    private static partial Regex TextError();
}
