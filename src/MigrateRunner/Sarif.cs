using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Runner;

/// <summary>lint's SARIF: artifact URIs relative to the working directory (the repository root in CI), as code scanning expects.</summary>
internal static class Sarif
{
    public static string Write(LintReport report) => Write(report.MigrationsDirectory, report.Findings, report.Invalid);

    public static string Write(string migrationsDirectory, Engine.Safety.Trace.TraceReport report) =>
        Write(Path.GetFullPath(migrationsDirectory), report.Findings, report.Failure is { } f ? [f] : []);

    private static string Write(string migrationsDirectory, IReadOnlyList<Finding> findings, IReadOnlyList<Engine.Diagnostics.Failure> invalid)
    {
        invalid = [.. invalid.Select(f => f.For(Engine.Diagnostics.OptionNames.CommandLine))];
        string UriOf(string id)
        {
            var full = Path.Combine(migrationsDirectory, id);
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
            return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
                ? new Uri(full).AbsoluteUri
                : relative.Replace(Path.DirectorySeparatorChar, '/');
        }
        return SarifLog.Write(findings, invalid, UriOf, typeof(Migrator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
    }
}
