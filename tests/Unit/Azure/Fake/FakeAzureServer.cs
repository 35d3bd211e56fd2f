using System.Text.Json;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>
/// `dotnet SchemaMigrate.Tests.dll fake-azure &lt;info.json&gt; &lt;migrations dir&gt; &lt;job&gt;=&lt;DB_CONN&gt;...` serves the fake of
/// Azure to the Pester suite, which drives the real cmdlets against it: one MigrateRunner job per argument, until
/// standard input closes (a job named *-stuck never ends on its own). It writes the endpoint, its certificate (to trust through SSL_CERT_FILE), the tokens a
/// stand-in `az` hands out, and the subscription to &lt;info.json&gt;. The production code has no switch for any of it.
/// Options before the jobs play ARM's documented answers: `--start-202` (starts answer 202 + Location), `--fail
/// METHOD PATH-PART STATUS TIMES` (status 0 cuts the connection), `--environment EXAMPLE` (the managed environment
/// answers as that Spec/ example's 200 does).
/// `dotnet SchemaMigrate.Tests.dll fake-api &lt;info.json&gt;` serves the fake of a rolled-out API the same way, one
/// scenario per path prefix (/healthy/, /brokenhealth/, ...: <see cref="FakeApiBehaviour"/> in lower case).
/// </summary>
public static class FakeAzureServer
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["fake-api", var apiInfo]) return await ServeApiAsync(apiInfo);
        if (args is not ["fake-azure", var info, var migrations, .. var rest])
            return await UsageAsync();
        await using var azure = await FakeAzure.StartAsync();
        var jobs = rest.AsSpan();
        while (jobs is [['-', '-', ..] option, ..])
        {
            switch (jobs)
            {
                case ["--start-202", ..]:
                    azure.StartAnswers202 = true;
                    jobs = jobs[1..];
                    break;
                case ["--fail", var method, var path, var status, var times, ..] when int.TryParse(status, out var code) && int.TryParse(times, out var count):
                    azure.Fail(method, path, code, count);
                    jobs = jobs[5..];
                    break;
                case ["--environment", var example, ..]:
                    azure.Answer("GET", azure.EnvironmentId, 200, SpecExample.Load(example).Body(200));
                    jobs = jobs[2..];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown option {option}");
                    return await UsageAsync();
            }
        }
        if (jobs.Length == 0 || jobs.ToArray().Any(j => !j.Contains('='))) return await UsageAsync();
        foreach (var job in jobs.ToArray())
        {
            var (name, connection) = (job[..job.IndexOf('=')], job[(job.IndexOf('=') + 1)..]);
            // A job named *-stuck keeps its executions Running until they are stopped (Ctrl+C and timeout tests).
            azure.RunnerJob(connection, migrations, name).Stuck = name.EndsWith("-stuck", StringComparison.Ordinal);
        }
        await ServeUntilStdinClosesAsync(info, new
        {
            endpoint = azure.Endpoint.ToString(),
            certificate = FakeHttps.Pem,
            armToken = azure.ArmToken,
            logsToken = azure.LogsToken,
            subscriptionId = azure.SubscriptionId,
            resourceGroup = FakeAzure.ResourceGroup,
        });
        return 0;
    }

    private static async Task<int> UsageAsync()
    {
        await Console.Error.WriteLineAsync("usage: dotnet SchemaMigrate.Tests.dll fake-azure <info.json> <migrations dir> " +
            "[--start-202] [--fail METHOD PATH-PART STATUS TIMES] [--environment EXAMPLE] <job>=<DB_CONN>...\n" +
            "       dotnet SchemaMigrate.Tests.dll fake-api <info.json>");
        return 2;
    }

    private static async Task<int> ServeApiAsync(string info)
    {
        await using var api = await FakeApi.StartAsync();
        foreach (var behaviour in Enum.GetValues<FakeApiBehaviour>()) api.Add(behaviour, behaviour.ToString().ToLowerInvariant());
        await ServeUntilStdinClosesAsync(info, new
        {
            endpoint = api.Endpoint.ToString(),
            certificate = FakeHttps.Pem,
            token = api.Token,
            sessionCookie = api.SessionCookie,
            propagationDelayMs = (long)api.PropagationDelay.TotalMilliseconds,
        });
        return 0;
    }

    /// <summary>Tells the test where the fake is (written whole, then renamed), and serves until the test closes standard input.</summary>
    private static async Task ServeUntilStdinClosesAsync(string info, object details)
    {
        var temporary = info + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(details));
        File.Move(temporary, info, overwrite: true);
        await Console.In.ReadToEndAsync();
    }
}
