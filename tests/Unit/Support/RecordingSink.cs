using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Support;

/// <summary>An operation sink that records everything, as a cmdlet would write it, and answers ShouldProcess as told.</summary>
internal sealed class RecordingSink : IOperationSink
{
    private readonly object _gate = new();

    public List<object> Objects { get; } = [];
    public List<(Failure Failure, object Target)> Errors { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<string> Verbose { get; } = [];
    public List<OperationProgress> Progress { get; } = [];
    public List<(string Target, string Action)> Questions { get; } = [];

    /// <summary>Called with each object as it is written, on the thread writing it.</summary>
    public Action<object>? OnObject { get; init; }

    /// <summary>The ShouldProcess answer for a target; yes by default.</summary>
    public Func<string, bool> Answer { get; init; } = _ => true;

    public List<T> Written<T>() => Objects.OfType<T>().ToList();

    /// <summary>Every text the sink received, for secret checks.</summary>
    public string AllText => string.Join("\n", Objects.Select(o => o.ToString())
        .Concat(Errors.Select(e => e.Failure.ToString()))
        .Concat(Warnings).Concat(Verbose)
        .Concat(Progress.Select(p => p.ToString()))
        .Concat(Questions.Select(q => q.Target + " " + q.Action)));

    public void WriteObject(object item)
    {
        lock (_gate) Objects.Add(item);
        OnObject?.Invoke(item);
    }
    public void WriteError(Failure failure, object target) { lock (_gate) Errors.Add((failure, target)); }
    public void WriteWarning(string message) { lock (_gate) Warnings.Add(message); }
    public void WriteVerbose(string message) { lock (_gate) Verbose.Add(message); }
    public void WriteProgress(OperationProgress progress) { lock (_gate) Progress.Add(progress); }

    public bool ShouldProcess(string target, string action)
    {
        lock (_gate) Questions.Add((target, action));
        return Answer(target);
    }
}
