using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Engine.Safety.Trace;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Test-SchemaMigration: checks a folder without a database (file names, encoding, directives, statement
/// splitting, every check `up` makes of a file before it runs (Migrator.CheckRunnable), the deploy gate as
/// `MigrateRunner lint` runs it) and reports every problem, not just the first; then, with <paramref name="verify"/>
/// and no errors, applies everything to a throwaway database as `MigrateRunner verify` does.
/// </summary>
internal sealed class TestOperation(MigrationSettings settings, bool verify, string? devDatabase, string? appliedThrough = null)
{
    /// <summary>-Trace: replay what is deployed, then trace every pending statement (instead of -Verify's plain apply).</summary>
    public TraceRequest? Trace { get; init; }

    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var directory = MigrationDirectory.Existing(settings.MigrationsDirectory);
        var names = MigrationDirectory.EntryNames(directory).ToList();
        var issues = MigrationNaming.Check(names);
        var files = new List<(string Name, MigrationFile? File, bool Valid)>();

        foreach (var name in names.Where(n => MigrationNaming.IsMigrationFile(n) || issues.Any(i => i.File == n)))
        {
            var valid = true;
            foreach (var issue in issues.Where(i => i.File == name))
            {
                if (!issue.IsError) sink.WriteWarning(issue.Message);
                else
                {
                    valid = false;
                    sink.WriteError(new Failure { Reason = ReasonCodes.MigrationInvalid, Message = issue.Message, File = name }, name);
                }
            }
            MigrationFile? file = null;
            if (MigrationNaming.IsMigrationFile(name))
            {
                try
                {
                    file = MigrationFile.Load(Path.Combine(directory, name));
                    if (Migrator.CheckRunnable(file, names, settings) is { } refused)
                    {
                        valid = false;
                        sink.WriteError(refused, name);
                    }
                }
                catch (MigrationException e)
                {
                    valid = false;
                    sink.WriteError(e.Failure, name);
                }
            }
            files.Add((name, file, valid));
        }
        if (files.Count == 0) sink.WriteWarning($"{directory} holds no *{MigrationNaming.Extension} files");

        // Naming issues were reported above as MIGRATION_INVALID errors and warnings; the gate adds the rest.
        var lint = await Linter.RunAsync(settings with { MigrationsDirectory = directory }, appliedThrough, ct);
        sink.WriteVerbose($"deploy gate judged {lint.Files} file(s): {PowerShellOptionNames.For("Test-SchemaMigration").Render(lint.Basis)}");
        var findings = lint.Findings.Where(f => !issues.Any(i => i.File == f.File && i.RuleId == f.RuleId)).ToList();
        foreach (var finding in findings)
        {
            if (finding.Refused) sink.WriteError(DeployGate.Refusal([finding], "up would apply nothing") with { Message = DeployGate.Describe(finding) }, finding.File);
            else if (finding.Verdict is Verdict.Warning or Verdict.Waived) sink.WriteWarning(DeployGate.Describe(finding));
            else sink.WriteVerbose(DeployGate.Describe(finding));
        }

        ApplyResult? verified = null;
        TraceReport? trace = null;
        if ((verify || Trace is not null) && files.All(f => f.Valid))
        {
            sink.WriteVerbose($"verify: applying every migration in {directory} to a scratch database{(Trace is null ? "" : ", tracing the pending ones")}");
            var listener = new SinkListener(sink, passThru: false, confirm: false);
            var result = await Verifier.RunAsync(settings with { MigrationsDirectory = directory }, devDatabase, listener, ct, Trace);
            (verified, trace) = (result.Apply, result.Trace);
            listener.Complete();
            // The gate's own findings were written above; the trace adds what only PostgreSQL could tell.
            foreach (var finding in trace?.Findings.Where(f => f.Rule is TraceRule) ?? [])
            {
                if (finding.Refused) sink.WriteError(DeployGate.Refusal([finding], "the trace ran it on the scratch database only") with { Message = DeployGate.Describe(finding) }, finding.File);
                else if (finding.Verdict is Verdict.Warning or Verdict.Waived) sink.WriteWarning(DeployGate.Describe(finding));
            }
            if (verified.Failure?.Reason == ReasonCodes.PolicyViolation) verified = verified with { Failure = null };
        }
        else if (verify || Trace is not null) sink.WriteWarning("not verified against a database: fix the errors above first");

        foreach (var (name, file, valid) in files)
            sink.WriteObject(new SchemaMigrationTestResult
            {
                Id = name,
                Valid = valid,
                Verified = verified?.Applied.Any(a => a.Id == name) == true,
                Statements = file?.Script.Statements.Count,
                Directives = [.. file?.Directives.Names ?? []],
                Checksum = file?.Checksum,
                FullName = Path.Combine(directory, name),
                DirectoryName = directory,
                Findings = [.. findings.Concat(trace?.Findings.Where(f => f.Rule is TraceRule) ?? []).Where(f => f.File == name).Select(SchemaMigrationFinding.From)],
                Trace = [.. trace?.Statements.Where(t => t.File == name).Select(t => SchemaMigrationTracedStatement.From(t, trace.Sizes)) ?? []],
            });
        if (verified?.Failure is { } failure) throw new MigrationException(failure);
    }
}
