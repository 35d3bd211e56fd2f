using System.Management.Automation;
using System.Management.Automation.Host;
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

    /// <summary>
    /// Prepares (on the pipeline thread) and runs an operation; every failure becomes an ErrorRecord. A stop (Ctrl+C)
    /// still leaves one in $Error: the operation's own CANCELLED failure (e.g. naming the job execution that keeps
    /// running), or a generic one; PowerShell records nothing for a stopped pipeline.
    /// </summary>
    internal void Execute(Func<Operation> prepare)
    {
        if (DebugRequested)
            foreach (var dependency in EngineDependencies.Describe()) WriteDebug(dependency.ToString());
        using var pump = new OperationPump(_stop.Token);
        var sink = new CmdletSink(this, pump);
        try
        {
            var operation = prepare();
            pump.Run(ct => operation(sink, ct), sink.RepeatProgress);
        }
        catch (Exception e) when (_stop.IsCancellationRequested)
        {
            var (failure, target) = e switch
            {
                MigrationException m => (m.Failure, m.Failure.File ?? ErrorTarget),
                TargetedFailureException t => (t.Failure, t.Target),
                _ => (new Failure { Reason = ReasonCodes.Cancelled, Message = $"{MyInvocation.MyCommand.Name} was stopped (Ctrl+C) before it finished" }, ErrorTarget),
            };
            RecordStopped(ErrorRecordFor(failure, target, stopped: true));
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
            // PowerShell's own exceptions (a stopped pipeline) pass through unchanged.
            WriteDebug(Redactor.Redact(e.ToString()));
            ThrowTerminatingError(ErrorRecordFor(FailureText.Unexpected(e), ErrorTarget));
        }
    }

    /// <summary>Ends the command with a failure found before the engine runs (e.g. while binding piped input).</summary>
    protected void ThrowFailure(Failure failure) => ThrowTerminatingError(ErrorRecordFor(failure, ErrorTarget));

    /// <summary>Puts a stopped command's record at $Error[0], where the operator looks after Ctrl+C.</summary>
    private void RecordStopped(ErrorRecord record)
    {
        if (SessionState.PSVariable.GetValue("global:Error") is System.Collections.ArrayList errors) errors.Insert(0, record);
    }

    /// <param name="stopped">For a record PowerShell never sees thrown: its ErrorId then carries the command, as a thrown one's does.</param>
    private ErrorRecord ErrorRecordFor(Failure failure, object? target, bool stopped = false)
    {
        failure = failure.For(PowerShellOptionNames.For(MyInvocation.MyCommand.Name));
        var category = Enum.TryParse<ErrorCategory>(failure.Reason.Category, out var c) ? c : ErrorCategory.NotSpecified;
        var errorId = stopped ? $"{failure.ReasonCode},{GetType().FullName}" : failure.ReasonCode;
        // A fresh exception: the engine's inner exceptions (Npgsql's) stay out of $Error; -Debug shows them, redacted.
        return new ErrorRecord(new MigrationException(failure), errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(FailureText.Describe(failure)) { RecommendedAction = failure.Action },
        };
    }

    /// <summary>The sink an operation writes to: every call is carried to the pipeline thread by the pump.</summary>
    private sealed class CmdletSink(SchemaMigrateCmdlet cmdlet, OperationPump pump) : IOperationSink
    {
        private ProgressRecord? _progress;
        private DateTime _progressWritten;

        public void WriteObject(object item) => pump.Post(() => cmdlet.WriteObject(item));

        public void WriteError(Failure failure, object target) => pump.Post(() => cmdlet.WriteError(cmdlet.ErrorRecordFor(failure, failure.File ?? target)));

        public void WriteWarning(string message) => pump.Post(() => cmdlet.WriteWarning(Redactor.Redact(message)));

        public void WriteVerbose(string message) => pump.Post(() => cmdlet.WriteVerbose(Redactor.Redact(message)));

        public void WriteProgress(OperationProgress progress) => pump.Post(() =>
        {
            var record = new ProgressRecord(ProgressActivityId, Redactor.Redact(progress.Activity), progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            _progress = progress.Completed ? null : record;
            Write(record);
        });

        /// <summary>
        /// From the pump's tick: writes the current record again. The console host renders at most a few records a
        /// second and drops the rest, so without this the bar could go on showing a migration that already ended.
        /// </summary>
        public void RepeatProgress()
        {
            if (_progress is { } record && DateTime.UtcNow - _progressWritten >= OperationPump.TickInterval) Write(record);
        }

        private void Write(ProgressRecord record)
        {
            _progressWritten = DateTime.UtcNow;
            cmdlet.WriteProgress(record);
        }

        public bool ShouldProcess(string target, string action) => pump.Ask(() =>
        {
            try
            {
                return cmdlet.ShouldProcess(Redactor.Redact(target), Redactor.Redact(action));
            }
            catch (Exception e) when (e is PSInvalidOperationException or HostException)
            {
                // The host cannot prompt (pwsh -NonInteractive: PSInvalidOperationException; a runspace without a UI: HostException).
                throw new MigrationException(ReasonCodes.ConfirmationRequired,
                    $"{cmdlet.MyInvocation.MyCommand.Name} asks before it changes anything (\"{Redactor.Redact(action)}\" on \"{Redactor.Redact(target)}\"), and this host cannot prompt: pass -Confirm:$false to go ahead without asking");
            }
        });
    }
}
