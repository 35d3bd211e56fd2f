using System.Globalization;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Engine.Safety.Trace;

namespace SchemaMigrate.Runner;

/// <summary>Where MigrateRunner reports a run: lines for people, or --json lines for machines.</summary>
internal interface IRunnerOutput : IMigrationListener
{
    void Note(string message);
    void Status(StatusReport report);
    void Plan(MigrationPlan plan);
    /// <summary>What verify left in its scratch database: for people, what matters, with the failure last.</summary>
    void Verified(StatusReport report, Failure? failure);
    /// <summary>lint's findings and, per judged file, the class of each statement.</summary>
    void Lint(LintReport report);
    /// <summary>verify --trace: each pending statement, the schema diff and every finding.</summary>
    void Trace(TraceReport report);
    /// <summary>Writes the outcome and returns the exit code.</summary>
    int Result(string command, Failure? failure, TimeSpan elapsed, IReadOnlyList<KeyValuePair<string, int>> counts);
}

internal sealed class JsonOutput(TextWriter stdout) : IRunnerOutput
{
    public void OnEvent(MigrationEvent e)
    {
        stdout.WriteLine(RunnerJson.Event(e));
        stdout.Flush();
    }

    public void Note(string message) { }

    public void Status(StatusReport report)
    {
        foreach (var m in report.Migrations) stdout.WriteLine(RunnerJson.Status(m));
    }

    public void Verified(StatusReport report, Failure? failure) => Status(report);

    public void Plan(MigrationPlan plan)
    {
        foreach (var w in plan.Status.Migrations.SelectMany(m => m.Warnings.Select(text => (m, text))))
            OnEvent(new MigrationWarning(w.m.Id, w.m.State.ToString(), w.text));
        foreach (var file in plan.ToApply) stdout.WriteLine(RunnerJson.PlanItem(file));
        foreach (var finding in plan.Gate.Findings) stdout.WriteLine(RunnerJson.Finding(finding));
    }

    public void Lint(LintReport report)
    {
        foreach (var finding in report.Findings) stdout.WriteLine(RunnerJson.Finding(finding));
        foreach (var file in report.Statements.GroupBy(s => s.File)) stdout.WriteLine(RunnerJson.LintFile(file.Key, file));
    }

    public void Trace(TraceReport report)
    {
        foreach (var line in TraceJson.Lines(report)) stdout.WriteLine(line);
    }

    public int Result(string command, Failure? failure, TimeSpan elapsed, IReadOnlyList<KeyValuePair<string, int>> counts)
    {
        failure = failure?.For(OptionNames.CommandLine);
        stdout.WriteLine(RunnerJson.Result(command, failure, elapsed, counts));
        return failure?.Reason.ExitCode ?? 0;
    }
}

/// <summary>
/// Human output, one line per event so it reads well in container logs. The last line is always
/// `result: succeeded ...` or `result: failed reasonCode=CODE ...`; errors also go to stderr as `error CODE: ...`.
/// </summary>
internal sealed class TextOutput(TextWriter stdout, TextWriter stderr) : IRunnerOutput
{
    public void OnEvent(MigrationEvent e)
    {
        switch (e)
        {
            case RunStarted s:
                Out($"{s.Command}: {s.MigrationsDirectory} -> {s.Database}");
                Out($"journal {s.Journal}: {s.Applied} applied, {s.Pending} pending of {s.Files} files");
                if (s.Pending == 0) Out("nothing to apply");
                break;
            case MigrationStarting s:
                Out($"applying {s.Id} ({s.Index}/{s.Total}){Directives(s.Directives, s.Marker)}");
                break;
            case MigrationApplied s:
                Out($"applied  {s.Id} in {Ms(s.Elapsed)} ({s.Statements} statement{(s.Statements == 1 ? "" : "s")})");
                break;
            case MigrationSkipped s:
                Out($"skipped  {s.Id}: {s.Reason}");
                break;
            case MigrationFailed s:
                Out($"failed   {s.Id}");
                break;
            case MigrationWarning s:
                Err($"warning {s.Kind}: {s.Message}");
                break;
            case LockWaiting s:
                Out($"lock     waiting up to {Durations.Format(s.Wait)} for the migration lock on {s.Journal}, {s.Holder}");
                break;
            case LockAcquired s:
                Out($"lock     acquired the migration lock on {s.Journal}{(s.Waited >= TimeSpan.FromMilliseconds(100) ? $" after {Ms(s.Waited)}" : "")}");
                break;
            case MigrationRetrying s:
                Out($"retry    {s.Id} ({s.Attempt}/{s.MaxRetries}) in {Ms(s.Delay)} after a lock timeout: {s.Reason}");
                break;
            case MigrationResuming s:
                Out($"resuming {s.Id} at statement {s.Statement}/{s.Total} ({s.Reason})");
                break;
            case StatementApplied s:
                Out($"  statement {s.Index}/{s.Total} (line {s.Line}) of {s.Id} {(s.Committed ? "committed" : "ran in the file's own transaction")} in {Ms(s.Elapsed)}");
                break;
            case GateFindingReported s:
                Out(DeployGate.LogLine(s.Finding));
                break;
        }
        stdout.Flush();
    }

    public void Note(string message)
    {
        Out(message);
        stdout.Flush();
    }

    public void Status(StatusReport report)
    {
        Out($"status: {report.MigrationsDirectory} -> {report.Database}");
        Out(Journal(report));
        if (report.Migrations.Count == 0) { Out("no migrations"); return; }
        var width = Math.Max(2, report.Migrations.Max(m => m.Id.Length));
        Out($"{"State",-11} {"Id".PadRight(width)}  {"Applied at (UTC)",-19}  Checksum");
        foreach (var m in report.Migrations)
        {
            var at = m.AppliedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
            var checksum = (m.Checksum ?? m.AppliedChecksum ?? "")[..Math.Min(12, (m.Checksum ?? m.AppliedChecksum ?? "").Length)];
            Out($"{m.State,-11} {m.Id.PadRight(width)}  {at,-19}  {checksum} {Directives(m.Directives, m.Marker)}".TrimEnd());
        }
        foreach (var m in report.Migrations)
            foreach (var w in m.Warnings) Out($"  {m.State}: {w}");
        Out(string.Join(", ", report.Migrations.GroupBy(m => m.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}")));
    }

    public void Plan(MigrationPlan plan)
    {
        Out($"plan: {plan.Status.MigrationsDirectory} -> {plan.Status.Database}");
        foreach (var m in plan.Status.Migrations)
            foreach (var w in m.Warnings) Err($"warning {m.State}: {w}");
        if (plan.ToApply.Count == 0) { Out("nothing to apply"); return; }
        Out($"up would apply {plan.ToApply.Count} migration{(plan.ToApply.Count == 1 ? "" : "s")}, in this order:");
        foreach (var file in plan.ToApply)
            Out($"  {file.Id} ({file.Script.Statements.Count} statement{(file.Script.Statements.Count == 1 ? "" : "s")}){Directives(file.Directives.Names, file.Directives.Marker)}");
        foreach (var finding in plan.Gate.Findings) Out(DeployGate.LogLine(finding));
    }

    public void Lint(LintReport report)
    {
        Out($"lint: {report.MigrationsDirectory}");
        Out($"judged as: {OptionNames.CommandLine.Render(report.Basis)}");
        foreach (var finding in report.Findings) Out(DeployGate.LogLine(finding));
        foreach (var invalid in report.Invalid.Select(f => f.For(OptionNames.CommandLine))) Out($"invalid  {invalid.Location} {invalid.ReasonCode}: {invalid.Message}");
        var classes = report.Statements.GroupBy(s => s.Class).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        Out($"{report.Files} file{(report.Files == 1 ? "" : "s")} judged, {report.Statements.Count} statements: {string.Join(", ", classes)}");
    }

    /// <summary>
    /// Per statement: where it is and what it is, then the locks it took (and held from earlier statements of its
    /// transaction), how long the strongest was held and what that blocks, rewrites and scans with sizes, what it
    /// created or validated, each gate prediction, and its findings. Then the schema diff's breaking changes.
    /// </summary>
    public void Trace(TraceReport report)
    {
        string Sized(string relation) => report.Sizes.TryGetValue(relation, out var bytes) ? $"{relation} ({Bytes(bytes)})" : relation;
        foreach (var s in report.Statements)
        {
            Out($"trace    {s.File}:{s.Line} {s.Summary} ({Ms(s.Elapsed)})");
            var taken = s.Locks.Where(l => l.New).Select(l => $"{l.Mode} on {l.Relation}").ToList();
            var held = s.Locks.Where(l => !l.New).Select(l => $"{l.Mode} on {l.Relation}").ToList();
            Out("  locks      " + (s.Observation == LockObservation.Missed ? "not seen (it ran outside a transaction block and never waited)"
                : taken.Count == 0 ? "none new" : string.Join(", ", taken)) + (held.Count == 0 ? "" : $"; still holding {string.Join(", ", held)}")
                + (s.Observation == LockObservation.Watched ? " (seen from another session)" : ""));
            if (s.StrongestLock is { } strongest)
                Out($"  strongest  {strongest.Mode} on {strongest.Relation} held {Ms(s.HeldFor)}{(s.Blocks.Count == 0 ? ", blocks none of SELECT, INSERT, UPDATE, DELETE, DDL" : ", blocks " + string.Join(", ", s.Blocks))}");
            if (s.Rewrites.Count > 0) Out("  rewrites   " + string.Join(", ", s.Rewrites.Select(Sized)));
            if (s.Scanned.Count > 0) Out("  scanned    " + string.Join(", ", s.Scanned.Select(Sized)));
            var created = s.NewIndexes.Select(i => "index " + i).Concat(s.NewConstraints.Select(c => "constraint " + c)).Concat(s.ValidatedConstraints.Select(c => "validated " + c)).ToList();
            if (created.Count > 0) Out("  new        " + string.Join(", ", created));
            foreach (var p in s.Predictions)
                Out($"  {p.Outcome.ToString().ToLowerInvariant(),-10} {p.Prediction.Source} predicted {p.Prediction}; PostgreSQL: {p.Observed}");
            foreach (var f in s.Findings) Out("  " + DeployGate.LogLine(f));
        }
        var breaking = report.SchemaChanges.Where(c => c.Breaks is not null).ToList();
        Out($"schema   {report.SchemaChanges.Count} change{(report.SchemaChanges.Count == 1 ? "" : "s")} between before and after the pending files, {breaking.Count} breaking");
        foreach (var f in report.SetFindings) Out(DeployGate.LogLine(f));
        if (report.QueriesChecked + report.QueriesSkipped > 0)
            Out($"queries  {report.QueriesChecked} prepared before and after the pending files{(report.QueriesSkipped == 0 ? "" : $", {report.QueriesSkipped} skipped (not a statement PREPARE takes)")}");
        var rewrites = report.Statements.Count(s => s.Rewrites.Count > 0);
        var exclusive = report.Statements.Count(s => s.StrongestLock?.Mode == LockMode.AccessExclusiveLock);
        Out($"{report.Files.Count} file{(report.Files.Count == 1 ? "" : "s")} traced, {report.Statements.Count()} statements: {rewrites} rewrote a table, {exclusive} took AccessExclusiveLock, {report.Refused.Count} finding{(report.Refused.Count == 1 ? "" : "s")} refused");
    }

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{bytes / 1024.0:0} kB",
        _ => $"{bytes} bytes",
    };

    /// <summary>
    /// Verify's status in a few lines however long the folder is: the applied range, then each migration in any
    /// other state, the one that failed, and the range it kept from running; the error itself follows last.
    /// </summary>
    public void Verified(StatusReport report, Failure? failure)
    {
        Out($"status: {report.MigrationsDirectory} -> {report.Database}");
        Out(Journal(report));
        var migrations = report.Migrations;
        var failed = failure?.File is { } id ? migrations.FirstOrDefault(m => m.Id == id && m.State != MigrationState.Applied) : null;
        var applied = migrations.Where(m => m.State == MigrationState.Applied).ToList();
        Out($"{applied.Count} applied{Range(applied)}");
        foreach (var m in migrations.Where(m => m.State is not (MigrationState.Applied or MigrationState.Pending) && m != failed))
            Out($"{m.State,-11} {m.Id}: {string.Join("; ", m.Warnings)}");
        if (failed is not null) Out($"{(failed.State == MigrationState.Incomplete ? "Incomplete" : "Failed"),-11} {failure!.Location} ({failure.ReasonCode}; the error is below)");
        var notRun = migrations.Where(m => m.State == MigrationState.Pending && m != failed).ToList();
        if (notRun.Count > 0) Out($"{notRun.Count} pending{(failed is null ? "" : " after it, not attempted")}{Range(notRun)}");
    }

    private static string Range(IReadOnlyList<MigrationStatus> ms) =>
        ms.Count switch { 0 => "", 1 => $": {ms[0].Id}", 2 => $": {ms[0].Id}, {ms[1].Id}", _ => $": {ms[0].Id} ... {ms[^1].Id}" };

    private static string Journal(StatusReport report) =>
        report.Journal is not null ? $"journal: {report.Journal}" : $"journal: not created yet ({report.JournalName}; nothing applied)";

    /// <summary>" [no-transaction, lock-timeout=2s]", saying which marker of another tool made a file no-transaction.</summary>
    private static string Directives(IReadOnlyList<string> names, string? marker) =>
        names.Count == 0 ? "" : " [" + string.Join(", ", names.Select(n => n == "no-transaction" && marker is not null ? $"no-transaction, read from '{marker}'" : n)) + "]";

    public int Result(string command, Failure? failure, TimeSpan elapsed, IReadOnlyList<KeyValuePair<string, int>> counts)
    {
        failure = failure?.For(OptionNames.CommandLine);
        var numbers = string.Join(" ", counts.Select(c => $"{c.Key}={c.Value}"));
        if (failure is null)
        {
            Out($"result: succeeded {numbers} elapsed={Ms(elapsed)}".Replace("  ", " "));
            return 0;
        }
        Err($"error {failure.ReasonCode}: {failure.Message}");
        foreach (var line in failure.Particulars().SelectMany(p => p.Split('\n'))) Err("  " + line);
        Err($"  next step: {failure.Action}");
        var location = failure.Location is { } loc ? $" at={loc}" : "";
        var sqlState = failure.SqlState is { } st ? $" sqlstate={st}" : "";
        Out($"result: failed reasonCode={failure.ReasonCode} exitCode={failure.Reason.ExitCode}{location}{sqlState} {numbers} elapsed={Ms(elapsed)}".Replace("  ", " "));
        return failure.Reason.ExitCode;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds < 10_000 ? $"{(long)t.TotalMilliseconds}ms" : $"{t.TotalSeconds:0.0}s";

    private void Out(string line) => stdout.WriteLine(Redactor.Redact(line));

    private void Err(string line)
    {
        // stdout is buffered: what came before an error line is written before it.
        stdout.Flush();
        stderr.WriteLine(Redactor.Redact(line));
    }
}
