using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>
/// A failure about an object the operation has written (a failed job execution): its ErrorRecord targets that
/// object, so `$Error[0].TargetObject | Get-MigrationJobLog` reads the logs of what failed.
/// </summary>
internal sealed class TargetedFailureException(Failure failure, object target) : Exception(failure.Message)
{
    public Failure Failure { get; } = failure;
    public object Target { get; } = target;
}
