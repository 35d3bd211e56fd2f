using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Turns a job operation's events into PowerShell's streams: notes and status changes on the verbose stream,
/// warnings, a progress bar for each wait, and the start or stop question as ShouldProcess (-WhatIf, -Confirm).
/// </summary>
internal sealed class JobSinkListener(IOperationSink sink) : IJobListener
{
    private string? _activity;

    public void OnEvent(JobEvent e)
    {
        switch (e)
        {
            case JobWarning w:
                sink.WriteWarning(w.Message);
                break;
            case JobProgress p:
                _activity = p.Activity;
                var percent = p.Limit > TimeSpan.Zero ? (int)Math.Min(99, p.Elapsed / p.Limit * 100) : 0;
                sink.WriteProgress(new OperationProgress(p.Activity, p.Message, percent));
                break;
            default:
                sink.WriteVerbose(e.Message);
                break;
        }
    }

    public bool ShouldProcess(string target, string action) => sink.ShouldProcess(target, action);

    /// <summary>Closes the progress bar, if a wait opened one.</summary>
    public void Complete()
    {
        if (_activity is not null) sink.WriteProgress(new OperationProgress(_activity, "Done", 100, Completed: true));
    }
}
