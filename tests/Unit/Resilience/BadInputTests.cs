using System.Text.Json;
using System.Text.RegularExpressions;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Azure.Fake;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Resilience;

/// <summary>
/// Each bad input of <see cref="BadInputCorpus"/> through the three fronts: the MigrateRunner process, the
/// Invoke-SchemaMigration operation, and a job execution of the fake Azure (the real runner, its migration.json).
/// Every front must give the case's reason code, file and line and words, with no stack trace and no secret, and
/// leave the journal and the schema as they were.
/// </summary>
public sealed partial class BadInputTests : IDisposable
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("schemamigrate-artifacts-").FullName;

    public void Dispose() => Directory.Delete(_artifacts, recursive: true);

    public static TheoryData<string> Cases => new(BadInputCorpus.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait(Reliability.Trait, Reliability.BadInput)]
    public async Task Every_front_names_it_with_the_same_reason_and_loses_nothing(string name)
    {
        var input = BadInputCorpus.All.Single(c => c.Name == name);
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
        var setup = new BadInputSetup(db, folder);
        await setup.ApplyAsync();
        await input.Arrange(setup);
        var before = await DatabaseState.ReadAsync(db);

        var answers = new List<FrontAnswer> { await RunnerAsync(setup) };
        if (input.Cmdlet) answers.Add(await CmdletAsync(setup));
        if (input.Job) answers.Add(await JobAsync(setup, name));

        foreach (var answer in answers)
        {
            var where = $"{answer.Front} said {answer.Code ?? "success"} at {answer.File}:{answer.Line}: {answer.Said}\n--- its output:\n{answer.Text}";
            Assert.True(input.Expected?.Code == answer.Code, $"{name}, expected {input.Expected?.Code ?? "success"}; {where}");
            Assert.DoesNotContain("UNEXPECTED_ERROR", answer.Text);
            Assert.False(StackFrame().IsMatch(answer.Text), $"a stack trace; {where}");
            Assert.DoesNotContain(db.Password, answer.Text);
            Assert.True(answers[0].Code == answer.Code && answers[0].File == answer.File && answers[0].Line == answer.Line,
                $"{answers[0].Front} said {answers[0].Code} at {answers[0].File}:{answers[0].Line}; {where}");
            if (input.Expected is null)
            {
                foreach (var word in input.Words)
                    Assert.True(answer.Text.Contains(word, StringComparison.OrdinalIgnoreCase), $"'{word}' not said; {where}");
                continue;
            }
            if (input.File is { } file) Assert.True(file == answer.File, $"file {answer.File ?? "none"}, expected {file}; {where}");
            if (input.Line is { } line) Assert.True(line == answer.Line, $"line {answer.Line}, expected {line}; {where}");
            foreach (var word in input.Words)
                Assert.True(answer.Said.Contains(word, StringComparison.OrdinalIgnoreCase), $"'{word}' not said; {where}");
        }
        var after = await DatabaseState.ReadAsync(db);
        if (input.Expected is not null) Assert.Equal(before, after);
        else Assert.Equal(input.Journal, (await db.JournalAsync()).Select(j => j.Id));
    }

    private static async Task<FrontAnswer> RunnerAsync(BadInputSetup setup)
    {
        var env = new Dictionary<string, string?> { ["DB_CONN"] = setup.ConnectionString, ["MIGRATIONS_DIR"] = setup.MigrationsDirectory };
        var run = setup.RunAs is { } user
            ? await RunnerProcess.RunAsAsync(user, env, setup.RunnerArgs())
            : await RunnerProcess.RunAsync(env, setup.RunnerArgs());
        var result = run.Result;
        return new FrontAnswer("MigrateRunner", Str(result, "reasonCode"), Str(result, "file"),
            result.TryGetProperty("line", out var line) ? line.GetInt32() : null,
            $"{Str(result, "reason")} {Str(result, "nextStep")}", run.Output);
    }

    private static async Task<FrontAnswer> CmdletAsync(BadInputSetup setup)
    {
        var sink = new RecordingSink();
        try
        {
            await new ApplyOperation(setup.Settings(), passThru: true, whatIf: false).RunAsync(sink, CancellationToken.None);
            return new FrontAnswer("Invoke-SchemaMigration", null, null, null, "", sink.AllText);
        }
        catch (MigrationException e)
        {
            var failure = e.Failure.For(PowerShellOptionNames.For("Invoke-SchemaMigration"));
            return new FrontAnswer("Invoke-SchemaMigration", failure.ReasonCode, failure.File, failure.Line, $"{failure.Message} {failure.Action}",
                FailureText.Describe(failure) + "\n" + failure.Action + "\n" + sink.AllText);
        }
    }

    private async Task<FrontAnswer> JobAsync(BadInputSetup setup, string name)
    {
        await using var azure = await FakeAzure.StartAsync();
        var job = azure.RunnerJob(setup.ConnectionString, setup.MigrationsDirectory, "migrate", setup.RunnerArgs());
        job.Containers[0].Env[1] = new FakeEnv("MIGRATIONS_DIR", setup.MigrationsDirectory);
        if (setup.RunAs is not null)
        {
            // The image's root is private to root; the runner's own build is readable by anyone.
            job.Containers[0].Command.InsertRange(0, ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]);
            job.Containers[0].Args[0] = RunnerProcess.DllPath;
        }

        var run = await azure.Operations().StartAsync(new JobStartRequest(azure.Job("migrate"))
        {
            Wait = true, ArtifactPath = _artifacts, CommitSha = name,
        }, new RecordingListener(), CancellationToken.None);

        var text = await File.ReadAllTextAsync(run.ArtifactPath!);
        var json = JsonDocument.Parse(text).RootElement;
        var failure = json.GetProperty("failure");
        var code = Str(json, "reasonCode");
        Assert.Equal(run.Failure?.ReasonCode, code);
        return new FrontAnswer("job (migration.json)", code, failure.ValueKind == JsonValueKind.Null ? null : Str(failure, "file"),
            failure.ValueKind == JsonValueKind.Null || failure.GetProperty("line").ValueKind == JsonValueKind.Null ? null : failure.GetProperty("line").GetInt32(),
            $"{Str(json, "reason")} {Str(json, "nextStep")}", text);
    }

    private static string? Str(JsonElement e, string property) =>
        e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <param name="Said">The message and the next step, where the case's words must be.</param>
    /// <param name="Text">Everything the front printed or wrote.</param>
    private sealed record FrontAnswer(string Front, string? Code, string? File, int? Line, string Said, string Text);

    /// <summary>A .NET stack frame ("   at Namespace.Type.Method(").</summary>
    [GeneratedRegex(@"^\s+at [\w.`<>]+\.[\w<>]+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
