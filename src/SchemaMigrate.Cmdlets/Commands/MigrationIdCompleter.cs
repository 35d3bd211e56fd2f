using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Cmdlets;

/// <summary>
/// Tab completion of -To: the migration ids (file names) in the folder the command would use (-Path, else
/// MIGRATIONS_DIR), in the order they run. Completes nothing when the folder cannot be read.
/// </summary>
public sealed class MigrationIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = wordToComplete.Trim('\'', '"');
        foreach (var id in Ids(fakeBoundParameters["Path"] as string).Where(i => i.StartsWith(typed, StringComparison.OrdinalIgnoreCase)))
            yield return new CompletionResult(id.Contains(' ') ? $"'{id.Replace("'", "''")}'" : id, id, CompletionResultType.ParameterValue, id);
    }

    private static IEnumerable<string> Ids(string? path)
    {
        try
        {
            // The session's location, not the process's (a completer runs inside the session's pipeline: ask it nested).
            using var session = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = session.AddCommand("Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>().FirstOrDefault()?.ProviderPath
                ?? Environment.CurrentDirectory;
            var folder = new SettingsParameters { Path = path }.ToSettings(Environment.GetEnvironmentVariables(), p => System.IO.Path.GetFullPath(p, location)).MigrationsDirectory;
            return Directory.EnumerateFiles(folder).Select(f => System.IO.Path.GetFileName(f)).Where(MigrationNaming.IsMigrationFile).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MigrationException or ArgumentException)
        {
            return [];
        }
    }
}
