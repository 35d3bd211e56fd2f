using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Support;

/// <summary>What a cmdlet's sink does, without PowerShell: every call goes through the pump to the thread running it.</summary>
internal sealed class PumpedSink(OperationPump pump, RecordingSink inner) : IOperationSink
{
    public RecordingSink Inner => inner;

    public void WriteObject(object item) => pump.Post(() => inner.WriteObject(item));
    public void WriteError(Failure failure, object target) => pump.Post(() => inner.WriteError(failure, target));
    public void WriteWarning(string message) => pump.Post(() => inner.WriteWarning(message));
    public void WriteVerbose(string message) => pump.Post(() => inner.WriteVerbose(message));
    public void WriteProgress(OperationProgress progress) => pump.Post(() => inner.WriteProgress(progress));
    public bool ShouldProcess(string target, string action) => pump.Ask(() => inner.ShouldProcess(target, action));
}
