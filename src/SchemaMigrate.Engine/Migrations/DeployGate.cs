using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Runs the Safety gate over migration files: maps each file (its script, declared phase, waivers, whether it is
/// applied) into the gate's input and turns a refusal into POLICY_VIOLATION naming every refused finding.
/// </summary>
public static class DeployGate
{
    /// <summary>Judges <paramref name="pending"/> after reading <paramref name="applied"/> for what they created; both in run order.</summary>
    public static GateReport Judge(IEnumerable<MigrationFile> applied, IEnumerable<MigrationFile> pending, MigrationSettings settings, bool eachFileAlone = false)
    {
        var files = applied.Select(f => ToGateFile(f, true)).Concat(pending.Select(f => ToGateFile(f, false)))
            .OrderBy(f => f.Id, StringComparer.Ordinal).ToArray();
        return Gate.Judge(files, Options(settings) with { EachFileAlone = eachFileAlone });
    }

    public static GateOptions Options(MigrationSettings settings) => new()
    {
        Allowed = settings.AllowedPhases,
        LockTimeout = settings.LockTimeout,
        StatementTimeout = settings.StatementTimeout,
    };

    public static GateFile ToGateFile(MigrationFile file, bool applied) => new(file.Id, file.Script)
    {
        Phase = file.Directives.Phase,
        Waivers = file.Directives.Waivers,
        NoTransaction = file.Directives.NoTransaction,
        PhaseLine = file.Directives.PhaseLine,
        Applied = applied,
        Checksum = file.Checksum,
    };

    /// <summary>POLICY_VIOLATION for a report with refused findings: the first one's place and page, every one in the detail.</summary>
    public static Failure Refusal(IReadOnlyList<Finding> refused, string whatHappened = "nothing was applied")
    {
        var first = refused[0];
        var files = refused.Select(f => f.File).Distinct().Count();
        return new Failure
        {
            Reason = ReasonCodes.PolicyViolation,
            Message = $"the deploy gate refused {Plural(refused.Count, "finding")} in {Plural(files, "file")}; {whatHappened}: "
                      + string.Join("; ", refused.Select(f => $"{f.File}:{f.Line} {f.RuleId} ({f.Class})")),
            File = first.File,
            Line = first.Line,
            NextStep = $"Read {first.Page} for the safe recipe{(refused.Select(f => f.RuleId).Distinct().Count() > 1 ? " (and each finding's page)" : "")}. "
                       + "A contract or backfill step goes in a file that declares it and runs with --allow contract|backfill when that phase is due; "
                       + "a finding that is safe here is waived in the file with '-- schemamigrate:allow <rule-id> <reason>'.",
        };
    }

    /// <summary>
    /// `--require-trace`: POLICY_VIOLATION unless the trace report covers every file to apply with its current checksum
    /// and holds no refused finding on it; TRACE_REPORT_INVALID when the report cannot be read.
    /// </summary>
    public static Failure? RequireTrace(string report, IReadOnlyList<MigrationFile> toApply)
    {
        if (toApply.Count == 0) return null;
        TraceCoverage coverage;
        try
        {
            coverage = TraceJson.Read(report);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new MigrationException(ReasonCodes.TraceReportInvalid, $"{{require-trace}} {report}: {e.Message}");
        }
        if (coverage.Files.Count == 0)
            throw new MigrationException(ReasonCodes.TraceReportInvalid, $"{{require-trace}} {report}: it traces no file; is it the output of verify --trace --format json?");
        var problems = new List<string>();
        foreach (var file in toApply)
        {
            if (!coverage.Files.TryGetValue(file.Id, out var traced))
                problems.Add($"{file.Id} is not in the trace report");
            else if (traced != file.Checksum)
                problems.Add($"{file.Id} changed since it was traced (report {traced[..12]}, file {file.Checksum[..12]})");
            else
                problems.AddRange(coverage.Refused.Where(r => r.File == file.Id).Select(r => $"{r.File}:{r.Line} {r.RuleId} is refused in the trace report"));
        }
        if (problems.Count == 0) return null;
        var first = toApply.First(f => problems[0].StartsWith(f.Id, StringComparison.Ordinal));
        return new Failure
        {
            Reason = ReasonCodes.PolicyViolation,
            Message = $"{{require-trace}} {report}: nothing was applied because {string.Join("; ", problems)}",
            File = first.Id,
            NextStep = "Trace exactly these files in CI (MigrateRunner verify --trace --format json > trace.jsonl, on the same commit) and deploy with that report; fix or waive what the trace refused.",
        };
    }

    /// <summary>
    /// One line per finding, for people:
    /// <c>refused  005_drop.sql:3:1 ban-drop-column [Contract] message; because (docs/gate/ban-drop-column.md)</c>.
    /// </summary>
    public static string Describe(Finding f) =>
        $"{f.Verdict.ToString().ToLowerInvariant(),-8} {f.File}:{f.Line}:{f.Column} {f.RuleId} [{f.Class}] {f.Message}{(f.Because is null ? "" : "; " + f.Because)} ({f.Page})";

    /// <summary>The finding as MigrateRunner's text output and the job's log carry it (RunnerFinding reads it back).</summary>
    public static string LogLine(Finding f) => "gate     " + Describe(f);

    private static string Plural(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
