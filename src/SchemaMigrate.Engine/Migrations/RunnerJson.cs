using System.Text.Encodings.Web;
using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// MigrateRunner's --json contract: one JSON object per line, each with "event" and "ts", ending with one
/// "result" line that carries reasonCode, reason, exitCode, counts and elapsedMs. Every string is redacted.
/// </summary>
public static class RunnerJson
{
    public const string ResultEvent = "result";

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Event(MigrationEvent e) => Line(e.Event, w =>
    {
        switch (e)
        {
            case RunStarted s:
                w.WriteString("command", s.Command);
                w.WriteString("migrationsDir", s.MigrationsDirectory);
                w.WriteString("database", s.Database);
                w.WriteString("journal", s.Journal);
                w.WriteNumber("files", s.Files);
                w.WriteNumber("applied", s.Applied);
                w.WriteNumber("pending", s.Pending);
                break;
            case MigrationStarting s:
                w.WriteString("id", s.Id);
                Strings(w, "directives", s.Directives);
                Optional(w, "marker", s.Marker);
                w.WriteNumber("index", s.Index);
                w.WriteNumber("total", s.Total);
                break;
            case MigrationApplied s:
                w.WriteString("id", s.Id);
                w.WriteString("checksum", s.Checksum);
                w.WriteNumber("statements", s.Statements);
                w.WriteNumber("elapsedMs", (long)s.Elapsed.TotalMilliseconds);
                break;
            case MigrationSkipped s:
                w.WriteString("id", s.Id);
                w.WriteString("reason", s.Reason);
                break;
            case MigrationFailed s:
                w.WriteString("id", s.Id);
                FailureFields(w, s.Failure);
                break;
            case MigrationWarning s:
                w.WriteString("id", s.Id);
                w.WriteString("kind", s.Kind);
                w.WriteString("message", s.Message);
                break;
            case LockWaiting s:
                w.WriteString("journal", s.Journal);
                w.WriteString("holder", s.Holder);
                w.WriteNumber("waitMs", (long)s.Wait.TotalMilliseconds);
                break;
            case LockAcquired s:
                w.WriteString("journal", s.Journal);
                w.WriteNumber("waitedMs", (long)s.Waited.TotalMilliseconds);
                break;
            case MigrationRetrying s:
                w.WriteString("id", s.Id);
                w.WriteNumber("attempt", s.Attempt);
                w.WriteNumber("maxRetries", s.MaxRetries);
                w.WriteNumber("delayMs", (long)s.Delay.TotalMilliseconds);
                w.WriteString("reason", s.Reason);
                break;
            case MigrationResuming s:
                w.WriteString("id", s.Id);
                w.WriteNumber("statement", s.Statement);
                w.WriteNumber("total", s.Total);
                w.WriteString("reason", s.Reason);
                break;
            case StatementApplied s:
                w.WriteString("id", s.Id);
                w.WriteNumber("index", s.Index);
                w.WriteNumber("total", s.Total);
                w.WriteNumber("line", s.Line);
                w.WriteNumber("elapsedMs", (long)s.Elapsed.TotalMilliseconds);
                w.WriteBoolean("committed", s.Committed);
                break;
            case GateFindingReported s:
                FindingFields(w, s.Finding);
                break;
            default:
                w.WriteString("type", e.GetType().Name);
                break;
        }
    });

    public static string Status(MigrationStatus s) => Line("status", w =>
    {
        w.WriteString("id", s.Id);
        w.WriteString("state", s.State.ToString());
        w.WriteString("checksum", s.Checksum);
        w.WriteString("appliedChecksum", s.AppliedChecksum);
        if (s.AppliedAt is { } at) w.WriteString("appliedAt", at.ToUniversalTime().ToString("O"));
        else w.WriteNull("appliedAt");
        Strings(w, "directives", s.Directives);
        Optional(w, "marker", s.Marker);
        Strings(w, "warnings", s.Warnings);
    });

    /// <summary>lint's line per judged file: the class of each statement, by line.</summary>
    public static string LintFile(string id, IEnumerable<Safety.StatementVerdict> statements) => Line("lint.file", w =>
    {
        w.WriteString("id", id);
        w.WriteStartArray("statements");
        foreach (var s in statements)
        {
            w.WriteStartObject();
            w.WriteNumber("line", s.Line);
            w.WriteString("class", s.Class.ToString());
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>A gate finding as the "gate.finding" line (lint writes the same lines).</summary>
    public static string Finding(Safety.Finding finding) => Event(new GateFindingReported(finding));

    public static string PlanItem(MigrationFile file) => Line("plan", w =>
    {
        w.WriteString("id", file.Id);
        w.WriteString("checksum", file.Checksum);
        w.WriteNumber("statements", file.Script.Statements.Count);
        Strings(w, "directives", file.Directives.Names);
        Optional(w, "marker", file.Directives.Marker);
    });

    /// <summary>The final line. <paramref name="counts"/> are command-specific numbers (applied, pending, ...).</summary>
    public static string Result(string command, Failure? failure, TimeSpan elapsed, IEnumerable<KeyValuePair<string, int>> counts) => Line(ResultEvent, w =>
    {
        w.WriteString("command", command);
        w.WriteString("status", failure is null ? "succeeded" : "failed");
        w.WriteNumber("exitCode", failure?.Reason.ExitCode ?? 0);
        foreach (var (name, value) in counts) w.WriteNumber(name, value);
        w.WriteNumber("elapsedMs", (long)elapsed.TotalMilliseconds);
        if (failure is null)
        {
            w.WriteNull("reasonCode");
            w.WriteNull("reason");
        }
        else FailureFields(w, failure);
    });

    private static void FindingFields(Utf8JsonWriter w, Safety.Finding f)
    {
        w.WriteString("id", f.File);
        w.WriteNumber("line", f.Line);
        w.WriteNumber("column", f.Column);
        w.WriteString("rule", f.RuleId);
        w.WriteString("class", f.Class.ToString());
        w.WriteString("verdict", f.Verdict.ToString());
        w.WriteString("message", Redactor.Redact(f.Message));
        Optional(w, "because", f.Because);
        w.WriteString("locks", f.Rule.Locks);
        w.WriteString("recipe", f.Rule.Recipe);
        w.WriteString("page", f.Page);
        w.WriteString("helpUri", f.Rule.HelpUri);
    }

    private static void FailureFields(Utf8JsonWriter w, Failure failure)
    {
        var f = failure.For(OptionNames.CommandLine);
        w.WriteString("reasonCode", f.ReasonCode);
        w.WriteString("reason", Redactor.Redact(f.Message));
        Optional(w, "file", f.File);
        if (f.Line is { } line) w.WriteNumber("line", line);
        Optional(w, "sqlState", f.SqlState);
        Optional(w, "detail", f.Detail);
        Optional(w, "hint", f.Hint);
        Optional(w, "where", f.Where);
        if (f.Position is { } p) w.WriteNumber("position", p);
        Optional(w, "statement", f.Statement);
        w.WriteString("nextStep", f.Action);
    }

    internal static string Line(string name, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            w.WriteStartObject();
            w.WriteString("event", name);
            w.WriteString("ts", DateTimeOffset.UtcNow.ToString("O"));
            body(w);
            w.WriteEndObject();
        }
        return Redactor.Redact(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    internal static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) w.WriteString(name, Redactor.Redact(value));
    }

    internal static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
