using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// The deploy diagnostics artifact of seed 000: `.artifacts/deploy/&lt;sha&gt;/migration.json` with reasonCode/reason,
/// executionStatus and executionSummary, statusTimeline and elapsed timing fields, logs and logsSource, and the
/// deploy gate's findings (refused and waived) read from the runner's lines. Every
/// string passes through <see cref="Redactor"/>.
/// </summary>
public static partial class MigrationArtifact
{
    public const string DefaultRoot = ".artifacts/deploy";
    public const string FileName = "migration.json";
    /// <summary>The newest rows are kept; a failure is at the end of a log.</summary>
    public const int MaxLogRows = 1000;

    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>&lt;root&gt;/&lt;sha&gt;/migration.json; the sha defaults to GITHUB_SHA or BUILD_SOURCEVERSION (Azure DevOps).</summary>
    public static string PathFor(string? root, string? commitSha, System.Collections.IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var sha = commitSha ?? environment["GITHUB_SHA"] as string ?? environment["BUILD_SOURCEVERSION"] as string;
        if (string.IsNullOrWhiteSpace(sha))
            throw new MigrationException(ReasonCodes.InvalidArgument, "the migration artifact needs the commit: pass -CommitSha (or set GITHUB_SHA / BUILD_SOURCEVERSION)");
        if (!ShaPattern().IsMatch(sha))
            throw new MigrationException(ReasonCodes.InvalidArgument, $"-CommitSha '{sha}' is not a commit id (letters, digits, '.', '_', '-')");
        return Path.GetFullPath(Path.Combine(root ?? DefaultRoot, sha, FileName));
    }

    /// <summary>Writes the artifact whole or not at all (a temporary file renamed into place).</summary>
    public static async Task WriteAsync(JobRun run, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, ToJson(run, Path.GetFileName(Path.GetDirectoryName(path)!)));
        File.Move(temporary, path, overwrite: true);
    }

    internal static string ToJson(JobRun run, string commitSha)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 1);
            Str(w, "commitSha", commitSha);
            Str(w, "status", run.Failure is not null ? "failed" : run.Waited ? "succeeded" : "started");
            // The job runs MigrateRunner: its failures read in the runner's terms.
            var failure = run.Failure?.For(OptionNames.CommandLine);
            Str(w, "reasonCode", failure?.ReasonCode);
            Str(w, "reason", failure?.Message);
            Str(w, "nextStep", failure?.Action);
            if (failure is { } f)
            {
                w.WriteStartObject("failure");
                Str(w, "file", f.File);
                if (f.Line is { } line) w.WriteNumber("line", line); else w.WriteNull("line");
                Str(w, "sqlState", f.SqlState);
                Str(w, "evidence", f.Detail);
                w.WriteEndObject();
            }
            else w.WriteNull("failure");
            Findings(w, run.Logs);

            w.WriteStartObject("job");
            Str(w, "subscription", run.Subscription);
            Str(w, "resourceGroup", run.ResourceGroupName);
            Str(w, "name", run.JobName);
            w.WriteEndObject();
            Str(w, "executionName", run.ExecutionName);
            Str(w, "image", run.Image);
            Str(w, "executionStatus", run.Status);
            Str(w, "executionSummary", run.Summary);

            w.WriteStartArray("statusTimeline");
            foreach (var change in run.StatusTimeline)
            {
                w.WriteStartObject();
                Str(w, "status", change.Status);
                Time(w, "at", change.At);
                Ms(w, "elapsedMs", change.Elapsed);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            Time(w, "requestedAt", run.RequestedAt);
            Time(w, "acceptedAt", run.AcceptedAt);
            Time(w, "completedAt", run.CompletedAt);
            Ms(w, "elapsedMs", run.Elapsed);
            Time(w, "executionStartTime", run.StartTime);
            Time(w, "executionEndTime", run.EndTime);
            Ms(w, "executionDurationMs", run.Duration);
            Ms(w, "waitTimeoutMs", run.WaitTimeout);

            if (run.LogsSource is { } source)
            {
                w.WriteStartObject("logsSource");
                Str(w, "workspaceId", source.WorkspaceId);
                Str(w, "origin", source.Origin);
                w.WriteStartArray("tables");
                foreach (var table in source.Tables) w.WriteStringValue(table);
                w.WriteEndArray();
                w.WriteBoolean("complete", source.Complete);
                Str(w, "note", source.Note);
                w.WriteEndObject();
            }
            else w.WriteNull("logsSource");

            var omitted = Math.Max(0, run.Logs.Count - MaxLogRows);
            w.WriteStartArray("logs");
            foreach (var e in run.Logs.Skip(omitted))
            {
                w.WriteStartObject();
                Time(w, "time", e.Time);
                Str(w, "stream", e.Stream);
                Str(w, "replica", e.Replica);
                Str(w, "container", e.Container);
                if (e.Reason is not null) Str(w, "reason", e.Reason);
                Str(w, "message", e.Message);
                Str(w, "table", e.SourceTable);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("logsOmitted", omitted);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>
    /// The deploy gate's findings as the runner printed them (refused, waived with the reason, warnings), once each
    /// although a retried execution prints them again; from every log row, not only the newest kept ones.
    /// </summary>
    private static void Findings(Utf8JsonWriter w, IReadOnlyList<JobLogEntry> logs)
    {
        var findings = logs.OrderBy(e => e.Time).Select(e => Migrations.RunnerFinding.TryParse(e.Message)).OfType<Migrations.RunnerFinding>()
            .DistinctBy(f => (f.File, f.Line, f.Column, f.RuleId, f.Verdict)).ToList();
        w.WriteStartArray("findings");
        foreach (var f in findings)
        {
            w.WriteStartObject();
            Str(w, "file", f.File);
            w.WriteNumber("line", f.Line);
            w.WriteNumber("column", f.Column);
            Str(w, "rule", f.RuleId);
            Str(w, "class", f.Class);
            Str(w, "verdict", f.Verdict);
            Str(w, "message", f.Message);
            Str(w, "page", f.Page);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, Redactor.Redact(value));
    }

    private static void Time(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } t) w.WriteString(name, t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        else w.WriteNull(name);
    }

    private static void Ms(Utf8JsonWriter w, string name, TimeSpan? value)
    {
        if (value is { } t) w.WriteNumber(name, (long)t.TotalMilliseconds);
        else w.WriteNull(name);
    }

    [GeneratedRegex(@"^(?!\.+$)[0-9A-Za-z._-]{1,100}$")]
    private static partial Regex ShaPattern();
}
