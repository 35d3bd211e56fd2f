using System.Text.Json;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>
/// `dotnet SchemaMigrate.Tests.dll fake-azure &lt;info.json&gt; &lt;migrations dir&gt; &lt;job&gt;=&lt;DB_CONN&gt;...` serves the fake of
/// Azure to the Pester suite, which drives the real cmdlets against it: one MigrateRunner job per argument, until
/// standard input closes. It writes the endpoint, its certificate (to trust through SSL_CERT_FILE), the tokens a
/// stand-in `az` hands out, and the subscription to &lt;info.json&gt;. The production code has no switch for any of it.
/// `dotnet SchemaMigrate.Tests.dll fake-api &lt;info.json&gt;` serves the fake of a rolled-out API the same way, one
/// scenario per path prefix (/healthy/, /brokenhealth/, ...: <see cref="FakeApiBehaviour"/> in lower case).
/// </summary>
public static class FakeAzureServer
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["fake-api", var apiInfo]) return await ServeApiAsync(apiInfo);
        if (args is not ["fake-azure", var info, var migrations, .. var jobs] || jobs.Length == 0 || jobs.Any(j => !j.Contains('=')))
        {
            await Console.Error.WriteLineAsync("usage: dotnet SchemaMigrate.Tests.dll fake-azure <info.json> <migrations dir> <job>=<DB_CONN>...\n" +
                "       dotnet SchemaMigrate.Tests.dll fake-api <info.json>");
            return 2;
        }
        await using var azure = await FakeAzure.StartAsync();
        foreach (var job in jobs)
        {
            var (name, connection) = (job[..job.IndexOf('=')], job[(job.IndexOf('=') + 1)..]);
            azure.RunnerJob(connection, migrations, name);
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
