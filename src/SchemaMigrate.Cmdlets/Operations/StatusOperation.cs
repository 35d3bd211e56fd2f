using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>Get-SchemaMigrationStatus: one object per migration (optionally only some states); reads, never creates the journal.</summary>
internal sealed class StatusOperation(MigrationSettings settings, IReadOnlyCollection<SchemaMigrationState> states)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var report = await new Migrator(settings).StatusAsync(ct);
        sink.WriteVerbose($"status: {report.MigrationsDirectory} -> {report.Database}");
        sink.WriteVerbose(report.Journal is null ? "journal: not created yet (nothing applied)" : $"journal: {report.Journal}");
        foreach (var migration in report.Migrations.Select(m => SchemaMigrationStatus.From(m, settings.MigrationsDirectory)).Where(m => states.Count == 0 || states.Contains(m.State)))
        {
            foreach (var warning in migration.Warnings) sink.WriteWarning(warning);
            sink.WriteObject(migration);
        }
    }
}
