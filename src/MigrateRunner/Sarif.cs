using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Runner;

/// <summary>lint's SARIF: artifact URIs relative to the working directory (the repository root in CI), as code scanning expects.</summary>
internal static class Sarif
{
    public static string Write(LintReport report)
    {
        string UriOf(string id)
        {
            var full = Path.Combine(report.MigrationsDirectory, id);
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
            return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
                ? new Uri(full).AbsoluteUri
                : relative.Replace(Path.DirectorySeparatorChar, '/');
        }
        return SarifLog.Write(report.Findings, report.Invalid, UriOf, typeof(Migrator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
    }
}
