using System.Text.Json.Nodes;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>
/// One of the ARM specification's examples in Spec/ (see Spec/README.md): the request its parameters describe and
/// the answers it documents, for the fake to serve as written.
/// </summary>
public sealed class SpecExample
{
    private const string Provider = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.App";

    /// <summary>Each example's operation in the specification (Jobs.json, ManagedEnvironments.json): method, path and body parameter.</summary>
    private static readonly Dictionary<string, (string Method, string Path, string? BodyParameter)> Operations = new()
    {
        ["Job_Start"] = ("POST", Provider + "/jobs/{jobName}/start", "template"),
        ["Job_Execution_Get"] = ("GET", Provider + "/jobs/{jobName}/executions/{jobExecutionName}", null),
        ["Job_Executions_Get"] = ("GET", Provider + "/jobs/{jobName}/executions", null),
        ["Job_Stop_Execution"] = ("POST", Provider + "/jobs/{jobName}/executions/{jobExecutionName}/stop", null),
        ["Jobs_ListByResourceGroup"] = ("GET", Provider + "/jobs", null),
        ["ManagedEnvironments_Get"] = ("GET", Provider + "/managedEnvironments/{environmentName}", null),
        ["ManagedEnvironments_CreateOrUpdate"] = ("PUT", Provider + "/managedEnvironments/{environmentName}", "environmentEnvelope"),
    };

    private readonly JsonObject _example;

    private SpecExample(string name, JsonObject example)
    {
        Name = name;
        _example = example;
        var (method, path, body) = Operations[name];
        Method = method;
        _template = path;
        RequestBody = body is null ? null : Parameters[body]?.DeepClone();
    }

    private readonly string _template;

    public static IEnumerable<string> Names => Operations.Keys;

    public string Name { get; }
    public string Method { get; }
    /// <summary>The request path, from the operation's path template and the example's parameters.</summary>
    public string Path => PathFor(new Dictionary<string, string>());

    /// <summary>The operation's path with the example's parameters, except those in <paramref name="values"/>.</summary>
    public string PathFor(IReadOnlyDictionary<string, string> values) =>
        Parameters.Aggregate(_template, (path, p) => path.Replace("{" + p.Key + "}",
            values.TryGetValue(p.Key, out var value) ? value : p.Value is JsonValue v ? v.ToString() : "", StringComparison.Ordinal));
    public JsonNode? RequestBody { get; }
    public JsonObject Parameters => _example["parameters"]!.AsObject();
    public string ApiVersion => (string)Parameters["api-version"]!;
    public string Parameter(string name) => (string)Parameters[name]!;
    public IEnumerable<int> Statuses => _example["responses"]!.AsObject().Select(r => int.Parse(r.Key));

    /// <summary>The documented body of answer <paramref name="status"/> (a copy to change freely), or null when it has none.</summary>
    public JsonNode? Body(int status) => Response(status)["body"]?.DeepClone();

    public IReadOnlyDictionary<string, string> Headers(int status) =>
        (Response(status)["headers"]?.AsObject() ?? []).ToDictionary(h => h.Key, h => (string)h.Value!);

    public static SpecExample Load(string name) =>
        new(name, JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Azure", "Fake", "Spec", name + ".json")))!.AsObject());

    private JsonObject Response(int status) => _example["responses"]![status.ToString()]!.AsObject();

    public override string ToString() => Name;
}
