using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Module;

/// <summary>The pump every cmdlet runs engine work through: Write* and ShouldProcess on the pipeline thread, cancellation that waits.</summary>
public class OperationPumpTests
{
    [Fact]
    public void Posted_actions_run_in_order_on_the_thread_that_called_Run_while_the_work_runs_elsewhere()
    {
        using var pump = new OperationPump();
        var pipelineThread = Environment.CurrentManagedThreadId;
        var workThread = -1;
        var seen = new List<(int Value, int Thread)>();

        pump.Run(async ct =>
        {
            workThread = Environment.CurrentManagedThreadId;
            for (int i = 0; i < 50; i++)
            {
                var value = i;
                pump.Post(() => seen.Add((value, Environment.CurrentManagedThreadId)));
                if (i % 10 == 0) await Task.Yield();
            }
        });

        Assert.NotEqual(pipelineThread, workThread);
        Assert.Equal(Enumerable.Range(0, 50), seen.Select(s => s.Value));
        Assert.All(seen, s => Assert.Equal(pipelineThread, s.Thread));
    }

    [Fact]
    public void Ask_returns_the_answer_computed_on_the_pipeline_thread()
    {
        using var pump = new OperationPump();
        var pipelineThread = Environment.CurrentManagedThreadId;
        var answers = new List<string>();

        pump.Run(ct =>
        {
            answers.Add(pump.Ask(() => $"asked on {(Environment.CurrentManagedThreadId == pipelineThread ? "pipeline" : "other")} thread"));
            answers.Add(pump.Ask(() => "second"));
            return Task.CompletedTask;
        });

        Assert.Equal(["asked on pipeline thread", "second"], answers);
    }

    [Fact]
    public void A_failure_in_a_posted_action_cancels_the_work_waits_for_it_and_is_rethrown()
    {
        using var pump = new OperationPump();
        var workEnded = false;
        var ranAfterFailure = false;

        var e = Assert.Throws<InvalidOperationException>(() => pump.Run(async ct =>
        {
            try
            {
                pump.Post(() => throw new InvalidOperationException("host cannot prompt"));
                await Task.Delay(TimeSpan.FromMinutes(5), ct);
            }
            catch (OperationCanceledException)
            {
                pump.Post(() => ranAfterFailure = true);
                await Task.Delay(100, CancellationToken.None);
                workEnded = true;
                throw;
            }
        }));

        Assert.Equal("host cannot prompt", e.Message);
        Assert.True(workEnded, "Run returned before the work ended");
        Assert.False(ranAfterFailure, "an action posted after the failure still ran");
    }

    [Fact]
    public void A_question_whose_answer_throws_fails_in_the_work_too()
    {
        using var pump = new OperationPump();
        Exception? seenByWork = null;

        Assert.Throws<InvalidOperationException>(() => pump.Run(ct =>
        {
            try { pump.Ask<bool>(() => throw new InvalidOperationException("NonInteractive mode")); }
            catch (Exception e) { seenByWork = e; }
            return Task.CompletedTask;
        }));

        Assert.NotNull(seenByWork);
    }

    [Fact]
    public async Task Stopping_cancels_the_token_and_Run_still_waits_for_the_work_and_surfaces_its_outcome()
    {
        using var stop = new CancellationTokenSource();
        using var pump = new OperationPump(stop.Token);
        var cleanedUp = false;

        var run = Task.Run(() => pump.Run(async ct =>
        {
            try
            {
                pump.Post(stop.Cancel); // StopProcessing, arriving while the work is busy
                await Task.Delay(TimeSpan.FromMinutes(5), ct);
            }
            finally
            {
                await Task.Delay(100, CancellationToken.None);
                cleanedUp = true;
            }
        }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(cleanedUp);
    }

    [Fact]
    public async Task A_post_after_the_work_ended_is_dropped_not_run()
    {
        using var pump = new OperationPump();
        var late = new TaskCompletionSource();
        var ran = false;

        pump.Run(ct =>
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(200, CancellationToken.None);
                pump.Post(() => ran = true);
                late.SetResult();
            }, CancellationToken.None);
            return Task.CompletedTask;
        });
        await late.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(ran);
    }

    [Fact]
    public void A_question_answered_with_a_MigrationException_goes_to_the_work_alone_and_the_pump_goes_on()
    {
        using var pump = new OperationPump();
        var posted = false;

        var e = Assert.Throws<MigrationException>(() => pump.Run(ct =>
        {
            try
            {
                pump.Ask<bool>(() => throw new MigrationException(ReasonCodes.ConfirmationRequired, "cannot prompt"));
            }
            finally
            {
                pump.Post(() => posted = true);
            }
            return Task.CompletedTask;
        }));

        Assert.Equal(ReasonCodes.ConfirmationRequired, e.Reason);
        Assert.True(posted, "the pump stopped running posts after a question the work was answered with a failure");
    }

    [Fact]
    public void The_tick_runs_on_the_pipeline_thread_while_the_work_is_quiet()
    {
        using var pump = new OperationPump();
        var pipelineThread = Environment.CurrentManagedThreadId;
        var ticks = new List<int>();

        pump.Run(async ct => await Task.Delay(OperationPump.TickInterval * 4, ct), () => ticks.Add(Environment.CurrentManagedThreadId));

        Assert.True(ticks.Count >= 2, $"{ticks.Count} ticks during a quiet second");
        Assert.All(ticks, t => Assert.Equal(pipelineThread, t));
    }

    [Fact]
    public async Task After_a_stop_the_works_own_failure_wins_over_the_pipelines_stopped_exception()
    {
        using var stop = new CancellationTokenSource();
        using var pump = new OperationPump(stop.Token);

        var run = Task.Run(() => pump.Run(async ct =>
        {
            pump.Post(() =>
            {
                stop.Cancel();
                throw new OperationCanceledException("a Write* during a stopping pipeline");
            });
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(5), ct);
            }
            catch (OperationCanceledException)
            {
                throw new MigrationException(ReasonCodes.Cancelled, "stopped waiting for execution migrate-abc1234; it keeps running");
            }
        }));

        var e = await Assert.ThrowsAsync<MigrationException>(() => run);
        Assert.Contains("migrate-abc1234", e.Message);
    }
}
