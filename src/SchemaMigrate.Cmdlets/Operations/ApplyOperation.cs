using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Invoke-SchemaMigration: applies what is pending, asking ShouldProcess before each migration (-Confirm).
/// Under -WhatIf it only reads: the plan's migrations go to ShouldProcess, which prints them, and nothing is
/// created, locked or applied. A failed run ends in a MigrationException; what it applied before stays applied.
/// </summary>
internal sealed class ApplyOperation(MigrationSettings settings, bool passThru, bool whatIf)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var migrator = new Migrator(settings);
        if (whatIf)
        {
            var plan = await migrator.PlanAsync(ct);
            foreach (var warning in plan.Status.Migrations.SelectMany(m => m.Warnings)) sink.WriteWarning(warning);
            if (plan.ToApply.Count == 0) sink.WriteVerbose($"nothing to apply on {plan.Status.Database}");
            foreach (var file in plan.ToApply) sink.ShouldProcess(SinkListener.Target(file, plan.Status.Database), SinkListener.Action(file));
            return;
        }

        var listener = new SinkListener(sink, passThru, confirm: true);
        var result = await migrator.UpAsync(listener, ct);
        listener.Complete();
        if (result.Failure is { } failure) throw new MigrationException(AfterApplied(failure, result.Applied));
        sink.WriteVerbose($"applied {result.Applied.Count}, already applied {result.AlreadyApplied}, still pending {result.Pending}");
    }

    /// <summary>
    /// The failure, naming what this run applied before it: under $ErrorActionPreference = 'Stop' PowerShell discards
    /// the -PassThru rows a table was still collecting, so the error is where the operator reads them.
    /// </summary>
    private static Failure AfterApplied(Failure failure, IReadOnlyList<AppliedMigration> applied) => applied.Count == 0
        ? failure
        : failure with { Message = failure.Message + $"; applied before it in this run: {string.Join(", ", applied.Select(a => a.Id))}" };
}
