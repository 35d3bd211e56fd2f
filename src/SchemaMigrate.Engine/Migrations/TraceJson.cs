using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Engine.Safety.Trace;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// The trace report as JSON lines (`verify --trace --format json`), the file `up --require-trace` reads back:
/// one "trace.file" line per pending file traced to the end (id, checksum), one "trace.statement" line per
/// statement (file, line, locks with relation and mode, rewrites, findings with ruleId and class, ...), one
/// "trace.schema" line per schema change and one "trace.finding" line per finding of the schema diff and the
/// queries. Lines of MigrateRunner's --json contract (RunnerJson): every string is redacted.
/// </summary>
public static class TraceJson
{
    public static IEnumerable<string> Lines(TraceReport report)
    {
        foreach (var file in report.Files)
        {
            yield return RunnerJson.Line("trace.file", w =>
            {
                w.WriteString("id", file.Id);
                w.WriteString("checksum", file.Checksum);
                w.WriteNumber("statements", file.Statements.Count);
            });
            foreach (var s in file.Statements) yield return RunnerJson.Line("trace.statement", w => Statement(w, s, report.Sizes));
        }
        foreach (var change in report.SchemaChanges)
            yield return RunnerJson.Line("trace.schema", w =>
            {
                w.WriteString("file", change.File);
                w.WriteNumber("line", change.Line);
                w.WriteString("change", change.Change.ToString());
                w.WriteString("kind", change.Kind);
                w.WriteString("object", change.Object);
                RunnerJson.Optional(w, "before", change.Before);
                RunnerJson.Optional(w, "after", change.After);
                RunnerJson.Optional(w, "breaks", change.Breaks);
            });
        foreach (var finding in report.SetFindings) yield return RunnerJson.Line("trace.finding", w => FindingFields(w, finding));
    }

    /// <summary>
    /// What a report says about each file: the checksum it traced, and its findings that refuse (unwaived, not allowed).
    /// A line that is not JSON, or a trace line without the fields this needs in their shape, is TRACE_REPORT_INVALID
    /// naming the report and the line.
    /// </summary>
    public static TraceCoverage Read(string path)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var refused = new List<(string File, int Line, string RuleId)>();
        int number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (text.Length == 0 || text[0] != '{') continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw Invalid($"the line is not JSON ({e.Message})"); }
            using (doc)
            {
                var root = doc.RootElement;
                switch (root.Str("event"))
                {
                    case "trace.file":
                        var id = root.Str("id") ?? throw Invalid("a trace.file line without an id");
                        var checksum = root.Str("checksum");
                        if (checksum is null || !Checksums.IsSha256Hex(checksum)) throw Invalid($"the checksum of {id} is not a SHA-256 (64 hex digits)");
                        files[id] = checksum;
                        break;
                    case "trace.statement":
                        if (!root.TryGetProperty("findings", out var findings) || findings.ValueKind != JsonValueKind.Array)
                            throw Invalid("a trace.statement line without its findings");
                        foreach (var f in findings.EnumerateArray()) Refused(f);
                        break;
                    case "trace.finding":
                        Refused(root);
                        break;
                }
            }
        }
        return new TraceCoverage(files, refused);

        void Refused(JsonElement f)
        {
            var verdict = f.Str("verdict") ?? throw Invalid("a finding without a verdict");
            if (verdict != nameof(Verdict.Refused)) return;
            var file = f.Str("file") ?? throw Invalid("a refused finding without its file");
            var line = f.Int("line") ?? throw Invalid($"the line of a refused finding in {file} is not a whole number");
            var ruleId = f.Str("ruleId") ?? throw Invalid($"a refused finding in {file} without its ruleId");
            refused.Add((file, line, ruleId));
        }

        MigrationException Invalid(string what) => new(new Failure
        {
            Reason = ReasonCodes.TraceReportInvalid,
            Message = Redactor.Redact($"{{require-trace}} {path}:{number}: {what}"),
            NextStep = "The report was cut or edited after verify --trace --format json wrote it: deploy with the unedited file from the CI run of this commit, "
                       + "or trace again (MigrateRunner verify --trace --format json > trace.jsonl).",
        });
    }

    private static void Statement(Utf8JsonWriter w, TracedStatement s, IReadOnlyDictionary<string, long> sizes)
    {
        w.WriteString("file", s.File);
        w.WriteNumber("line", s.Line);
        w.WriteString("statement", s.Summary);
        w.WriteString("observedIn", s.Observation.ToString());
        w.WriteStartArray("locks");
        foreach (var l in s.Locks)
        {
            w.WriteStartObject();
            w.WriteString("relation", l.Relation);
            w.WriteString("mode", l.Mode.ToString());
            w.WriteBoolean("new", l.New);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (s.StrongestLock is { } strongest)
        {
            w.WriteStartObject("strongestLock");
            w.WriteString("relation", strongest.Relation);
            w.WriteString("mode", strongest.Mode.ToString());
            w.WriteNumber("heldMs", Math.Round(s.HeldFor.TotalMilliseconds, 1));
            RunnerJson.Strings(w, "blocks", s.Blocks);
            w.WriteEndObject();
        }
        Relations(w, "rewrites", s.Rewrites, sizes);
        Relations(w, "scanned", s.Scanned, sizes);
        RunnerJson.Strings(w, "newConstraints", s.NewConstraints);
        RunnerJson.Strings(w, "validatedConstraints", s.ValidatedConstraints);
        RunnerJson.Strings(w, "newIndexes", s.NewIndexes);
        w.WriteNumber("elapsedMs", Math.Round(s.Elapsed.TotalMilliseconds, 1));
        w.WriteStartArray("predictions");
        foreach (var p in s.Predictions)
        {
            w.WriteStartObject();
            w.WriteString("source", p.Prediction.Source);
            w.WriteString("predicted", p.Prediction.ToString());
            w.WriteString("outcome", p.Outcome.ToString());
            w.WriteString("observed", p.Observed);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("findings");
        foreach (var f in s.Findings)
        {
            w.WriteStartObject();
            FindingFields(w, f);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void FindingFields(Utf8JsonWriter w, Finding f)
    {
        w.WriteString("ruleId", f.RuleId);
        w.WriteString("class", f.Class.ToString());
        w.WriteString("verdict", f.Verdict.ToString());
        w.WriteString("file", f.File);
        w.WriteNumber("line", f.Line);
        w.WriteString("message", f.Message);
        RunnerJson.Optional(w, "because", f.Because);
        w.WriteString("page", f.Page);
    }

    private static void Relations(Utf8JsonWriter w, string name, IReadOnlyList<string> relations, IReadOnlyDictionary<string, long> sizes)
    {
        w.WriteStartArray(name);
        foreach (var r in relations)
        {
            w.WriteStartObject();
            w.WriteString("relation", r);
            if (sizes.TryGetValue(r, out var bytes)) w.WriteNumber("bytes", bytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}

/// <summary>What a trace report covers: file id to the checksum traced, and the findings that refuse.</summary>
public sealed record TraceCoverage(IReadOnlyDictionary<string, string> Files, IReadOnlyList<(string File, int Line, string RuleId)> Refused);
