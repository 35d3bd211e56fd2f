using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>The fake checked against the ARM specification's own examples (Spec/README.md).</summary>
public class FakeAzureSpecTests
{
    public static TheoryData<string, int> ExampleAnswers()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in SpecExample.Names)
            foreach (var status in SpecExample.Load(name).Statuses)
                data.Add(name, status);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleAnswers))]
    public async Task Each_example_is_served_at_its_documented_request_as_written(string name, int status)
    {
        await using var azure = await FakeAzure.StartAsync();
        var example = SpecExample.Load(name);
        Assert.Equal("2025-07-01", example.ApiVersion);
        azure.Serve(example, status);
        using var http = azure.ArmHttpClient();

        using var request = new HttpRequestMessage(new HttpMethod(example.Method), $"{example.Path}?api-version={example.ApiVersion}");
        if (example.RequestBody is { } body) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        foreach (var (header, value) in example.Headers(status))
            Assert.Equal(value, string.Join(",", response.Headers.TryGetValues(header, out var values) ? values : response.Content.Headers.GetValues(header)));
        var text = await response.Content.ReadAsStringAsync();
        if (example.Body(status) is { } expected) Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(text)), $"{name} {status} served {text}");
        else Assert.Empty(text);

        var recorded = Assert.Single(azure.Requests);
        Assert.Equal((example.Method, example.Path, $"?api-version={example.ApiVersion}"), (recorded.Method, recorded.Path, recorded.Query));
        Assert.True(example.RequestBody is null ? recorded.Body.Length == 0 : JsonNode.DeepEquals(example.RequestBody, JsonNode.Parse(recorded.Body)), recorded.Body);
    }

    [Fact]
    public async Task An_example_answers_only_its_own_request_and_the_simulation_keeps_the_rest()
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.ShellJob("migrate", "exit 0");
        azure.Serve(SpecExample.Load("Job_Execution_Get"), 200);
        using var http = azure.ArmHttpClient();

        var served = await http.GetAsync("/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/RG/providers/Microsoft.App/jobs/testcontainerappsjob0/executions/jobExecution1?api-version=2025-07-01");
        var other = await http.GetAsync($"/subscriptions/{azure.SubscriptionId}/resourceGroups/{FakeAzure.ResourceGroup}/providers/Microsoft.App/jobs/migrate?api-version=2025-07-01");
        var withoutVersion = await http.GetAsync("/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/rg/providers/Microsoft.App/jobs/testcontainerappsjob0/executions/jobExecution1");

        // ARM paths are case-insensitive; the front door still checks the api-version first.
        Assert.Equal("jobExecution1", (string?)JsonNode.Parse(await served.Content.ReadAsStringAsync())!["name"]);
        Assert.Equal("migrate", (string?)JsonNode.Parse(await other.Content.ReadAsStringAsync())!["name"]);
        Assert.Equal(HttpStatusCode.BadRequest, withoutVersion.StatusCode);
        Assert.Contains("MissingApiVersionParameter", await withoutVersion.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The fake's own simulation, reached at each operation's documented path, answers with at least the members
    /// of the example's answer, of the same JSON kinds (arrays by their first element, where both have one). The
    /// list of jobs documents Jobs_Get's answer too (the 2025-07-01 folder has no Job_Get example): its first job is
    /// compared with the fake's job read by name.
    /// </summary>
    [Theory]
    [InlineData("Jobs_ListByResourceGroup")]
    [InlineData("Job_Executions_Get")]
    [InlineData("Job_Execution_Get")]
    [InlineData("Job_Start")]
    [InlineData("Job_Stop_Execution")]
    public async Task The_simulation_answers_at_each_documented_path_with_the_documented_shape(string name)
    {
        await using var azure = await FakeAzure.StartAsync();
        azure.FirstReadHasNoStatus = false;
        var job = azure.ShellJob("migrate", "exit 0");
        job.Stuck = name == "Job_Stop_Execution";
        var run = await azure.Operations().StartAsync(new Engine.Azure.JobStartRequest(azure.Job("migrate")) { Wait = !job.Stuck },
            new RecordingListener(), CancellationToken.None);
        var example = SpecExample.Load(name);
        var path = example.PathFor(new Dictionary<string, string>
        {
            ["subscriptionId"] = azure.SubscriptionId, ["resourceGroupName"] = FakeAzure.ResourceGroup,
            ["jobName"] = "migrate", ["jobExecutionName"] = run.ExecutionName!,
        });
        var (method, expected) = name == "Jobs_ListByResourceGroup" ? ("GET", example.Body(200)!["value"]![0]) : (example.Method, example.Body(200));
        if (name == "Jobs_ListByResourceGroup") path += "/migrate";
        using var http = azure.ArmHttpClient();

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"{path}?api-version={example.ApiVersion}"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([], Missing(expected, text.Length == 0 ? null : JsonNode.Parse(text), "$"));
    }

    /// <summary>Members of <paramref name="expected"/> that <paramref name="actual"/> lacks or has of another JSON kind.</summary>
    private static List<string> Missing(JsonNode? expected, JsonNode? actual, string at)
    {
        if (expected is null) return actual is null ? [] : [$"{at}: no body documented, served {actual.ToJsonString()}"];
        if (actual is null) return [$"{at}: missing"];
        if (expected.GetValueKind() != actual.GetValueKind()) return [$"{at}: {actual.GetValueKind()} instead of {expected.GetValueKind()}"];
        return expected switch
        {
            JsonObject o => o.Where(p => p.Value is not null).SelectMany(p => Missing(p.Value, actual[p.Key], $"{at}.{p.Key}")).ToList(),
            JsonArray { Count: > 0 } a when actual.AsArray().Count > 0 => Missing(a[0], actual[0], $"{at}[0]"),
            _ => [],
        };
    }
}
