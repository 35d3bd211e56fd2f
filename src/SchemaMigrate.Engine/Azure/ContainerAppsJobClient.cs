using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>The Container Apps job operations of Azure Resource Manager (Microsoft.App, api-version 2025-07-01).</summary>
public interface IContainerAppsJobClient
{
    /// <summary>A subscription id from an id, a display name, AZURE_SUBSCRIPTION_ID, or the only one the identity sees.</summary>
    Task<string> ResolveSubscriptionAsync(string? subscription, CancellationToken ct);
    Task<MigrationJob> GetJobAsync(JobReference job, CancellationToken ct);
    /// <summary>
    /// Starts an execution (with <paramref name="template"/> replacing the job's containers) and returns its name.
    /// JOB_START_UNCONFIRMED when ARM accepted the start but did not say which execution it started.
    /// </summary>
    Task<string> StartAsync(JobReference job, JobExecutionTemplate? template, CancellationToken ct);
    /// <summary>Every execution ARM keeps for the job, all pages.</summary>
    Task<IReadOnlyList<JobExecution>> ListExecutionsAsync(JobReference job, CancellationToken ct);
    /// <summary>The execution at <paramref name="executionName"/>, named so whatever name its body carries.</summary>
    Task<JobExecution> GetExecutionAsync(JobReference job, string executionName, CancellationToken ct);
    /// <summary>JOB_STOP_UNCONFIRMED when ARM accepted the stop (202) but its operation could not be followed.</summary>
    Task StopExecutionAsync(JobReference job, string executionName, CancellationToken ct);
    Task<ManagedEnvironment> GetManagedEnvironmentAsync(string environmentId, CancellationToken ct);
}

internal sealed partial class ContainerAppsJobClient(AzureRestClient rest) : IContainerAppsJobClient
{
    public const string ApiVersion = "2025-07-01";
    private const string SubscriptionsApiVersion = "2022-12-01";
    private static readonly string[] SecretLikeNames = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CONN", "CREDENTIAL"];
    private static readonly TimeSpan OperationPollLimit = TimeSpan.FromMinutes(5);

    public static ContainerAppsJobClient Create(AzureSettings settings, TokenCredential credential)
    {
        var endpoints = settings.Endpoints;
        return new(AzureRestClient.Create(settings, credential, endpoints.ResourceManager, endpoints.ResourceManagerScope, "Azure Resource Manager"));
    }

    public async Task<string> ResolveSubscriptionAsync(string? subscription, CancellationToken ct)
    {
        // An empty AZURE_SUBSCRIPTION_ID (CI systems often set one) is unset, as every other setting treats empty.
        var wanted = new[] { subscription, Environment.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID") }.FirstOrDefault(s => !string.IsNullOrWhiteSpace(s))?.Trim();
        if (Guid.TryParse(wanted, out var id)) return id.ToString();

        var visible = new List<(string Id, string Name, string? State)>();
        await foreach (var page in PagesAsync(rest.Url($"/subscriptions?api-version={SubscriptionsApiVersion}"), ct))
            visible.AddRange(page.Select(s => (s.Str("subscriptionId") ?? "", s.Str("displayName") ?? "", s.Str("state"))));
        string List() => string.Join(", ", visible.Select(s => $"{s.Name} ({s.Id})"));

        if (wanted is not null)
        {
            var named = visible.Where(s => string.Equals(s.Name, wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            return named.Count == 1 ? named[0].Id
                : throw new MigrationException(ReasonCodes.AzureResourceNotFound,
                    named.Count == 0 ? $"no subscription named '{wanted}' is visible to this identity; visible: {List()}"
                                     : $"{named.Count} subscriptions are named '{wanted}'; pass the subscription id instead: {List()}");
        }
        var enabled = visible.Where(s => s.State is null or "Enabled").ToList();
        return enabled.Count switch
        {
            1 => enabled[0].Id,
            0 => throw new MigrationException(ReasonCodes.AzureResourceNotFound, "this identity sees no enabled subscription; grant it a role on the job's subscription"),
            _ => throw new MigrationException(ReasonCodes.InvalidArgument,
                $"this identity sees {enabled.Count} subscriptions; pass -Subscription or set AZURE_SUBSCRIPTION_ID: {List()}"),
        };
    }

    public async Task<MigrationJob> GetJobAsync(JobReference job, CancellationToken ct)
    {
        var root = (await rest.SendAsync(RequestMethod.Get, Url(job.Path), null, ct)).Json();
        var properties = root.Obj("properties") ?? default;
        var configuration = properties.Obj("configuration") ?? default;
        var template = properties.Obj("template") ?? default;
        return new MigrationJob
        {
            Reference = job,
            Id = root.Str("id") ?? job.Path,
            EnvironmentId = properties.Str("environmentId"),
            ProvisioningState = properties.Str("provisioningState"),
            TriggerType = configuration.Str("triggerType"),
            Parallelism = (configuration.Obj("manualTriggerConfig") ?? default).Int("parallelism"),
            Template = ParseTemplate(template),
        };
    }

    public async Task<string> StartAsync(JobReference job, JobExecutionTemplate? template, CancellationToken ct)
    {
        var what = $"the start of job {job.JobName}";
        var response = await rest.SendAsync(RequestMethod.Post, Url(job.Path + "/start"), template is null ? null : TemplateJson(template), ct, idempotent: false);
        response = await CompleteOperationAsync(response, what, ReasonCodes.JobStartUnconfirmed, ct);
        var root = JsonObjectOrDefault(response);
        var (name, id) = (root.Str("name"), root.Str("id"));
        // The specification's own example answers with a valid name and an id of literal placeholders.
        if (JobReference.IsName(name)) return name!;
        if (name is null && ExecutionIdPattern().Match(id ?? "") is { Success: true } m
            && m.Groups["job"].Value.Equals(job.JobName, StringComparison.OrdinalIgnoreCase) && JobReference.IsName(m.Groups["execution"].Value))
            return m.Groups["execution"].Value;
        var received = response.HasBody && root.ValueKind != JsonValueKind.Object ? $"a body that is not a JSON object ({Excerpt(response.Content.ToString())})"
            : !response.HasBody ? "no body" : $"name {Quoted(name)} and id {Quoted(id)}";
        throw new MigrationException(ReasonCodes.JobStartUnconfirmed,
            $"Azure Resource Manager accepted {what} ({response.Status}, x-ms-request-id {response.RequestId}) but named no valid execution: it sent {received}");
    }

    public async Task<IReadOnlyList<JobExecution>> ListExecutionsAsync(JobReference job, CancellationToken ct)
    {
        var executions = new List<JobExecution>();
        await foreach (var page in PagesAsync(Url(job.Path + "/executions"), ct))
            executions.AddRange(page.Select(e => ParseExecution(job, e)));
        return executions;
    }

    public async Task<JobExecution> GetExecutionAsync(JobReference job, string executionName, CancellationToken ct) =>
        ParseExecution(job, (await rest.SendAsync(RequestMethod.Get, Url($"{job.Path}/executions/{executionName}"), null, ct)).Json()) with
        {
            // The path names the resource; the specification's example body names another execution, and bodies may name none.
            ExecutionName = executionName,
        };

    public async Task StopExecutionAsync(JobReference job, string executionName, CancellationToken ct) =>
        await CompleteOperationAsync(await rest.SendAsync(RequestMethod.Post, Url($"{job.Path}/executions/{executionName}/stop"), null, ct),
            $"the stop of execution {executionName}", ReasonCodes.JobStopUnconfirmed, ct);

    public async Task<ManagedEnvironment> GetManagedEnvironmentAsync(string environmentId, CancellationToken ct)
    {
        if (!EnvironmentIdPattern().IsMatch(environmentId))
            throw new MigrationException(ReasonCodes.InvalidArgument, $"'{environmentId}' is not a managed environment resource id");
        var root = (await rest.SendAsync(RequestMethod.Get, Url(environmentId), null, ct)).Json();
        var logs = (root.Obj("properties") ?? default).Obj("appLogsConfiguration");
        var workspace = (logs?.Obj("logAnalyticsConfiguration") ?? default).Str("customerId");
        // "logAnalyticsConfiguration: must only be provided when destination is configured as 'log-analytics'".
        var destination = (logs ?? default).Str("destination") ?? (workspace is null ? null : ManagedEnvironment.LogAnalytics);
        return new ManagedEnvironment(root.Str("id") ?? environmentId, root.Str("name") ?? environmentId[(environmentId.LastIndexOf('/') + 1)..],
            destination, workspace) { HasLogsConfiguration = logs is not null };
    }

    private Uri Url(string path) => rest.Url($"{path}?api-version={ApiVersion}");

    /// <summary>
    /// A 202 with Location is a long-running operation (final-state-via location): poll until it stops answering
    /// 202. ARM has accepted the request by then, so a poll that fails is <paramref name="unconfirmed"/>, never a
    /// sign that nothing happened.
    /// </summary>
    private async Task<AzureResponse> CompleteOperationAsync(AzureResponse response, string what, ReasonCode unconfirmed, CancellationToken ct)
    {
        var accepted = response;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (response.Status == 202 && response.Location is { } location)
            {
                CheckSameHost(location);
                if (clock.Elapsed > OperationPollLimit)
                    throw new MigrationException(ReasonCodes.AzureRequestFailed,
                        $"its operation {location.AbsolutePath} did not finish within {Configuration.Durations.Format(OperationPollLimit)}");
                await Task.Delay(response.RetryAfter is { } after ? TimeSpan.FromSeconds(Math.Clamp(after.TotalSeconds, 0, 60)) : TimeSpan.FromSeconds(1), ct);
                response = await rest.SendAsync(RequestMethod.Get, location, null, ct);
            }
            return response;
        }
        catch (MigrationException e)
        {
            throw new MigrationException(unconfirmed,
                $"Azure Resource Manager accepted {what} (202, x-ms-request-id {accepted.RequestId}) but following its operation failed: {e.Message}", e);
        }
    }

    private static JsonElement JsonObjectOrDefault(AzureResponse response)
    {
        if (!response.HasBody) return default;
        try
        {
            return response.Json() is { ValueKind: JsonValueKind.Object } root ? root : default;
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static string Quoted(string? value) => value is null ? "(none)" : $"'{Excerpt(value)}'";

    private static string Excerpt(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <summary>Follows nextLink (absolute, or relative to the endpoint) as the SDK does, keeping the api-version.</summary>
    private async IAsyncEnumerable<IEnumerable<JsonElement>> PagesAsync(Uri first, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (Uri? next = first; next is not null;)
        {
            var root = (await rest.SendAsync(RequestMethod.Get, next, null, ct)).Json();
            yield return root.Arr("value").ToList();
            var link = root.Str("nextLink");
            next = string.IsNullOrEmpty(link) ? null : WithApiVersion(new Uri(rest.Endpoint, link), next);
            if (next is not null) CheckSameHost(next);
        }
    }

    private static Uri WithApiVersion(Uri link, Uri previous)
    {
        if (link.Query.Contains("api-version=", StringComparison.OrdinalIgnoreCase)) return link;
        var version = System.Web.HttpUtility.ParseQueryString(previous.Query)["api-version"];
        return new UriBuilder(link) { Query = (link.Query.TrimStart('?') + (link.Query.Length > 1 ? "&" : "") + "api-version=" + version) }.Uri;
    }

    /// <summary>Never send the bearer token to another host than the cloud's Resource Manager.</summary>
    private void CheckSameHost(Uri uri)
    {
        if (Uri.Compare(uri, rest.Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
            throw new MigrationException(ReasonCodes.AzureRequestFailed, $"Azure Resource Manager pointed to another host ({uri.Host}); refusing to follow it");
    }

    private static JobExecution ParseExecution(JobReference job, JsonElement e)
    {
        var properties = e.Obj("properties") ?? default;
        var template = ParseTemplate(properties.Obj("template") ?? default);
        return new JobExecution
        {
            Subscription = job.Subscription!,
            ResourceGroupName = job.ResourceGroupName,
            JobName = job.JobName,
            ExecutionName = e.Str("name") ?? (ExecutionIdPattern().Match(e.Str("id") ?? "") is { Success: true } m ? m.Groups["execution"].Value : ""),
            Id = e.Str("id"),
            Status = properties.Str("status"),
            StartTime = properties.Time("startTime"),
            EndTime = properties.Time("endTime"),
            Image = template.Containers.FirstOrDefault()?.Image,
        };
    }

    private static JobExecutionTemplate ParseTemplate(JsonElement template) =>
        new(template.Arr("containers").Select(ParseContainer).ToList(), template.Arr("initContainers").Select(ParseContainer).ToList());

    private static JobContainer ParseContainer(JsonElement c)
    {
        var resources = c.Obj("resources") ?? default;
        var env = c.Arr("env").Select(v => new JobEnvironmentVariable(v.Str("name") ?? "", v.Str("value"), v.Str("secretRef"))).ToList();
        // A plain env value may be a connection string or a token: keep it out of every output.
        foreach (var v in env.Where(v => v.Value is not null && SecretLikeNames.Any(n => v.Name.Contains(n, StringComparison.OrdinalIgnoreCase))))
            Redactor.Register(v.Value);
        return new JobContainer(c.Str("name") ?? "", c.Str("image") ?? "")
        {
            Command = c.Arr("command").Select(s => s.GetString() ?? "").ToList(),
            Args = c.Arr("args").Select(s => s.GetString() ?? "").ToList(),
            Env = env,
            Cpu = resources.Double("cpu"),
            Memory = resources.Str("memory"),
        };
    }

    /// <summary>A JobExecutionTemplate body: only the fields a JobExecutionContainer allows.</summary>
    internal static string TemplateJson(JobExecutionTemplate template)
    {
        static JsonObject Container(JobContainer c)
        {
            var o = new JsonObject { ["name"] = c.Name, ["image"] = c.Image };
            if (c.Command.Count > 0) o["command"] = new JsonArray(c.Command.Select(s => (JsonNode?)s).ToArray());
            if (c.Args.Count > 0) o["args"] = new JsonArray(c.Args.Select(s => (JsonNode?)s).ToArray());
            if (c.Env.Count > 0)
                o["env"] = new JsonArray(c.Env.Select(v => (JsonNode?)(v.SecretRef is { } secret
                    ? new JsonObject { ["name"] = v.Name, ["secretRef"] = secret }
                    : new JsonObject { ["name"] = v.Name, ["value"] = v.Value })).ToArray());
            if (c.Cpu is not null || c.Memory is not null)
            {
                var resources = new JsonObject();
                if (c.Cpu is { } cpu) resources["cpu"] = cpu;
                if (c.Memory is { } memory) resources["memory"] = memory;
                o["resources"] = resources;
            }
            return o;
        }
        return new JsonObject
        {
            ["containers"] = new JsonArray(template.Containers.Select(c => (JsonNode?)Container(c)).ToArray()),
            ["initContainers"] = new JsonArray(template.InitContainers.Select(c => (JsonNode?)Container(c)).ToArray()),
        }.ToJsonString();
    }

    [GeneratedRegex(@"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.App/managedEnvironments/[-\w\._\(\)]+$", RegexOptions.IgnoreCase)]
    private static partial Regex EnvironmentIdPattern();

    [GeneratedRegex(@"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.App/jobs/(?<job>[^/]+)/executions/(?<execution>[^/]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ExecutionIdPattern();
}
