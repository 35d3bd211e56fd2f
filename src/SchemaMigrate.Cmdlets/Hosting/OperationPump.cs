using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>
/// Runs an operation on a worker thread while the calling (pipeline) thread executes, in order, everything the
/// operation posts: PowerShell accepts Write*, WriteProgress and ShouldProcess only from the pipeline thread.
/// The stop token (StopProcessing) cancels the operation, yet <see cref="Run"/> returns only after the
/// operation has ended, so a migration in flight is rolled back before the cmdlet returns. When a posted action
/// throws (a stopped pipeline, a prompt in a non-interactive host) the operation is cancelled, waited for, and that
/// exception is rethrown; posts arriving after that are dropped, never run off the pipeline thread.
/// </summary>
internal sealed class OperationPump : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly CancellationTokenSource _cancel;
    private ExceptionDispatchInfo? _pipelineFailure;

    /// <param name="stop">Cancelled by StopProcessing, possibly before Run starts.</param>
    public OperationPump(CancellationToken stop = default) => _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);

    public void Run(Func<CancellationToken, Task> operation)
    {
        var work = Task.Run(() => operation(_cancel.Token));
        work.ContinueWith(_ => _queue.CompleteAdding(), TaskScheduler.Default);
        foreach (var action in _queue.GetConsumingEnumerable())
        {
            if (_pipelineFailure is not null) continue;
            try
            {
                action();
            }
            catch (Exception e)
            {
                _pipelineFailure = ExceptionDispatchInfo.Capture(e);
                _cancel.Cancel();
            }
        }
        _pipelineFailure?.Throw();
        work.GetAwaiter().GetResult();
    }

    /// <summary>From the worker: run <paramref name="action"/> on the pipeline thread, without waiting.</summary>
    public void Post(Action action)
    {
        try
        {
            _queue.Add(action);
        }
        catch (InvalidOperationException)
        {
            // The operation has ended: a late callback has no pipeline thread left to run on.
        }
    }

    /// <summary>From the worker: run <paramref name="question"/> on the pipeline thread and wait for its answer.</summary>
    public T Ask<T>(Func<T> question)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                answer.SetResult(question());
            }
            catch (Exception e)
            {
                answer.SetException(e);
                throw;
            }
        });
        return answer.Task.WaitAsync(_cancel.Token).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _queue.Dispose();
        _cancel.Dispose();
    }
}
