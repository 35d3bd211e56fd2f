using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>Finds the *.sql files of a folder (not recursive), in ordinal file-name order.</summary>
public static class MigrationDirectory
{
    public static IReadOnlyList<MigrationFile> Load(string directory)
    {
        var options = new EnumerationOptions { MatchCasing = MatchCasing.CaseSensitive, RecurseSubdirectories = false };
        return Directory.EnumerateFiles(Existing(directory), "*.sql", options)
            .Order(StringComparer.Ordinal)
            .Select(MigrationFile.Load)
            .ToArray();
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
