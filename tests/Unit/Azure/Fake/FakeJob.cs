using System.Text.Json.Nodes;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>A container of a fake job's template, in the ARM JSON shape (reference §1.4).</summary>
public sealed record FakeContainer(string Name, string Image)
{
    public List<string> Command { get; init; } = [];
    public List<string> Args { get; init; } = [];
    public List<FakeEnv> Env { get; init; } = [];
    public double Cpu { get; init; } = 0.5;
    public string Memory { get; init; } = "1Gi";

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["image"] = Image,
        ["command"] = new JsonArray(Command.Select(c => (JsonNode?)c).ToArray()),
        ["args"] = new JsonArray(Args.Select(c => (JsonNode?)c).ToArray()),
        ["env"] = new JsonArray(Env.Select(e => (JsonNode?)e.ToJson()).ToArray()),
        ["resources"] = new JsonObject { ["cpu"] = Cpu, ["memory"] = Memory, ["ephemeralStorage"] = "2Gi" },
        ["probes"] = new JsonArray(),
        ["volumeMounts"] = new JsonArray(),
    };

    public static FakeContainer FromJson(JsonNode node)
    {
        var resources = node["resources"];
        return new FakeContainer((string)node["name"]!, (string)node["image"]!)
        {
            Command = node["command"]?.AsArray().Select(n => (string)n!).ToList() ?? [],
            Args = node["args"]?.AsArray().Select(n => (string)n!).ToList() ?? [],
            Env = node["env"]?.AsArray().Select(n => new FakeEnv((string)n!["name"]!, (string?)n["value"], (string?)n["secretRef"])).ToList() ?? [],
            Cpu = (double?)resources?["cpu"] ?? 0,
            Memory = (string?)resources?["memory"] ?? "",
        };
    }
}

public sealed record FakeEnv(string Name, string? Value = null, string? SecretRef = null)
{
    public JsonObject ToJson() => SecretRef is null
        ? new JsonObject { ["name"] = Name, ["value"] = Value }
        : new JsonObject { ["name"] = Name, ["secretRef"] = SecretRef };
}

/// <summary>A Container Apps job of the fake, with its secrets (never returned by GET, as in ARM) and behaviour switches.</summary>
public sealed class FakeJob(string name, FakeContainer container)
{
    public string Name { get; } = name;
    public List<FakeContainer> Containers { get; } = [container];
    public Dictionary<string, string> Secrets { get; } = [];
    public int ReplicaTimeoutSeconds { get; set; } = 600;
    public int ReplicaRetryLimit { get; set; }
    public string TriggerType { get; set; } = "Manual";
    public int Parallelism { get; set; } = 1;
    /// <summary>Executions stay Running without a replica until stopped.</summary>
    public bool Stuck { get; set; }
    public List<FakeExecution> Executions { get; } = [];
}

/// <summary>One execution: its template snapshot, status and the replica process running it.</summary>
public sealed class FakeExecution(FakeJob job, string name, List<FakeContainer> template)
{
    public FakeJob Job { get; } = job;
    public string Name { get; } = name;
    public List<FakeContainer> Template { get; } = template;
    public string Status { get; set; } = "Running";
    public DateTimeOffset StartTime { get; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? EndTime { get; set; }
    public int Reads { get; set; }
    public CancellationTokenSource Stop { get; } = new();
    public Task Runtime { get; set; } = Task.CompletedTask;
    public bool StopRequested { get; set; }
}

/// <summary>A row in one of the fake workspace's tables; visible to queries from <see cref="VisibleAt"/> on (ingestion delay).</summary>
public sealed record FakeLogRow(string Workspace, string Table, DateTimeOffset Time, DateTimeOffset VisibleAt, string Job, string Execution,
    string Stream, string Replica, string Container, string Reason, string Message);
