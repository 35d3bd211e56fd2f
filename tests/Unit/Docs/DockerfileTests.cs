using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Docs;

/// <summary>
/// Docker cannot run where these tests run, so the Dockerfile is read instead: the image must put MigrateRunner where
/// the job's command looks for it and the migrations where the runner looks for them by default.
/// </summary>
public partial class DockerfileTests
{
    private const string RunnerProject = "src/MigrateRunner";
    private static readonly Dockerfile File_ = Dockerfile.Load(Path.Combine(Repo.Root, "Dockerfile"));

    private static Dockerfile.Instruction Publish =>
        File_.Instructions.Single(i => i.Keyword == "RUN" && i.Words.Contains("publish") && i.Words.Contains(RunnerProject));

    private static string PublishOutput => Option(Publish, "-o", "--output") ?? throw new InvalidOperationException("the publish names no -o");

    private static Dockerfile.Stage Final => File_.Stages[^1];

    private static string? Option(Dockerfile.Instruction run, params string[] names)
    {
        var words = run.Words;
        for (int i = 0; i < words.Count - 1; i++)
            if (names.Contains(words[i])) return words[i + 1];
        return null;
    }

    [Fact]
    public void The_published_runner_is_where_the_jobs_command_runs_it()
    {
        var runner = PublishOutput.TrimEnd('/') + "/MigrateRunner.dll";

        // The build stage's output must reach the final image at the same place.
        var copy = Final.Instructions.SingleOrDefault(i => i.Keyword == "COPY" && i.Flags.Any(f => f == $"--from={Publish.Stage.Name}"));
        Assert.NotNull(copy);
        Assert.Equal(new[] { PublishOutput }, copy.Sources);
        Assert.Equal(PublishOutput.TrimEnd('/'), copy.Destination.TrimEnd('/'));

        // What the docs tell operators to configure (seed 003's command and args), and the image's default command.
        var image = File.ReadAllText(Path.Combine(Repo.Root, "docs", "image.md"));
        var documented = JobArgs().Matches(image).Select(m => m.Groups["dll"].Value).ToList();
        Assert.NotEmpty(documented);
        Assert.All(documented, path => Assert.Equal(runner, path));
        Assert.Contains($"dotnet {runner}", File.ReadAllText(Path.Combine(Repo.Root, "README.md")));

        var cmd = Final.Instructions.Last(i => i.Keyword == "CMD");
        Assert.Equal(new[] { "dotnet", runner }, JsonSerializer.Deserialize<string[]>(cmd.Arguments));

        // The seed itself, where it sits beside the repository (as in CI).
        var seeds = Path.Combine(Repo.Root, "..", "shared", "seeds");
        foreach (var seed in Directory.Exists(seeds) ? Directory.GetFiles(seeds, "003_*") : Array.Empty<string>())
            Assert.All(JobArgs().Matches(File.ReadAllText(seed)).Select(m => m.Groups["dll"].Value), path => Assert.Equal(runner, path));
    }

    [Fact]
    public void The_migrations_are_copied_to_the_runners_default_folder_which_the_image_also_names()
    {
        var copy = Final.Instructions.Single(i => i.Keyword == "COPY" && i.Sources.Any(s => s.TrimEnd('/') == "ops/migrations"));
        Assert.Equal(MigrationSettings.DefaultMigrationsDirectory, copy.Destination.TrimEnd('/'));
        Assert.Contains($"MIGRATIONS_DIR={MigrationSettings.DefaultMigrationsDirectory}", Final.Instructions.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));
    }

    [Fact]
    public void The_publish_targets_a_framework_the_runner_builds_for_with_ready_to_run_for_the_final_images_runtime()
    {
        var project = XDocument.Load(Path.Combine(Repo.Root, RunnerProject, "MigrateRunner.csproj"));
        var frameworks = project.Descendants().Where(e => e.Name.LocalName is "TargetFrameworks" or "TargetFramework")
            .SelectMany(e => e.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var framework = Option(Publish, "-f", "--framework");
        Assert.NotNull(framework);
        Assert.Contains(framework, frameworks);

        Assert.Contains("-p:PublishReadyToRun=true", Publish.Words);
        Assert.Equal("linux-x64", Option(Publish, "-r", "--runtime"));
        Assert.Equal("false", Option(Publish, "--self-contained"));
        Assert.Equal("Release", Option(Publish, "-c", "--configuration"));

        // ReadyToRun code is used only by the runtime major version it was compiled for.
        var runtime = Regex.Match(Final.Image, @"^mcr\.microsoft\.com/dotnet/(runtime|aspnet):(?<version>\d+\.\d+)");
        Assert.True(runtime.Success, $"the final stage is not a .NET runtime image: {Final.Image}");
        Assert.Equal($"net{runtime.Groups["version"].Value}", framework);

        // A publish without restore relies on a restore for the same runtime identifier, with ReadyToRun.
        if (Publish.Words.Contains("--no-restore"))
        {
            var restore = Publish.Stage.Instructions.TakeWhile(i => i != Publish).Single(i => i.Keyword == "RUN" && i.Words.Contains("restore"));
            Assert.Equal("linux-x64", Option(restore, "-r", "--runtime"));
            Assert.Contains("-p:PublishReadyToRun=true", restore.Words);
        }
    }

    [Fact]
    public void The_build_stage_copies_every_project_the_runner_needs_and_the_shared_build_settings()
    {
        var copied = Publish.Stage.Instructions.Where(i => i.Keyword == "COPY").SelectMany(i => i.Sources).Select(s => s.TrimEnd('/')).ToHashSet();
        foreach (var project in ProjectClosure(Path.Combine(Repo.Root, RunnerProject, "MigrateRunner.csproj")))
        {
            var folder = Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(project)!).Replace('\\', '/');
            Assert.True(copied.Contains(folder), $"the Dockerfile does not copy {folder}/ into its build stage");
            Assert.True(copied.Contains($"{folder}/{Path.GetFileName(project)}"), $"the Dockerfile does not copy {folder}/{Path.GetFileName(project)} before its restore");
        }
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "NuGet.config", "nuget.config", "global.json" })
        {
            foreach (var dir in new[] { "", "src" })
            {
                var relative = dir.Length == 0 ? name : $"{dir}/{name}";
                if (File.Exists(Path.Combine(Repo.Root, relative)))
                    Assert.True(copied.Contains(relative), $"the build reads {relative}, but the Dockerfile does not copy it");
            }
        }
    }

    [Fact]
    public void The_image_runs_as_a_non_root_user_and_bakes_in_no_secret()
    {
        var user = Final.Instructions.LastOrDefault(i => i.Keyword == "USER");
        Assert.NotNull(user);
        Assert.DoesNotContain(user.Arguments.Split(':')[0], new[] { "root", "0" });
        Assert.True(Final.Instructions.IndexOf(user) > Final.Instructions.FindLastIndex(i => i.Keyword is "COPY" or "RUN"), "USER comes after the last COPY and RUN");

        var settings = File_.Instructions.Where(i => i.Keyword is "ENV" or "ARG").Select(i => i.Arguments.Split('=', ' ')[0]);
        Assert.DoesNotContain(settings, name => SecretLooking().IsMatch(name));
    }

    [Fact]
    public void The_build_context_leaves_out_build_output_dependencies_and_history()
    {
        var ignored = File.ReadAllLines(Path.Combine(Repo.Root, ".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Replace("**/", "").TrimEnd('/')).ToHashSet();
        foreach (var required in new[] { "bin", "obj", "out", ".git", "node_modules", ".tools" })
            Assert.True(ignored.Contains(required), $".dockerignore does not leave out {required}");
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next)) continue;
            foreach (var reference in XDocument.Load(next).Descendants().Where(e => e.Name.LocalName == "ProjectReference"))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }
        return seen;
    }

    [GeneratedRegex(@"args:\s*\[?\s*(?<dll>/\S*?MigrateRunner\.dll)")]
    private static partial Regex JobArgs();

    [GeneratedRegex("PASSWORD|SECRET|TOKEN|KEY|CONN|CREDENTIAL", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();
}

/// <summary>A Dockerfile as stages of instructions: comments dropped, continued lines joined.</summary>
public sealed class Dockerfile
{
    public sealed class Stage(string image, string? name)
    {
        public string Image { get; } = image;
        public string? Name { get; } = name;
        public List<Instruction> Instructions { get; } = [];
    }

    public sealed class Instruction(Stage stage, string keyword, string arguments)
    {
        public Stage Stage { get; } = stage;
        public string Keyword { get; } = keyword;
        public string Arguments { get; } = arguments;
        public IReadOnlyList<string> Words { get; } = arguments.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        public IReadOnlyList<string> Flags => Words.TakeWhile(w => w.StartsWith("--", StringComparison.Ordinal)).ToList();
        private IReadOnlyList<string> Paths => Words.SkipWhile(w => w.StartsWith("--", StringComparison.Ordinal)).ToList();
        /// <summary>COPY/ADD: everything but the last path.</summary>
        public IReadOnlyList<string> Sources => Paths.Take(Paths.Count - 1).ToList();
        public string Destination => Paths[^1];
    }

    public List<Stage> Stages { get; } = [];
    public IEnumerable<Instruction> Instructions => Stages.SelectMany(s => s.Instructions);

    public static Dockerfile Load(string path)
    {
        var file = new Dockerfile();
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0)) continue;
            if (line.EndsWith('\\')) { current += line[..^1] + " "; continue; }
            logical.Add(current + line);
            current = "";
        }
        foreach (var line in logical.Where(l => l.Trim().Length > 0))
        {
            var space = line.IndexOfAny([' ', '\t']);
            var keyword = line[..space].ToUpperInvariant();
            var arguments = line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                file.Stages.Add(new Stage(words[0], words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null));
                continue;
            }
            var stage = file.Stages.LastOrDefault() ?? throw new InvalidDataException($"{keyword} before any FROM in {path}");
            stage.Instructions.Add(new Instruction(stage, keyword, arguments));
        }
        return file;
    }
}
