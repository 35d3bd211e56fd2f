using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>Finds the *.sql files of a folder (not recursive), in ordinal file-name order.</summary>
public static class MigrationDirectory
{
    public static IReadOnlyList<MigrationFile> Load(string directory)
    {
        var folder = Existing(directory);
        return EntryNames(folder).Where(MigrationNaming.IsMigrationFile)
            .Select(name => MigrationFile.Load(Path.Combine(folder, name)))
            .ToArray();
    }

    /// <summary>
    /// The names a folder check looks at, in ordinal order: every file, and every subfolder named like a migration
    /// (which never runs, so it is refused rather than passed over).
    /// </summary>
    public static IReadOnlyList<string> EntryNames(string folder)
    {
        try
        {
            return Directory.EnumerateFiles(folder)
                .Concat(Directory.EnumerateDirectories(folder).Where(d => MigrationNaming.IsMigrationFile(Path.GetFileName(d))))
                .Select(f => Path.GetFileName(f))
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.MigrationUnreadable,
                Message = Redactor.Redact($"migrations directory {folder} cannot be listed: " +
                                          (e is UnauthorizedAccessException ? $"permission denied for user {Environment.UserName}" : e.Message)),
                NextStep = "Let the runner's user list and read the folder (chmod a+rx on it); nothing was applied.",
            });
        }
    }

    /// <summary>The folder's full path; MIGRATIONS_DIR_NOT_FOUND when it does not exist or is a file.</summary>
    public static string Existing(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.MigrationsDirNotFound,
                Message = File.Exists(full)
                    ? $"migrations directory {full} is a file, not a directory"
                    : $"migrations directory {full} does not exist",
                File = full,
            });
        return full;
    }
}
