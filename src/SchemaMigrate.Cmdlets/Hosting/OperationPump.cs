using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>
/// Runs an operation on a worker thread while the calling (pipeline) thread executes, in order, everything the
/// operation posts: PowerShell accepts Write*, WriteProgress and ShouldProcess only from the pipeline thread.
/// The stop token (StopProcessing) cancels the operation, yet <see cref="Run"/> returns only after the
/// operation has ended, so a migration in flight is rolled back before the cmdlet returns. When a posted action
/// throws (a stopped pipeline, a prompt in a non-interactive host) the operation is cancelled, waited for, and that
/// exception is rethrown; posts arriving after that are dropped, never run off the pipeline thread. A question
/// (<see cref="Ask"/>) that fails with a MigrationException only answers the worker with it: the operation decides.
/// While the operation runs, <paramref name="tick"/> of <see cref="Run"/> runs on the pipeline thread at least every
/// <see cref="TickInterval"/>, so the cmdlet can repeat a progress record that PowerShell dropped.
/// </summary>
internal sealed class OperationPump : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationToken _stop;
    private ExceptionDispatchInfo? _pipelineFailure;

    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(250);

    /// <param name="stop">Cancelled by StopProcessing, possibly before Run starts.</param>
    public OperationPump(CancellationToken stop = default)
    {
        _stop = stop;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
    }

    public void Run(Func<CancellationToken, Task> operation, Action? tick = null)
    {
        var work = Task.Run(() => operation(_cancel.Token));
        work.ContinueWith(_ => _queue.CompleteAdding(), TaskScheduler.Default);
        while (!_queue.IsCompleted)
        {
            Action? action = null;
            try
            {
                if (!_queue.TryTake(out action, TickInterval)) action = null;
            }
            catch (InvalidOperationException)
            {
                break; // completed while waiting
            }
            if (_pipelineFailure is not null) continue;
            try
            {
                action?.Invoke();
                tick?.Invoke();
            }
            catch (Exception e)
            {
                _pipelineFailure = ExceptionDispatchInfo.Capture(e);
                _cancel.Cancel();
            }
        }
        // After a stop the operation's own failure (its CANCELLED, naming what it left) says more than the
        // PipelineStoppedException a late Write* raised.
        if (_pipelineFailure is not null && !(_stop.IsCancellationRequested && work.IsFaulted && work.Exception!.InnerException is not OperationCanceledException))
            _pipelineFailure.Throw();
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
            catch (MigrationException e)
            {
                answer.SetException(e);
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
