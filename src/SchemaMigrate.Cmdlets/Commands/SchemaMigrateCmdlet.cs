using System.Management.Automation;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets;

/// <summary>An engine operation as a cmdlet runs it: off the pipeline thread, reporting through the sink.</summary>
internal delegate Task Operation(IOperationSink sink, CancellationToken ct);

/// <summary>
/// Base of every SchemaMigrate cmdlet. <see cref="Execute"/> runs an engine operation on a worker thread, writes
/// what it reports from the pipeline thread, cancels it on Ctrl+C (and waits for it to roll back), and turns a
/// failure into a terminating ErrorRecord whose ErrorId is the reason code. Engine types appear only inside
/// method bodies: PowerShell reflects over this class before the engine's load context is wired up.
/// </summary>
public abstract class SchemaMigrateCmdlet : PSCmdlet
{
    private const int ProgressActivityId = 1;
    private readonly CancellationTokenSource _stop = new();

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>What a failure's ErrorRecord targets when it names no file (the migrations folder, the job).</summary>
    internal object? ErrorTarget { get; set; }

    /// <summary>True under -WhatIf, given or inherited through $WhatIfPreference.</summary>
    protected bool WhatIfRequested =>
        LanguagePrimitives.IsTrue(MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf) ? whatIf : GetVariableValue("WhatIfPreference"));

    /// <summary>True under -Debug or a $DebugPreference that shows debug output: then the engine's libraries are listed.</summary>
    private bool DebugRequested =>
        MyInvocation.BoundParameters.TryGetValue("Debug", out var debug)
            ? LanguagePrimitives.IsTrue(debug)
            : GetVariableValue("DebugPreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue;

    /// <summary>The engine settings for these parameters; relative paths resolve against the current PowerShell location.</summary>
    internal MigrationSettings BuildSettings(SettingsParameters parameters)
    {
        var settings = parameters.ToSettings(Environment.GetEnvironmentVariables(), GetUnresolvedProviderPathFromPSPath);
        ErrorTarget = settings.MigrationsDirectory;
        return settings;
    }

    /// <summary>
    /// Where a deploy artifact goes: -ArtifactPath (default .artifacts/deploy) when it or -CommitSha is given, resolved
    /// against PowerShell's location (not the process's); null when neither is, and nothing is written.
    /// </summary>
    internal string? ArtifactFolder(string? artifactPath, string? commitSha) =>
        artifactPath is null && commitSha is null ? null : GetUnresolvedProviderPathFromPSPath(artifactPath ?? Engine.Azure.DeployArtifact.DefaultRoot);

    /// <summary>Prepares (on the pipeline thread) and runs an operation; every failure becomes an ErrorRecord.</summary>
    internal void Execute(Func<Operation> prepare)
    {
        if (DebugRequested)
            foreach (var dependency in EngineDependencies.Describe()) WriteDebug(dependency.ToString());
        using var pump = new OperationPump(_stop.Token);
        var sink = new CmdletSink(this, pump);
        try
        {
            var operation = prepare();
            pump.Run(ct => operation(sink, ct));
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (MigrationException e)
        {
            WriteDebug(Redactor.Redact(e.ToString()));
            ThrowTerminatingError(ErrorRecordFor(e.Failure, e.Failure.File ?? ErrorTarget));
        }
        catch (TargetedFailureException e)
        {
            ThrowTerminatingError(ErrorRecordFor(e.Failure, e.Target));
        }
        catch (Exception e) when (e is not RuntimeException)
        {
            // PowerShell's own exceptions (a host that cannot prompt, a stopped pipeline) pass through unchanged.
            WriteDebug(Redactor.Redact(e.ToString()));
            ThrowTerminatingError(ErrorRecordFor(FailureText.Unexpected(e), ErrorTarget));
        }
    }

    private static ErrorRecord ErrorRecordFor(Failure failure, object? target)
    {
        var category = Enum.TryParse<ErrorCategory>(failure.Reason.Category, out var c) ? c : ErrorCategory.NotSpecified;
        // A fresh exception: the engine's inner exceptions (Npgsql's) stay out of $Error; -Debug shows them, redacted.
        return new ErrorRecord(new MigrationException(failure), failure.ReasonCode, category, target)
        {
            ErrorDetails = new ErrorDetails(FailureText.Describe(failure)) { RecommendedAction = failure.Action },
        };
    }

    /// <summary>The sink an operation writes to: every call is carried to the pipeline thread by the pump.</summary>
    private sealed class CmdletSink(SchemaMigrateCmdlet cmdlet, OperationPump pump) : IOperationSink
    {
        public void WriteObject(object item) => pump.Post(() => cmdlet.WriteObject(item));

        public void WriteError(Failure failure, object target) => pump.Post(() => cmdlet.WriteError(ErrorRecordFor(failure, failure.File ?? target)));

        public void WriteWarning(string message) => pump.Post(() => cmdlet.WriteWarning(Redactor.Redact(message)));

        public void WriteVerbose(string message) => pump.Post(() => cmdlet.WriteVerbose(Redactor.Redact(message)));

        public void WriteProgress(OperationProgress progress) => pump.Post(() => cmdlet.WriteProgress(
            new ProgressRecord(ProgressActivityId, Redactor.Redact(progress.Activity), progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            }));

        public bool ShouldProcess(string target, string action) => pump.Ask(() => cmdlet.ShouldProcess(Redactor.Redact(target), action));
    }
}
