using System.Text;
using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Safety;

/// <summary>Judges SQL the way `up` does: each text parsed as a migration file (directives included) and mapped by DeployGate.</summary>
public static partial class GateHarness
{
    /// <summary>The runner's defaults for what it sets itself: lock_timeout 5s; statement_timeout 30s so examples stay quiet about it.</summary>
    public static readonly GateOptions Quiet = new() { LockTimeout = TimeSpan.FromSeconds(5), StatementTimeout = TimeSpan.FromSeconds(30) };

    public static MigrationFile File(string id, string sql) => MigrationFile.FromBytes(id, id, Encoding.UTF8.GetBytes(sql));

    /// <summary>Judges pending files after applied ones; files are (id, sql) in run order.</summary>
    public static GateReport Judge(GateOptions options, IEnumerable<(string Id, string Sql)> applied, params (string Id, string Sql)[] pending) =>
        Gate.Judge(applied.Select(f => DeployGate.ToGateFile(File(f.Id, f.Sql), true))
            .Concat(pending.Select(f => DeployGate.ToGateFile(File(f.Id, f.Sql), false))).ToArray(), options);

    public static GateReport Judge(string sql, GateOptions? options = null) => Judge(options ?? Quiet, [], ("001_x.sql", sql));

    /// <summary>The ids of the findings that refuse or warn.</summary>
    public static string[] Flagged(GateReport report) =>
        report.Findings.Where(f => f.Verdict is Verdict.Refused or Verdict.Warning).Select(f => f.RuleId).Distinct().Order().ToArray();

    public static string GateDocs => Path.Combine(Repo.Root, "docs", "gate");

    /// <summary>A rule page's sections by heading (## Name), and its fenced blocks per section.</summary>
    public sealed record RulePage(string Id, string Text, IReadOnlyList<string> Headings, IReadOnlyDictionary<string, string> Sections)
    {
        public string? Block(string section) => Fence().Match(Sections.GetValueOrDefault(section) ?? "") is { Success: true } m ? m.Groups["body"].Value : null;
        public string? BlockLanguage(string section) => Fence().Match(Sections.GetValueOrDefault(section) ?? "") is { Success: true } m ? m.Groups["lang"].Value : null;
    }

    public static RulePage Page(string id)
    {
        var text = System.IO.File.ReadAllText(Path.Combine(GateDocs, id + ".md")).ReplaceLineEndings("\n");
        var parts = Regex.Split(text, "^## ", RegexOptions.Multiline);
        var sections = parts.Skip(1).ToDictionary(p => p[..p.IndexOf('\n')].Trim(), p => p[(p.IndexOf('\n') + 1)..]);
        return new RulePage(id, text, [.. sections.Keys], sections);
    }

    public static IEnumerable<string> PageIds() =>
        Directory.GetFiles(GateDocs, "*.md").Select(Path.GetFileNameWithoutExtension).Where(n => n != "README").Order(StringComparer.Ordinal)!;

    [GeneratedRegex(@"```(?<lang>\w*)\n(?<body>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex Fence();
}
