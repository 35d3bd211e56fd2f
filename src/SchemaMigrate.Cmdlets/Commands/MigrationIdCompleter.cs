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
            // Resolved by the session (its location, ~, PowerShell drives), as the cmdlet resolves -Path: a completer runs
            // inside the session's pipeline, so ask it nested.
            using var session = PowerShell.Create(RunspaceMode.CurrentRunspace);
            string Resolve(string p)
            {
                session.Commands.Clear();
                return session.AddScript("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").AddArgument(p).Invoke<string>().Single();
            }
            var folder = new SettingsParameters { Path = path }.ToSettings(Environment.GetEnvironmentVariables(), Resolve).MigrationsDirectory;
            return MigrationDirectory.EntryNames(folder).Where(MigrationNaming.IsMigrationFile).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MigrationException or ArgumentException or RuntimeException or InvalidOperationException)
        {
            return [];
        }
    }
}
