using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Turns a run's events into PowerShell's streams: a progress bar, verbose lines, warnings, -PassThru results,
/// and (when <paramref name="confirm"/>) a ShouldProcess question before each migration. Event kinds it does not
/// know yet are reported on the verbose stream rather than dropped.
/// </summary>
internal sealed class SinkListener(IOperationSink sink, bool passThru, bool confirm) : IMigrationListener
{
    private string _database = "";
    private string _activity = "Applying migrations";

    public void OnEvent(MigrationEvent e)
    {
        switch (e)
        {
            case RunStarted s:
                _database = s.Database;
                _activity = $"Applying migrations to {s.Database}";
                sink.WriteVerbose($"{s.Command}: {s.MigrationsDirectory} -> {s.Database}");
                sink.WriteVerbose($"journal {s.Journal}: {s.Applied} applied, {s.Pending} pending of {s.Files} files");
                break;
            case MigrationStarting s:
                sink.WriteProgress(new OperationProgress(_activity, $"{s.Id} ({s.Index}/{s.Total})", (s.Index - 1) * 100 / Math.Max(1, s.Total)));
                sink.WriteVerbose($"applying {s.Id} ({s.Index}/{s.Total}){Bracketed(s.Directives)}");
                break;
            case MigrationApplied s:
                sink.WriteVerbose($"applied {s.Id} in {(long)s.Elapsed.TotalMilliseconds}ms ({Plural(s.Statements, "statement")})");
                if (passThru) sink.WriteObject(SchemaMigrationResult.Applied(s, _database));
                break;
            case MigrationSkipped s:
                sink.WriteWarning($"{s.Id} skipped: {s.Reason}");
                if (passThru) sink.WriteObject(SchemaMigrationResult.Skipped(s, _database));
                break;
            case MigrationFailed s:
                if (passThru) sink.WriteObject(SchemaMigrationResult.Failed(s, _database));
                break;
            case MigrationWarning s:
                sink.WriteWarning(s.Message);
                break;
            case LockWaiting s:
                sink.WriteWarning($"waiting up to {Durations.Format(s.Wait)} for the migration lock on {s.Journal}, {s.Holder}");
                sink.WriteProgress(new OperationProgress(_activity, "Waiting for the migration lock", 0));
                break;
            case LockAcquired s:
                sink.WriteVerbose($"acquired the migration lock on {s.Journal} after {(long)s.Waited.TotalMilliseconds}ms");
                break;
            case MigrationRetrying s:
                sink.WriteWarning($"{s.Id}: retry {s.Attempt}/{s.MaxRetries} in {(long)s.Delay.TotalMilliseconds}ms after a lock timeout: {s.Reason}");
                break;
            case MigrationResuming s:
                sink.WriteWarning($"resuming {s.Id} at statement {s.Statement}/{s.Total} ({s.Reason})");
                break;
            case StatementApplied s:
                sink.WriteVerbose($"statement {s.Index}/{s.Total} (line {s.Line}) of {s.Id} committed in {(long)s.Elapsed.TotalMilliseconds}ms");
                break;
            case GateFindingReported s when s.Finding.Verdict is Verdict.Note or Verdict.Allowed:
                sink.WriteVerbose(DeployGate.Describe(s.Finding));
                break;
            case GateFindingReported s:
                sink.WriteWarning(DeployGate.Describe(s.Finding));
                break;
            default:
                sink.WriteVerbose($"{e.Event}: {e}");
                break;
        }
    }

    public bool ShouldApply(MigrationFile migration) =>
        !confirm || sink.ShouldProcess(Target(migration, _database), Action(migration));

    /// <summary>Closes the progress bar.</summary>
    public void Complete() => sink.WriteProgress(new OperationProgress(_activity, "Done", 100, Completed: true));

    /// <summary>The ShouldProcess target and action of applying one migration (-Confirm and -WhatIf print them).</summary>
    public static string Target(MigrationFile migration, string database) => $"{migration.Id} on {database}";

    public static string Action(MigrationFile migration) =>
        $"Apply migration ({Plural(migration.Script.Statements.Count, "statement")}{(migration.Directives.Names.Count > 0 ? ", " + string.Join(", ", migration.Directives.Names) : "")})";

    private static string Bracketed(IReadOnlyList<string> directives) => directives.Count > 0 ? " [" + string.Join(", ", directives) + "]" : "";

    private static string Plural(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
