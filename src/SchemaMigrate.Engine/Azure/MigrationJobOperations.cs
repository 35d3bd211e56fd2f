using System.Diagnostics;
using System.Runtime.CompilerServices;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// The job cmdlets' operations, host-free: start (refuse a parallel run, override the image, wait, classify,
/// write migration.json), list, stop, and read logs. Expected failures are <see cref="MigrationException"/>s,
/// except that <see cref="StartAsync"/> reports them in <see cref="JobRun.Failure"/> so its artifact is
/// always written.
/// </summary>
public sealed class MigrationJobOperations
{
    private readonly IContainerAppsJobClient _arm;
    private readonly JobPolling _polling;
    private readonly JobLogReader _logs;

    public MigrationJobOperations(AzureSettings settings, JobPolling? polling = null)
        : this(settings, AzureRestClient.CreateCredential(settings), polling) { }

    private MigrationJobOperations(AzureSettings settings, global::Azure.Core.TokenCredential credential, JobPolling? polling)
        : this(ContainerAppsJobClient.Create(settings, credential), LogAnalyticsClient.Create(settings, credential), polling) { }

    public MigrationJobOperations(IContainerAppsJobClient arm, ILogAnalyticsClient logs, JobPolling? polling = null)
    {
        _arm = arm;
        _polling = polling ?? new JobPolling();
        _logs = new JobLogReader(arm, logs, _polling);
    }

    public async Task<JobRun> StartAsync(JobStartRequest request, IJobListener listener, CancellationToken ct)
    {
        var artifact = request.WritesArtifact ? MigrationArtifact.PathFor(request.ArtifactPath, request.CommitSha) : null;
        var run = new RunState(request);
        try
        {
            var job = run.Job = await ResolveAsync(request.Job, ct);
            var definition = await _arm.GetJobAsync(job, ct);
            run.Image = request.Image ?? definition.Template.Containers.FirstOrDefault()?.Image;
            WarnAboutConfiguration(definition, listener);
            await CheckNotRunningAsync(job, request.Force, listener, ct);

            var action = request.Image is null ? "Start an execution" : $"Start an execution with image {request.Image}";
            if (!listener.ShouldProcess($"job {job.JobName} in resource group {job.ResourceGroupName}", action))
                return run.ToRun("not started (declined)", artifactPath: null);

            var template = request.Image is null ? null : definition.Template.WithImage(request.Image);
            run.StartSent = true;
            run.ExecutionName = await _arm.StartAsync(job, template, ct);
            run.Started = true;
            run.AcceptedAt = DateTimeOffset.UtcNow;
            listener.OnEvent(new JobNote($"started execution {run.ExecutionName} of job {job.JobName} ({run.Image})"));

            await ObserveAsync(run, listener, ct);
            if (request.Wait) await WaitAsync(run, listener, ct);
        }
        catch (MigrationException e) when (e.Reason == ReasonCodes.JobStartUnconfirmed)
        {
            run.Failure = e.Failure with
            {
                NextStep = $"Do not start job {request.Job.JobName} again yet: an execution may be running. Find it with {Find(request.Job)} -Latest 1, " +
                    "then follow it with Get-MigrationJobLog -Follow or stop it with Stop-MigrationJobExecution.",
            };
        }
        catch (MigrationException e) when (e.Reason == ReasonCodes.AzureRequestFailed && run.StartSent && !run.Started)
        {
            // The start is not retried on a 5xx or a broken connection, which may have started an execution all the same.
            run.Failure = e.Failure with
            {
                NextStep = $"Before starting job {request.Job.JobName} again, check with {Find(request.Job)} -Latest 1: after a 5xx or a broken " +
                    "connection an execution may have started. Otherwise fix what the message names and start again.",
            };
        }
        catch (MigrationException e)
        {
            run.Failure = e.Failure;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Failure = new Failure
            {
                Reason = ReasonCodes.Cancelled,
                Message = run.Started ? $"stopped waiting for execution {run.ExecutionName}; it keeps running"
                    : run.StartSent ? "cancelled while the start request was in flight; an execution may have started"
                    : "cancelled before the job was started",
                NextStep = run.Started || run.StartSent
                    ? "Check with Get-MigrationJobExecution; follow it with Get-MigrationJobLog -Follow, or stop it with Stop-MigrationJobExecution."
                    : null,
            };
        }
        return await FinishAsync(run, artifact, listener);
    }

    public async Task<IReadOnlyList<JobExecution>> GetExecutionsAsync(JobReference job, string? executionName, int latest, CancellationToken ct)
    {
        job = await ResolveAsync(job, ct);
        if (executionName is not null) return [await _arm.GetExecutionAsync(job, JobReference.CheckName(executionName, "execution name"), ct)];
        if (latest < 1) throw new MigrationException(ReasonCodes.InvalidArgument, $"the number of executions to list must be at least 1, not {latest}");
        return Newest(await _arm.ListExecutionsAsync(job, ct)).Take(latest).ToList();
    }

    /// <summary>Stops a Running execution and waits (bounded) until it reads Stopped; null when declined.</summary>
    public async Task<JobExecution?> StopExecutionAsync(JobReference given, string executionName, IJobListener listener, CancellationToken ct)
    {
        var job = await ResolveAsync(given, ct);
        var execution = await _arm.GetExecutionAsync(job, JobReference.CheckName(executionName, "execution name"), ct);
        if (JobExecutionStatus.IsTerminal(execution.Status))
        {
            listener.OnEvent(new JobWarning($"execution {executionName} already ended {execution.Status}; nothing to stop"));
            return execution;
        }
        if (!listener.ShouldProcess($"execution {executionName} of job {job.JobName}", "Stop")) return null;
        Failure? unconfirmed = null;
        try
        {
            await _arm.StopExecutionAsync(job, executionName, ct);
        }
        catch (MigrationException e) when (e.Reason == ReasonCodes.JobStopUnconfirmed)
        {
            // Accepted all the same: the execution's own status tells whether it stopped.
            unconfirmed = e.Failure with
            {
                NextStep = $"Check it with {Find(given)} -ExecutionName {executionName}; if it still reads Running, " +
                    "run Stop-MigrationJobExecution again (a stop is safe to repeat).",
            };
            listener.OnEvent(new JobWarning($"{e.Message}; reading the execution's status instead"));
        }
        var clock = Stopwatch.StartNew();
        while (!JobExecutionStatus.IsTerminal(execution.Status) && clock.Elapsed < _polling.StopWait)
        {
            listener.OnEvent(new JobProgress($"Stopping {executionName}", execution.Status ?? "stopping", clock.Elapsed, _polling.StopWait));
            await Task.Delay(_polling.StatusInterval, ct);
            try
            {
                execution = await _arm.GetExecutionAsync(job, executionName, ct);
            }
            catch (MigrationException e) when (unconfirmed is not null)
            {
                throw new MigrationException(unconfirmed with { Message = $"{unconfirmed.Message}; reading the execution then failed too: {e.Message}" }, e);
            }
        }
        if (JobExecutionStatus.IsTerminal(execution.Status)) return execution;
        var still = $"execution {executionName} still reads {execution.Status ?? "(no status)"} {Durations.Format(_polling.StopWait)} after the stop request";
        if (unconfirmed is not null) throw new MigrationException(unconfirmed with { Message = $"{unconfirmed.Message}; {still}" });
        listener.OnEvent(new JobWarning(still));
        return execution;
    }

    /// <summary>The execution's rows now, or with <see cref="JobLogRequest.Wait"/> once they are complete (bounded).</summary>
    public async Task<JobLogs> GetLogsAsync(JobLogRequest request, IJobListener listener, CancellationToken ct)
    {
        var (tail, execution) = await OpenLogsAsync(request, ct);
        var logs = await _logs.CollectAsync(tail, execution, request.Wait ? JobLogMode.Wait : JobLogMode.Once, request.Timeout ?? _polling.LogWait, listener, ct);
        if (logs.Entries.Count == 0 && !request.Wait)
            listener.OnEvent(new JobWarning($"no rows for {execution.ExecutionName} yet; Log Analytics ingestion lags minutes behind, so use -Wait to poll until they arrive"));
        return logs;
    }

    /// <summary>Tails the execution: new rows as they arrive, until it has ended and its logs are complete.</summary>
    public async IAsyncEnumerable<JobLogEntry> FollowLogsAsync(JobLogRequest request, IJobListener listener, [EnumeratorCancellation] CancellationToken ct)
    {
        var (tail, execution) = await OpenLogsAsync(request, ct);
        await foreach (var batch in _logs.ReadAsync(tail, execution, JobLogMode.Follow, request.Timeout ?? _polling.LogWait, listener, ct))
            foreach (var entry in batch) yield return entry;
    }

    private async Task<(LogTail, JobExecution)> OpenLogsAsync(JobLogRequest request, CancellationToken ct)
    {
        var job = await ResolveAsync(request.Job, ct);
        var execution = await _arm.GetExecutionAsync(job, JobReference.CheckName(request.ExecutionName, "execution name"), ct);
        return (await _logs.OpenAsync(job, request.WorkspaceId, ct), execution);
    }

    /// <summary>The Get-MigrationJobExecution command line that finds <paramref name="job"/>'s executions.</summary>
    private static string Find(JobReference job) =>
        $"Get-MigrationJobExecution -ResourceGroupName {job.ResourceGroupName} -Name {job.JobName}{(job.Subscription is { } s ? $" -Subscription {s}" : "")}";

    private async Task<JobReference> ResolveAsync(JobReference job, CancellationToken ct)
    {
        JobReference.CheckName(job.ResourceGroupName, "resource group name");
        JobReference.CheckName(job.JobName, "job name");
        return job with { Subscription = await _arm.ResolveSubscriptionAsync(job.Subscription, ct) };
    }

    /// <summary>Seed 000: the pipeline's manual trigger is the only path, one replica at a time, on a job ARM has finished updating.</summary>
    private static void WarnAboutConfiguration(MigrationJob job, IJobListener listener)
    {
        var name = job.Reference.JobName;
        if (job.TriggerType is { } trigger && !trigger.Equals("Manual", StringComparison.OrdinalIgnoreCase))
            listener.OnEvent(new JobWarning($"job {name} is triggered by {trigger}: executions can start without this pipeline; a migration job should be Manual"));
        if (job.Parallelism > 1)
            listener.OnEvent(new JobWarning($"job {name} runs {job.Parallelism} replicas in parallel; a migration job should run one (manualTriggerConfig.parallelism = 1)"));
        if (job.ProvisioningState is { } state && !state.Equals("Succeeded", StringComparison.OrdinalIgnoreCase))
            listener.OnEvent(new JobWarning($"job {name} is {state}: an update may still be propagating (a start can fail with ContainerAppSecretRefNotFound)"));
    }

    /// <summary>The seed's single-run promise, across pipelines: no start while an execution is Running or Processing.</summary>
    private async Task CheckNotRunningAsync(JobReference job, bool force, IJobListener listener, CancellationToken ct)
    {
        // A missing or Unknown status without an end time is an execution still starting: fail closed on it too.
        var active = Newest(await _arm.ListExecutionsAsync(job, ct))
            .Where(e => JobExecutionStatus.IsActive(e.Status) || (!JobExecutionStatus.IsTerminal(e.Status) && e.EndTime is null)).ToList();
        if (active.Count == 0) return;
        var names = string.Join(", ", active.Select(e => $"{e.ExecutionName} ({e.Status ?? "starting"} since {e.StartTime:u})"));
        if (force)
        {
            listener.OnEvent(new JobWarning($"starting although job {job.JobName} is running: {names}"));
            return;
        }
        throw new MigrationException(ReasonCodes.JobAlreadyRunning, $"job {job.JobName} already has an execution running: {names}");
    }

    private async Task ObserveAsync(RunState run, IJobListener listener, CancellationToken ct, TimeSpan? sinceStart = null)
    {
        try
        {
            run.Observe(await _arm.GetExecutionAsync(run.Job!, run.ExecutionName!, ct), listener);
        }
        catch (MigrationException e) when (e.Reason == ReasonCodes.AzureResourceNotFound && (sinceStart ?? TimeSpan.Zero) < _polling.NotFoundGrace)
        {
            // ARM may not list an execution for a moment after accepting its start.
        }
    }

    private async Task WaitAsync(RunState run, IJobListener listener, CancellationToken ct)
    {
        run.Waited = true;
        var timeout = run.Request.Timeout;
        var clock = Stopwatch.StartNew();
        while (!JobExecutionStatus.IsTerminal(run.Status))
        {
            if (clock.Elapsed >= timeout)
            {
                run.TimedOut = true;
                break;
            }
            listener.OnEvent(new JobProgress($"Migration job {run.Job!.JobName}", $"{run.ExecutionName}: {run.Status ?? "starting"}", clock.Elapsed, timeout));
            var remaining = timeout - clock.Elapsed;
            await Task.Delay(remaining < _polling.StatusInterval ? remaining : _polling.StatusInterval, ct);
            await ObserveAsync(run, listener, ct, clock.Elapsed);
        }

        var failed = run.TimedOut || JobExecutionStatus.IsFailure(run.Status);
        if (failed || run.Request.WritesArtifact) await CollectLogsAsync(run, listener, ct);
        if (failed) run.Failure = JobFailureClassifier.Classify(run.ExecutionName!, run.Status, run.Logs, run.TimedOut ? timeout : null, run.LogsUnavailable);
    }

    private async Task CollectLogsAsync(RunState run, IJobListener listener, CancellationToken ct)
    {
        try
        {
            var tail = await _logs.OpenAsync(run.Job!, run.Request.WorkspaceId, ct);
            var mode = JobExecutionStatus.IsTerminal(run.Status) ? JobLogMode.Wait : JobLogMode.Once;
            var logs = await _logs.CollectAsync(tail, run.Execution, mode, _polling.LogWait, listener, ct);
            run.Logs = logs.Entries;
            run.LogsSource = logs.Source;
            listener.OnEvent(new JobNote($"{logs.Entries.Count} log rows from workspace {tail.WorkspaceId} ({string.Join(", ", logs.Source.Tables)})"));
        }
        catch (MigrationException e)
        {
            run.LogsUnavailable = e.Failure;
            run.LogsSource = new JobLogSource { Origin = "unavailable", Note = $"{e.Failure.ReasonCode}: {e.Failure.Message} {e.Failure.Action}" };
            listener.OnEvent(new JobWarning($"logs of {run.ExecutionName} are unavailable: {e.Failure.Message}"));
        }
    }

    private static async Task<JobRun> FinishAsync(RunState run, string? artifact, IJobListener listener)
    {
        var result = run.ToRun(run.Summary(), artifact);
        if (artifact is null) return result;
        var unwritten = await MigrationArtifact.TryWriteAsync(result, artifact, listener);
        return unwritten is null ? result : result with { Failure = result.Failure ?? unwritten, ArtifactPath = null };
    }

    /// <summary>Newest first by start time; ties (ARM reports whole seconds) keep ARM's order, which lists newest first.</summary>
    private static IEnumerable<JobExecution> Newest(IEnumerable<JobExecution> executions) =>
        executions.OrderByDescending(e => e.StartTime ?? DateTimeOffset.MaxValue);

    /// <summary>What a start has learned so far.</summary>
    private sealed class RunState(JobStartRequest request)
    {
        private readonly List<JobStatusChange> _timeline = [];

        public JobStartRequest Request { get; } = request;
        public JobReference? Job { get; set; }
        public DateTimeOffset RequestedAt { get; } = DateTimeOffset.UtcNow;
        public DateTimeOffset? AcceptedAt { get; set; }
        public string? ExecutionName { get; set; }
        public string? Image { get; set; }
        public string? Status { get; private set; }
        public DateTimeOffset? StartTime { get; private set; }
        public DateTimeOffset? EndTime { get; private set; }
        public bool StartSent { get; set; }
        public bool Started { get; set; }
        public bool Waited { get; set; }
        public bool TimedOut { get; set; }
        public IReadOnlyList<JobLogEntry> Logs { get; set; } = [];
        public JobLogSource? LogsSource { get; set; }
        /// <summary>Why the logs could not be read, when they could not.</summary>
        public Failure? LogsUnavailable { get; set; }
        public Failure? Failure { get; set; }

        public JobExecution Execution => new()
        {
            Subscription = Job!.Subscription!, ResourceGroupName = Job.ResourceGroupName, JobName = Job.JobName,
            ExecutionName = ExecutionName!, Status = Status, StartTime = StartTime, EndTime = EndTime, Image = Image,
        };

        public void Observe(JobExecution execution, IJobListener listener)
        {
            Status = execution.Status ?? Status;
            StartTime = execution.StartTime ?? StartTime;
            EndTime = execution.EndTime ?? EndTime;
            Image = execution.Image ?? Image;
            if (execution.Status is null || (_timeline.Count > 0 && _timeline[^1].Status == execution.Status)) return;
            var now = DateTimeOffset.UtcNow;
            var change = new JobStatusChange(execution.Status, now, now - RequestedAt);
            _timeline.Add(change);
            listener.OnEvent(new JobStatusChanged(ExecutionName!, change));
        }

        public string Summary()
        {
            if (!Started)
                return Failure?.Reason == ReasonCodes.JobStartUnconfirmed
                    ? $"start accepted, execution not confirmed (one may be running): {Failure.ReasonCode}: {Failure.Message}"
                    : $"not started: {Failure?.ReasonCode}: {Failure?.Message}";
            // As observed from the start request (ARM's start and end times have whole seconds only).
            var took = _timeline.Count > 0 ? _timeline[^1].Elapsed : DateTimeOffset.UtcNow - RequestedAt;
            var duration = Elapsed.Format(took);
            if (Failure is not null) return $"{Failure.ReasonCode} after {duration}: {Failure.Message}";
            if (!Waited) return $"started {ExecutionName}; not waited for";
            var runner = Logs.Reverse().Select(e => RunnerResult.TryParse(e.Message)).FirstOrDefault(r => r is { Succeeded: true });
            return $"{ExecutionName} {Status} in {duration}{(runner is null ? "" : $"; MigrateRunner: {runner.Counts}")}";
        }

        public JobRun ToRun(string summary, string? artifactPath) => new()
        {
            Subscription = Job?.Subscription ?? Request.Job.Subscription,
            ResourceGroupName = Request.Job.ResourceGroupName,
            JobName = Request.Job.JobName,
            ExecutionName = ExecutionName,
            Image = Image,
            Status = Status,
            StartTime = StartTime,
            EndTime = EndTime,
            StatusTimeline = _timeline.ToList(),
            Logs = Logs,
            LogsSource = LogsSource,
            Failure = Failure,
            Started = Started,
            Waited = Waited,
            WaitTimeout = Waited ? Request.Timeout : null,
            RequestedAt = RequestedAt,
            AcceptedAt = AcceptedAt,
            CompletedAt = DateTimeOffset.UtcNow,
            Summary = Redactor.Redact(summary),
            ArtifactPath = artifactPath,
        };
    }
}
