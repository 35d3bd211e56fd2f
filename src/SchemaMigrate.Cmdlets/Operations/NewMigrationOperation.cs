using System.Text;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>New-SchemaMigration: creates the folder's next migration file (MigrationNaming picks and checks the name).</summary>
internal sealed class NewMigrationOperation(string directory, string name)
{
    public Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var folder = MigrationDirectory.Existing(directory);
        var fileName = MigrationNaming.NextFileName(Directory.EnumerateFiles(folder).Select(f => Path.GetFileName(f)), name);
        var path = Path.Combine(folder, fileName);
        if (!sink.ShouldProcess(path, "Create migration file")) return Task.CompletedTask;

        var template = $"""
            -- {fileName}
            -- One forward-only change. It runs once, in its own transaction, and is recorded in the journal;
            -- once it is applied anywhere that matters, never edit it: add a new migration instead.

            """.ReplaceLineEndings("\n");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(template));
        sink.WriteObject(new FileInfo(path));
        return Task.CompletedTask;
    }
}
