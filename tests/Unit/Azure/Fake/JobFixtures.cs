using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>Jobs shaped like the seed's migration job, and a listener that records what the operations report.</summary>
public static class JobFixtures
{
    public const string RunnerImage = "acr.test/app:1.0.0";

    /// <summary>The seed 003 job: `dotnet /app/migrate/MigrateRunner.dll`, DB_CONN from a secret, MIGRATIONS_DIR=/app/ops/migrations.</summary>
    public static FakeJob RunnerJob(this FakeAzure azure, string connectionString, string migrationsDir, string name = "migrate", params string[] args)
    {
        azure.AddRunnerImage(RunnerImage, migrationsDir);
        var job = new FakeJob(name, new FakeContainer(name, RunnerImage)
        {
            Command = ["dotnet"],
            Args = ["/app/migrate/MigrateRunner.dll", .. args],
            Env = [new("DB_CONN", SecretRef: "db-conn"), new("MIGRATIONS_DIR", "/app/ops/migrations")],
        });
        job.Secrets["db-conn"] = connectionString;
        return azure.AddJob(job);
    }

    /// <summary>A job whose container runs `sh -c script` (a stand-in for any other image).</summary>
    public static FakeJob ShellJob(this FakeAzure azure, string name, string script, params FakeEnv[] env)
    {
        var image = $"acr.test/{name}:1";
        azure.AddImage(image, azure.Scratch());
        return azure.AddJob(new FakeJob(name, new FakeContainer(name, image) { Command = ["/bin/sh", "-c", script], Env = [.. env] }));
    }
}

public sealed class RecordingListener(bool confirm = true) : IJobListener
{
    private readonly List<JobEvent> _events = [];

    public IReadOnlyList<JobEvent> Events
    {
        get { lock (_events) return _events.ToList(); }
    }

    public List<(string Target, string Action)> Confirmations { get; } = [];

    public IEnumerable<string> Warnings => Events.OfType<JobWarning>().Select(w => w.Message);

    public void OnEvent(JobEvent e)
    {
        lock (_events) _events.Add(e);
    }

    public bool ShouldProcess(string target, string action)
    {
        Confirmations.Add((target, action));
        return confirm;
    }
}
