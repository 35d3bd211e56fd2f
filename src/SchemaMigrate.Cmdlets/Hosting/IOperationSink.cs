using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>A progress bar update: PowerShell's Write-Progress, without PowerShell.</summary>
internal sealed record OperationProgress(string Activity, string Status, int PercentComplete, bool Completed = false);

/// <summary>
/// Everything an operation reports, without PowerShell: the cmdlets implement it on the pipeline thread (through
/// <see cref="OperationPump"/>), the tests record it. Expected failures that end an operation are thrown as
/// MigrationException; <see cref="WriteError"/> is for a failure after which the operation goes on.
/// </summary>
internal interface IOperationSink
{
    void WriteObject(object item);
    void WriteError(Failure failure, object target);
    void WriteWarning(string message);
    void WriteVerbose(string message);
    void WriteProgress(OperationProgress progress);
    /// <summary>PowerShell's ShouldProcess: false when declined at a -Confirm prompt or under -WhatIf (which prints the action).</summary>
    bool ShouldProcess(string target, string action);
}
