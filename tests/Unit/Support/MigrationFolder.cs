using System.Text;

namespace SchemaMigrate.Tests.Support;

/// <summary>A temporary migrations folder.</summary>
public sealed class MigrationFolder : IDisposable
{
    public MigrationFolder() => Path = Directory.CreateTempSubdirectory("schemamigrate-test-").FullName;

    public string Path { get; }

    public MigrationFolder Add(string name, string sql) => AddBytes(name, Encoding.UTF8.GetBytes(sql));

    public MigrationFolder AddBytes(string name, byte[] bytes)
    {
        File.WriteAllBytes(System.IO.Path.Combine(Path, name), bytes);
        return this;
    }

    public string FilePath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A copy of the repository's ops/migrations samples.</summary>
    public static MigrationFolder FromSamples()
    {
        var folder = new MigrationFolder();
        foreach (var file in Directory.GetFiles(Repo.SampleMigrations, "*.sql"))
            File.Copy(file, folder.FilePath(System.IO.Path.GetFileName(file)));
        return folder;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

public static class Repo
{
    /// <summary>The repository root: the folder holding SchemaMigrate.sln above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string SampleMigrations => System.IO.Path.Combine(Root, "ops", "migrations");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "SchemaMigrate.sln"))) return dir.FullName;
        throw new InvalidOperationException("SchemaMigrate.sln not found above " + AppContext.BaseDirectory);
    }
}
