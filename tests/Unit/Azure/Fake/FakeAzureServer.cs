using System.Text.Json;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>
/// `dotnet SchemaMigrate.Tests.dll fake-azure &lt;info.json&gt; &lt;migrations dir&gt; &lt;job&gt;=&lt;DB_CONN&gt;...` serves the fake of
/// Azure to the Pester suite, which drives the real cmdlets against it: one MigrateRunner job per argument, until
/// standard input closes (a job named *-stuck never ends on its own). It writes the endpoint, its certificate (to trust through SSL_CERT_FILE), the tokens a
/// stand-in `az` hands out, and the subscription to &lt;info.json&gt;. The production code has no switch for any of it.
/// </summary>
public static class FakeAzureServer
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["fake-azure", var info, var migrations, .. var jobs] || jobs.Length == 0 || jobs.Any(j => !j.Contains('=')))
        {
            await Console.Error.WriteLineAsync("usage: dotnet SchemaMigrate.Tests.dll fake-azure <info.json> <migrations dir> <job>=<DB_CONN>...");
            return 2;
        }
        await using var azure = await FakeAzure.StartAsync();
        foreach (var job in jobs)
        {
            var (name, connection) = (job[..job.IndexOf('=')], job[(job.IndexOf('=') + 1)..]);
            // A job named *-stuck keeps its executions Running until they are stopped (Ctrl+C and timeout tests).
            azure.RunnerJob(connection, migrations, name).Stuck = name.EndsWith("-stuck", StringComparison.Ordinal);
        }
        var temporary = info + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(new
        {
            endpoint = azure.Endpoint.ToString(),
            certificate = FakeAzure.CertificatePem,
            armToken = azure.ArmToken,
            logsToken = azure.LogsToken,
            subscriptionId = azure.SubscriptionId,
            resourceGroup = FakeAzure.ResourceGroup,
        }));
        File.Move(temporary, info, overwrite: true);
        await Console.In.ReadToEndAsync();
        return 0;
    }
}
