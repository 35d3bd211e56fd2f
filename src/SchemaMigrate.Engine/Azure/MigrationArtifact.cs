using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;
using static SchemaMigrate.Engine.Azure.DeployArtifact;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// The deploy diagnostics artifact of seed 000: `.artifacts/deploy/&lt;sha&gt;/migration.json` with reasonCode/reason,
/// executionStatus and executionSummary, statusTimeline and elapsed timing fields, logs and logsSource, and the
/// deploy gate's findings (refused and waived) read from the runner's lines. Every string passes through the
/// Redactor (<see cref="DeployArtifact"/>).
/// </summary>
public static class MigrationArtifact
{
    public const string FileName = "migration.json";
    /// <summary>The newest rows are kept; a failure is at the end of a log.</summary>
    public const int MaxLogRows = 1000;

    /// <summary>&lt;root&gt;/&lt;sha&gt;/migration.json; the sha defaults to GITHUB_SHA or BUILD_SOURCEVERSION (Azure DevOps).</summary>
    public static string PathFor(string? root, string? commitSha, System.Collections.IDictionary? environment = null) =>
        DeployArtifact.PathFor(root, commitSha, FileName, environment);

    /// <summary>Writes the artifact whole or not at all; a folder it cannot write is the failure returned.</summary>
    internal static Task<Diagnostics.Failure?> TryWriteAsync(JobRun run, string path, IJobListener listener) =>
        DeployArtifact.TryWriteAsync(path, ToJson(run, CommitOf(path)), listener);

    internal static string ToJson(JobRun run, string commitSha) => Render(w =>
    {
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
            foreach (var table in source.Tables) StrValue(w, table);
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
    });

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
}
