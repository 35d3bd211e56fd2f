using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>A request the fake answered (or refused), in arrival order.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, DateTimeOffset At, string Body, int Status);

/// <summary>An injected failure: the next <see cref="Times"/> requests matching method and path get this answer (status 0: the connection is cut).</summary>
public sealed class Fault(string method, string pathContains, int status, int times, int? retryAfterSeconds, string code)
{
    public string Method { get; } = method;
    public string PathContains { get; } = pathContains;
    public int Status { get; } = status;
    public int? RetryAfterSeconds { get; } = retryAfterSeconds;
    public string Code { get; } = code;
    public int Remaining = times;
}

/// <summary>
/// A local fake of Azure Resource Manager (Microsoft.App jobs, executions, managed environments, api-version
/// 2025-07-01) and the Log Analytics query API, over HTTPS on 127.0.0.1 with a certificate made at test start.
/// Shapes follow reference/azure-container-apps-jobs-and-log-analytics.md. Starting an execution runs the
/// container's real command (its image is a local folder standing in for the container file system, with
/// "/app/..." paths mapped into it); stdout/stderr become console rows and the exit becomes system rows,
/// in the _CL tables (log-analytics destination) or the resource tables (azure-monitor).
/// </summary>
public sealed partial class FakeAzure : IAsyncDisposable
{
    public const string ResourceGroup = "rg-deploy";
    public const string EnvironmentName = "cae-deploy";
    private const string ApiVersion = "2025-07-01";

    private readonly ConcurrentDictionary<string, FakeJob> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _images = new();
    private readonly ConcurrentDictionary<string, (Func<IResult> Final, int Pending)> _operations = new();
    private readonly CannedAnswers _answers = new();
    private readonly List<FakeLogRow> _rows = [];
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<Fault> _faults = [];
    private readonly List<string> _scratch = [];
    private WebApplication? _app;

    public string SubscriptionId { get; } = Guid.NewGuid().ToString();
    /// <summary>The workspace the environment's log-analytics destination names.</summary>
    public string WorkspaceId { get; } = Guid.NewGuid().ToString();
    /// <summary>The workspace an azure-monitor diagnostic setting would target (not discoverable from the environment).</summary>
    public string DiagnosticsWorkspaceId { get; } = Guid.NewGuid().ToString();
    public string ArmToken { get; } = "arm-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    public string LogsToken { get; } = "la-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>log-analytics, azure-monitor or none.</summary>
    public string LogsDestination { get; set; } = ManagedEnvironment.LogAnalytics;
    /// <summary>How long a row takes to become visible to queries.</summary>
    public TimeSpan IngestionDelay { get; set; }
    /// <summary>Answer starts with 202 + Location (the spec's LRO) instead of 200 (what the wire shows).</summary>
    public bool StartAnswers202 { get; set; }
    /// <summary>Answer stops with 202 + Location instead of 200.</summary>
    public bool StopAnswers202 { get; set; }
    /// <summary>The first read of an execution has no status yet, as right after a start.</summary>
    public bool FirstReadHasNoStatus { get; set; } = true;
    public int PageSize { get; set; } = 2;
    /// <summary>Queries return their rows with a PartialError.</summary>
    public bool PartialError { get; set; }

    public TestCredential Credential { get; }

    private FakeAzure() => Credential = new TestCredential(this);

    public AzureSettings Settings => new()
    {
        ResourceManagerEndpoint = Endpoint,
        LogAnalyticsEndpoint = Endpoint,
        MaxRetries = 3,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
        Transport = PinnedTransport(),
        TokenCredential = Credential,
    };

    public static JobPolling FastPolling => new()
    {
        StatusInterval = TimeSpan.FromMilliseconds(100),
        LogInterval = TimeSpan.FromMilliseconds(150),
        LogWait = TimeSpan.FromSeconds(20),
        StopWait = TimeSpan.FromSeconds(10),
    };

    public MigrationJobOperations Operations(JobPolling? polling = null) => new(Settings, polling ?? FastPolling);

    public JobReference Job(string name) => new(ResourceGroup, name, SubscriptionId);

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public IReadOnlyList<FakeLogRow> Rows
    {
        get { lock (_rows) return _rows.ToList(); }
    }

    public static async Task<FakeAzure> StartAsync()
    {
        var fake = new FakeAzure();
        (fake._app, fake.Endpoint) = await FakeHttps.StartAsync(app =>
        {
            app.Use(fake.FrontDoorAsync);
            fake.MapArm(app);
            fake.MapLogAnalytics(app);
        });
        return fake;
    }

    public FakeJob AddJob(FakeJob job)
    {
        _jobs[job.Name] = job;
        return job;
    }

    /// <summary>Makes an image pullable: <paramref name="root"/> is its file system ("/app/x" is root/app/x).</summary>
    public void AddImage(string image, string root) => _images[image] = root;

    /// <summary>An image with MigrateRunner at /app/migrate/MigrateRunner.dll and <paramref name="migrationsDir"/> at /app/ops/migrations, as seed 003 lays it out.</summary>
    public void AddRunnerImage(string image, string migrationsDir)
    {
        var root = Scratch();
        Directory.CreateDirectory(Path.Combine(root, "app", "ops"));
        Directory.CreateSymbolicLink(Path.Combine(root, "app", "migrate"), Path.GetDirectoryName(Support.RunnerProcess.DllPath)!);
        Directory.CreateSymbolicLink(Path.Combine(root, "app", "ops", "migrations"), migrationsDir);
        AddImage(image, root);
    }

    /// <summary>A folder for an image's files, removed with the fake.</summary>
    public string Scratch()
    {
        var path = Directory.CreateTempSubdirectory("schemamigrate-image-").FullName;
        lock (_scratch) _scratch.Add(path);
        return path;
    }

    /// <summary>From now on, <paramref name="method"/> <paramref name="path"/> gets this answer instead of the simulation's.</summary>
    public void Answer(string method, string path, int status, JsonNode? body = null, IReadOnlyDictionary<string, string>? headers = null) =>
        _answers.Set(method, path, status, body, headers);

    /// <summary>From now on, the example's request gets the example's answer <paramref name="status"/>, as written.</summary>
    public void Serve(SpecExample example, int status) => Answer(example.Method, example.Path, status, example.Body(status), example.Headers(status));

    public void Fail(string method, string pathContains, int status, int times = 1, int? retryAfterSeconds = null, string? code = null)
    {
        lock (_faults) _faults.Add(new Fault(method, pathContains, status, times, retryAfterSeconds, code ?? status switch
        {
            429 => "TooManyRequests",
            403 => "AuthorizationFailed",
            404 => "ResourceNotFound",
            _ => "InternalServerError",
        }));
    }

    /// <summary>Queries that found rows of their execution still being ingested (not yet visible).</summary>
    public int QueriesDuringIngestion => _queriesDuringIngestion;
    private int _queriesDuringIngestion;

    /// <summary>Hides every row written so far for <paramref name="delay"/> from now, as if ingestion had just begun.</summary>
    public void Reingest(TimeSpan delay)
    {
        lock (_rows)
            for (var i = 0; i < _rows.Count; i++) _rows[i] = _rows[i] with { VisibleAt = DateTimeOffset.UtcNow + delay };
    }

    public FakeExecution Execution(string job, string name) => _jobs[job].Executions.Single(e => e.Name == name);

    /// <summary>Waits until every replica process of every execution has ended.</summary>
    public Task IdleAsync() => Task.WhenAll(_jobs.Values.SelectMany(j => j.Executions.ToList()).Select(e => e.Runtime));

    public async ValueTask DisposeAsync()
    {
        foreach (var execution in _jobs.Values.SelectMany(j => j.Executions.ToList())) execution.Stop.Cancel();
        await Task.WhenAny(IdleAsync(), Task.Delay(TimeSpan.FromSeconds(10)));
        if (_app is not null) await _app.DisposeAsync();
        lock (_scratch)
            foreach (var path in _scratch)
                try { Directory.Delete(path, recursive: true); } catch (IOException) { }
    }

    // ---------------------------------------------------------------- the wire

    /// <summary>Records, injects faults, checks the bearer token and api-version, as ARM's front door does.</summary>
    private async Task FrontDoorAsync(HttpContext ctx, RequestDelegate next)
    {
        ctx.Request.EnableBuffering();
        var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        ctx.Request.Body.Position = 0;
        ctx.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        ctx.Response.Headers["x-ms-correlation-request-id"] = Guid.NewGuid().ToString();
        try
        {
            var path = ctx.Request.Path.Value ?? "";
            var isLogs = path.StartsWith("/v1/workspaces/", StringComparison.OrdinalIgnoreCase);
            Fault? fault;
            lock (_faults)
            {
                fault = _faults.FirstOrDefault(f => f.Remaining > 0 && f.Method == ctx.Request.Method && path.Contains(f.PathContains, StringComparison.OrdinalIgnoreCase));
                if (fault is not null) fault.Remaining--;
            }
            if (fault is { Status: 0 })
            {
                ctx.Abort();
                return;
            }
            if (fault is not null)
            {
                if (fault.RetryAfterSeconds is { } after) ctx.Response.Headers.RetryAfter = after.ToString(CultureInfo.InvariantCulture);
                await Error(fault.Status, fault.Code, fault.Status == 403
                    ? $"The client 'deployer@example.com' with object id '{Guid.NewGuid()}' does not have authorization to perform action 'Microsoft.App/jobs/start/action' over scope '{path}' or the scope is invalid."
                    : $"Injected {fault.Status} for {ctx.Request.Method} {path}").ExecuteAsync(ctx);
                return;
            }
            var authorization = ctx.Request.Headers.Authorization.ToString();
            if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                await Error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.").ExecuteAsync(ctx);
                return;
            }
            if (authorization[7..] != (isLogs ? LogsToken : ArmToken))
            {
                await Error(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource.").ExecuteAsync(ctx);
                return;
            }
            if (!isLogs && string.IsNullOrEmpty(ctx.Request.Query["api-version"]))
            {
                await Error(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.").ExecuteAsync(ctx);
                return;
            }
            if (await _answers.TryServeAsync(ctx)) return;
            await next(ctx);
        }
        finally
        {
            lock (_requests) _requests.Add(new RecordedRequest(ctx.Request.Method, ctx.Request.Path.Value ?? "", ctx.Request.QueryString.Value ?? "", DateTimeOffset.UtcNow, body, ctx.Response.StatusCode));
        }
    }

    private void MapArm(WebApplication app)
    {
        const string rg = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.App";
        app.MapGet("/subscriptions", () => Json(new JsonObject
        {
            ["value"] = new JsonArray(new JsonObject { ["subscriptionId"] = SubscriptionId, ["displayName"] = "deploy-fake", ["state"] = "Enabled" }),
        }));
        app.MapGet(rg + "/jobs/{job}", (string sub, string rg, string job) => WithJob(sub, rg, job, j => Json(JobJson(j))));
        app.MapPost(rg + "/jobs/{job}/start", (HttpContext ctx, string sub, string rg, string job) => WithJob(sub, rg, job, j => Start(ctx, j)));
        app.MapGet(rg + "/jobs/{job}/executions", (HttpContext ctx, string sub, string rg, string job) => WithJob(sub, rg, job, j => ListExecutions(ctx, j)));
        app.MapGet(rg + "/jobs/{job}/executions/{execution}", (string sub, string rg, string job, string execution) =>
            WithExecution(sub, rg, job, execution, e => Json(ExecutionJson(e))));
        app.MapPost(rg + "/jobs/{job}/executions/{execution}/stop", (HttpContext ctx, string sub, string rg, string job, string execution) =>
            WithExecution(sub, rg, job, execution, e =>
            {
                e.StopRequested = true;
                e.Stop.Cancel();
                return StopAnswers202 ? Accepted(ctx, () => Results.Ok()) : Results.Ok();
            }));
        app.MapGet(rg + "/managedEnvironments/{env}", (string sub, string rg, string env) =>
            Scope(sub, rg) ?? (env == EnvironmentName ? Json(EnvironmentJson()) : NotFound($"Microsoft.App/managedEnvironments/{env}", rg)));
        app.MapGet("/subscriptions/{sub}/providers/Microsoft.App/locations/eastus/containerappOperationResults/{id}", (HttpContext ctx, string id) =>
        {
            if (!_operations.TryGetValue(id, out var operation)) return Error(404, "OperationNotFound", $"Operation {id} not found.");
            if (operation.Pending > 0)
            {
                _operations[id] = (operation.Final, operation.Pending - 1);
                ctx.Response.Headers.Location = ctx.Request.GetEncodedUrl();
                ctx.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(202);
            }
            return operation.Final();
        });
        app.MapFallback((HttpContext ctx) => Error(404, "InvalidResourceType", $"The resource type could not be found for {ctx.Request.Path}."));
    }

    private IResult Start(HttpContext ctx, FakeJob job)
    {
        var template = job.Containers;
        if (ctx.Request.ContentLength > 0)
        {
            var body = JsonNode.Parse(ctx.Request.Body)!;
            template = body["containers"]!.AsArray().Select(c => FakeContainer.FromJson(c!)).ToList();
            foreach (var missing in template.SelectMany(c => c.Env.Where(v => v.SecretRef is { } s && !job.Secrets.ContainsKey(s)).Select(v => (c, v))))
                return Error(400, "ContainerAppSecretRefNotFound", $"SecretRef '{missing.v.SecretRef}' defined for container '{missing.c.Name}' not found.");
        }
        var execution = new FakeExecution(job, $"{job.Name}-{RandomName(7)}", template);
        lock (job.Executions) job.Executions.Add(execution);
        execution.Runtime = Task.Run(() => RunAsync(execution));
        IResult Named() => Json(new JsonObject { ["id"] = ExecutionId(execution), ["name"] = execution.Name });
        return StartAnswers202 ? Accepted(ctx, Named) : Named();
    }

    /// <summary>202 + Location of an operation that answers 202 once more, then <paramref name="final"/>.</summary>
    private IResult Accepted(HttpContext ctx, Func<IResult> final)
    {
        var operation = Guid.NewGuid().ToString();
        _operations[operation] = (final, 1);
        ctx.Response.Headers.Location = new Uri(Endpoint, $"/subscriptions/{SubscriptionId}/providers/Microsoft.App/locations/eastus/containerappOperationResults/{operation}?api-version={ApiVersion}").ToString();
        ctx.Response.Headers.RetryAfter = "1";
        return Results.StatusCode(202);
    }

    private IResult ListExecutions(HttpContext ctx, FakeJob job)
    {
        List<FakeExecution> all;
        lock (job.Executions) all = job.Executions.AsEnumerable().Reverse().ToList();
        var skip = int.TryParse(ctx.Request.Query["$skipToken"], out var token) ? token : 0;
        var page = new JsonObject { ["value"] = new JsonArray(all.Skip(skip).Take(PageSize).Select(e => (JsonNode?)ExecutionJson(e)).ToArray()) };
        if (skip + PageSize < all.Count)
            page["nextLink"] = new Uri(Endpoint, $"{ctx.Request.Path}?api-version={ApiVersion}&$skipToken={skip + PageSize}").ToString();
        return Json(page);
    }

    private void MapLogAnalytics(WebApplication app) =>
        app.MapPost("/v1/workspaces/{workspace}/query", async (HttpContext ctx, string workspace) =>
        {
            // The documented trap: without Content-Type application/json the service answers 200 with no body.
            if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true) return Results.Ok();
            var body = await JsonNode.ParseAsync(ctx.Request.Body);
            var query = (string?)body?["query"] ?? "";
            var timespan = ((string?)body?["timespan"])?.Split('/');
            var names = LogQueryPattern().Match(query);
            if (!names.Success || !query.Contains("union isfuzzy=true") || timespan is not { Length: 2 }
                || !DateTimeOffset.TryParse(timespan[0], CultureInfo.InvariantCulture, out var from) || !DateTimeOffset.TryParse(timespan[1], CultureInfo.InvariantCulture, out var to)
                || !new[] { "ContainerAppConsoleLogs_CL", "ContainerAppSystemLogs_CL", "ContainerAppConsoleLogs", "ContainerAppSystemLogs" }.All(query.Contains))
                return Error(400, "BadArgumentError", "The request had some invalid properties", ("SyntaxError", "the fake does not recognise this query"));
            if (workspace != WorkspaceId && workspace != DiagnosticsWorkspaceId)
                return Error(404, "WorkspaceNotFoundError", $"The workspace {workspace} could not be found");

            List<FakeLogRow> rows;
            lock (_rows) rows = _rows.Where(r => r.Workspace == workspace).ToList();
            if (rows.Count == 0) return Results.NoContent();
            var now = DateTimeOffset.UtcNow;
            var ofExecution = rows.Where(r => r.Time >= from && r.Time <= to && r.Job == names.Groups["job"].Value && r.Execution == names.Groups["execution"].Value).ToList();
            if (ofExecution.Any(r => r.VisibleAt > now)) Interlocked.Increment(ref _queriesDuringIngestion);
            var matching = ofExecution.Where(r => r.VisibleAt <= now).OrderBy(r => r.Time);
            string[] columns = ["Stream", "Replica", "Container", "Reason", "Message", "SourceTable"];
            var table = new JsonObject
            {
                ["name"] = "PrimaryResult",
                ["columns"] = new JsonArray(new[] { new JsonObject { ["name"] = "TimeGenerated", ["type"] = "datetime" } }
                    .Concat(columns.Select(c => new JsonObject { ["name"] = c, ["type"] = "string" })).Select(c => (JsonNode?)c).ToArray()),
                ["rows"] = new JsonArray(matching.Select(r => (JsonNode?)new JsonArray(
                    r.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture), r.Stream, r.Replica, r.Container, r.Reason, r.Message, r.Table)).ToArray()),
            };
            var result = new JsonObject { ["tables"] = new JsonArray(table) };
            if (PartialError)
                result["error"] = new JsonObject
                {
                    ["code"] = "PartialError", ["message"] = "There were some errors when processing your query.",
                    ["details"] = new JsonArray(new JsonObject { ["code"] = "EngineError", ["message"] = "Query result set exceeds the limit on one shard" }),
                };
            return Json(result);
        });

    // ---------------------------------------------------------------- the runtime

    private async Task RunAsync(FakeExecution execution)
    {
        var job = execution.Job;
        if (job.Stuck)
        {
            try { await Task.Delay(Timeout.Infinite, execution.Stop.Token); } catch (OperationCanceledException) { }
            Finish(execution, "Stopped");
            return;
        }
        var container = execution.Template[0];
        for (var attempt = 0; attempt <= job.ReplicaRetryLimit; attempt++)
        {
            var replica = $"{execution.Name}-{RandomName(5)}";
            SystemRow(execution, replica, "SuccessfulCreate", $"Created pod: {replica}");
            if (!_images.TryGetValue(container.Image, out var root))
            {
                SystemRow(execution, replica, "PullingImage", $"Pulling image \"{container.Image}\"");
                SystemRow(execution, replica, "Failed", $"Failed to pull image \"{container.Image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{container.Image}\": failed to resolve reference \"{container.Image}\": not found");
                SystemRow(execution, replica, "Failed", "Error: ErrImagePull");
                continue;
            }
            var exit = await RunReplicaAsync(execution, replica, container, root);
            if (execution.StopRequested)
            {
                SystemRow(execution, replica, "Suspended", $"Job execution '{execution.Name}' was stopped");
                Finish(execution, "Stopped");
                return;
            }
            if (exit is null)
            {
                SystemRow(execution, replica, "DeadlineExceeded", "Job was active longer than specified deadline");
                Finish(execution, "Failed");
                return;
            }
            SystemRow(execution, replica, "ProcessExited", $"Container '{container.Name}' was terminated with exit code '{exit}' and reason 'ProcessExited'");
            if (exit == 0)
            {
                SystemRow(execution, replica, "Completed", "Job completed");
                Finish(execution, "Succeeded");
                return;
            }
        }
        SystemRow(execution, $"{execution.Name}-{RandomName(5)}", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        Finish(execution, "Failed");
    }

    /// <summary>Runs the container's command with its env; null when it was ended by the replica timeout or a stop.</summary>
    private async Task<int?> RunReplicaAsync(FakeExecution execution, string replica, FakeContainer container, string root)
    {
        string Map(string value) => value.StartsWith("/app/", StringComparison.Ordinal) || value == "/app" ? root + value : value;
        var argv = container.Command.Concat(container.Args).Select(Map).ToList();
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.Exists(Path.Combine(root, "app")) ? Path.Combine(root, "app") : root,
        };
        foreach (var arg in argv.Skip(1)) psi.ArgumentList.Add(arg);
        foreach (var key in psi.Environment.Keys.Where(k => k is "DB_CONN" or "MIGRATIONS_DIR" || k.StartsWith("SCHEMAMIGRATE_")).ToList())
            psi.Environment.Remove(key);
        foreach (var env in container.Env)
            psi.Environment[env.Name] = Map(env.SecretRef is { } secret ? execution.Job.Secrets[secret] : env.Value ?? "");
        psi.Environment["CONTAINER_APP_JOB_NAME"] = execution.Job.Name;
        psi.Environment["CONTAINER_APP_JOB_EXECUTION_NAME"] = execution.Name;
        psi.Environment["CONTAINER_APP_REPLICA_NAME"] = replica;

        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) ConsoleRow(execution, replica, container.Name, "stdout", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) ConsoleRow(execution, replica, container.Name, "stderr", e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(execution.Stop.Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(execution.Job.ReplicaTimeoutSeconds));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return null;
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    private void Finish(FakeExecution execution, string status)
    {
        execution.EndTime = DateTimeOffset.UtcNow;
        execution.Status = status;
    }

    private void ConsoleRow(FakeExecution e, string replica, string container, string stream, string line) =>
        AddRow(e, CustomTables ? "ContainerAppConsoleLogs_CL" : "ContainerAppConsoleLogs", stream, replica, container, "", line);

    private void SystemRow(FakeExecution e, string replica, string reason, string message) =>
        AddRow(e, CustomTables ? "ContainerAppSystemLogs_CL" : "ContainerAppSystemLogs", "system", replica, "", reason, message);

    private bool CustomTables => LogsDestination == ManagedEnvironment.LogAnalytics;

    private void AddRow(FakeExecution e, string table, string stream, string replica, string container, string reason, string message)
    {
        if (LogsDestination is not (ManagedEnvironment.LogAnalytics or ManagedEnvironment.AzureMonitor)) return;
        var now = DateTimeOffset.UtcNow;
        var workspace = CustomTables ? WorkspaceId : DiagnosticsWorkspaceId;
        lock (_rows) _rows.Add(new FakeLogRow(workspace, table, now, now + IngestionDelay, e.Job.Name, e.Name, stream, replica, container, reason, message));
    }

    // ---------------------------------------------------------------- shapes

    private string JobId(FakeJob job) => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.App/jobs/{job.Name}";

    private string ExecutionId(FakeExecution e) => $"{JobId(e.Job)}/executions/{e.Name}";

    /// <summary>The managed environment every fake job names (its ARM id, also its path).</summary>
    public string EnvironmentId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.App/managedEnvironments/{EnvironmentName}";

    private JsonObject JobJson(FakeJob job) => new()
    {
        ["id"] = JobId(job),
        ["name"] = job.Name,
        ["type"] = "Microsoft.App/jobs",
        ["location"] = "eastus",
        ["properties"] = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["environmentId"] = EnvironmentId,
            ["workloadProfileName"] = "Consumption",
            ["configuration"] = new JsonObject
            {
                ["triggerType"] = job.TriggerType,
                ["replicaTimeout"] = job.ReplicaTimeoutSeconds,
                ["replicaRetryLimit"] = job.ReplicaRetryLimit,
                ["manualTriggerConfig"] = new JsonObject { ["replicaCompletionCount"] = 1, ["parallelism"] = job.Parallelism },
                // ARM never returns secret values.
                ["secrets"] = new JsonArray(job.Secrets.Keys.Select(k => (JsonNode?)new JsonObject { ["name"] = k }).ToArray()),
                ["registries"] = new JsonArray(),
            },
            ["template"] = new JsonObject
            {
                ["containers"] = new JsonArray(job.Containers.Select(c => (JsonNode?)c.ToJson()).ToArray()),
                ["initContainers"] = new JsonArray(),
                ["volumes"] = new JsonArray(),
            },
        },
    };

    private JsonObject ExecutionJson(FakeExecution e)
    {
        var properties = new JsonObject
        {
            ["startTime"] = Wire(e.StartTime),
            ["template"] = new JsonObject
            {
                ["containers"] = new JsonArray(e.Template.Select(c => (JsonNode?)c.ToJson()).ToArray()),
                ["initContainers"] = new JsonArray(),
            },
        };
        if (!(FirstReadHasNoStatus && ++e.Reads == 1)) properties["status"] = e.Status;
        if (e.EndTime is { } end) properties["endTime"] = Wire(end);
        return new JsonObject { ["id"] = ExecutionId(e), ["name"] = e.Name, ["type"] = "Microsoft.App/jobs/executions", ["properties"] = properties };
    }

    private JsonObject EnvironmentJson()
    {
        var logs = new JsonObject { ["destination"] = LogsDestination == "none" ? null : LogsDestination };
        if (LogsDestination == ManagedEnvironment.LogAnalytics)
            logs["logAnalyticsConfiguration"] = new JsonObject { ["customerId"] = WorkspaceId };
        return new JsonObject
        {
            ["id"] = EnvironmentId,
            ["name"] = EnvironmentName,
            ["type"] = "Microsoft.App/managedEnvironments",
            ["location"] = "eastus",
            ["properties"] = new JsonObject { ["appLogsConfiguration"] = logs, ["provisioningState"] = "Succeeded" },
        };
    }

    private IResult? Scope(string sub, string rg) =>
        sub != SubscriptionId ? Error(404, "SubscriptionNotFound", $"The subscription '{sub}' could not be found.")
        : !string.Equals(rg, ResourceGroup, StringComparison.OrdinalIgnoreCase) ? Error(404, "ResourceGroupNotFound", $"Resource group '{rg}' could not be found.")
        : null;

    private IResult WithJob(string sub, string rg, string job, Func<FakeJob, IResult> then) =>
        Scope(sub, rg) ?? (_jobs.TryGetValue(job, out var j) ? then(j) : NotFound($"Microsoft.App/jobs/{job}", rg));

    private IResult WithExecution(string sub, string rg, string job, string execution, Func<FakeExecution, IResult> then) =>
        WithJob(sub, rg, job, j =>
        {
            FakeExecution? e;
            lock (j.Executions) e = j.Executions.FirstOrDefault(x => x.Name == execution);
            return e is null ? NotFound($"Microsoft.App/jobs/{job}/executions/{execution}", rg) : then(e);
        });

    private static IResult NotFound(string resource, string rg) =>
        Error(404, "ResourceNotFound", $"The Resource '{resource}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");

    private static IResult Error(int status, string code, string message, (string Code, string Message)? inner = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["target"] = null, ["details"] = new JsonArray() };
        if (inner is { } i) error["innererror"] = new JsonObject { ["code"] = i.Code, ["message"] = i.Message };
        return Results.Text(new JsonObject { ["error"] = error }.ToJsonString(), "application/json; charset=utf-8", statusCode: status);
    }

    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json; charset=utf-8");

    private static string Wire(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "+00:00";

    private static string RandomName(int length) =>
        new(Enumerable.Range(0, length).Select(_ => "abcdefghijklmnopqrstuvwxyz0123456789"[RandomNumberGenerator.GetInt32(36)]).ToArray());

    /// <summary>A transport that trusts exactly the fake's certificate, nothing else.</summary>
    private static HttpPipelineTransport PinnedTransport() => new HttpClientTransport(new SocketsHttpHandler { SslOptions = FakeHttps.ClientOptions() });

    /// <summary>A plain HTTP client of the fake's endpoint, trusting its certificate, with the Resource Manager token.</summary>
    public HttpClient ArmHttpClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { SslOptions = FakeHttps.ClientOptions() }) { BaseAddress = Endpoint };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ArmToken);
        return client;
    }

    [GeneratedRegex(@"let job = '(?<job>[^']*)';\s*let execution = '(?<execution>[^']*)';")]
    private static partial Regex LogQueryPattern();
}

/// <summary>Hands out the fake's tokens: one for the public cloud's Resource Manager scope, one for Log Analytics, as Entra ID would.</summary>
public sealed class TestCredential(FakeAzure fake) : TokenCredential
{
    private readonly ConcurrentQueue<string> _scopes = new();

    public IReadOnlyCollection<string> Scopes => _scopes;

    public override AccessToken GetToken(TokenRequestContext context, CancellationToken ct)
    {
        var scope = context.Scopes.Single();
        _scopes.Enqueue(scope);
        return new(scope == "https://api.loganalytics.io/.default" ? fake.LogsToken
            : scope == "https://management.azure.com/.default" ? fake.ArmToken : "token-for-another-audience",
            DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext context, CancellationToken ct) => new(GetToken(context, ct));
}
