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
/// </summary>
public static class FakeAzureServer
{
    public static async Task<int> Main(string[] args)
    {
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

    private static async Task<int> UsageAsync()
    {
        await Console.Error.WriteLineAsync("usage: dotnet SchemaMigrate.Tests.dll fake-azure <info.json> <migrations dir> " +
            "[--start-202] [--fail METHOD PATH-PART STATUS TIMES] [--environment EXAMPLE] <job>=<DB_CONN>...");
        return 2;
    }
}
