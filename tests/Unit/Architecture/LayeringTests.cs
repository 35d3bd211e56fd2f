using System.Text.RegularExpressions;
using SchemaMigrate.Tests.Support;
using Xunit.Abstractions;

namespace SchemaMigrate.Tests.Architecture;

/// <summary>
/// The engine's folders form a stack (ARCHITECTURE.md): each folder may use only the folders listed before it.
/// Read from the sources themselves, so an arrow that points up or closes a cycle fails here.
/// </summary>
public sealed partial class LayeringTests(ITestOutputHelper output)
{
    /// <summary>Bottom first. The same order is written in ARCHITECTURE.md.</summary>
    public static readonly string[] Layers = ["Sql", "Diagnostics", "Configuration", "Database", "Safety", "Migrations", "Azure"];

    private static readonly string EngineRoot = Path.Combine(Repo.Root, "src", "SchemaMigrate.Engine");

    [Fact]
    public void Every_engine_folder_uses_only_the_folders_below_it()
    {
        var graph = Dependencies();
        foreach (var (folder, uses) in graph.OrderBy(g => Array.IndexOf(Layers, g.Key)))
            output.WriteLine($"{folder,-13} -> {(uses.Count == 0 ? "(nothing)" : string.Join(" ", uses.Select(u => u.Folder).Distinct().OrderBy(u => Array.IndexOf(Layers, u))))}");

        var unknown = graph.Keys.Where(f => !Layers.Contains(f)).ToList();
        Assert.True(unknown.Count == 0, $"engine folder(s) {string.Join(", ", unknown)} have no place in the layer order; add them to Layers and ARCHITECTURE.md");
        var upward = graph
            .SelectMany(g => g.Value.Where(u => Array.IndexOf(Layers, u.Folder) >= Array.IndexOf(Layers, g.Key))
                .Select(u => $"{g.Key} -> {u.Folder} ({u.File})"))
            .ToList();
        Assert.True(upward.Count == 0, "arrows that point up or sideways (a folder may use only those below it):\n" + string.Join("\n", upward));
    }

    [Fact]
    public void Every_engine_file_declares_the_namespace_of_its_folder()
    {
        var wrong = Sources()
            .Select(f => (File: f.Relative, Expected: "SchemaMigrate.Engine." + string.Join('.', f.Folders), Declared: Namespace().Match(f.Text).Groups[1].Value))
            .Where(f => f.Declared != f.Expected)
            .Select(f => $"{f.File} declares '{f.Declared}', expected '{f.Expected}'")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void The_layering_check_sees_an_upward_arrow_when_there_is_one()
    {
        // The check's own reading of a source: a using of a higher folder, and a qualified name of one, both count.
        var uses = Used("using SchemaMigrate.Engine.Migrations;\nvar x = SchemaMigrate.Engine.Azure.JobRun.Empty;").ToList();
        Assert.Equal(["Migrations", "Azure"], uses);
        Assert.Empty(Used("// a comment is not a use: SchemaMigrate.Engine.Azure\n/// <see cref=\"SchemaMigrate.Engine.Azure.JobRun\"/>"));
    }

    private static Dictionary<string, List<(string Folder, string File)>> Dependencies()
    {
        var graph = new Dictionary<string, List<(string, string)>>();
        foreach (var source in Sources())
        {
            var folder = source.Folders[0];
            if (!graph.TryGetValue(folder, out var uses)) graph[folder] = uses = [];
            uses.AddRange(Used(source.Text).Where(u => u != folder).Distinct().Select(u => (u, source.Relative)));
        }
        return graph;
    }

    /// <summary>Engine folders a source names in code (using directives and qualified names), comments stripped.</summary>
    private static IEnumerable<string> Used(string text) =>
        EngineName().Matches(Comment().Replace(text, "")).Select(m => m.Groups[1].Value).Distinct();

    private static IEnumerable<(string Relative, string[] Folders, string Text)> Sources() =>
        Directory.EnumerateFiles(EngineRoot, "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(EngineRoot, p).Replace('\\', '/'))
            .Where(r => !r.StartsWith("bin/", StringComparison.Ordinal) && !r.StartsWith("obj/", StringComparison.Ordinal))
            .Select(r => (r, r.Split('/')[..^1], File.ReadAllText(Path.Combine(EngineRoot, r))))
            .Where(s => s.Item2.Length > 0);

    [GeneratedRegex(@"\bSchemaMigrate\.Engine\.([A-Z][A-Za-z0-9]*)")]
    private static partial Regex EngineName();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex Namespace();
}
