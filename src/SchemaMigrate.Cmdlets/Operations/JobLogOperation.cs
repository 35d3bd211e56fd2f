using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// Get-MigrationJobLog: an execution's console and system rows from Log Analytics, once, after waiting through
/// the ingestion delay (-Wait), or as they arrive (-Follow: each row is written as soon as a poll brings it).
/// </summary>
internal sealed class JobLogOperation(MigrationJobOperations jobs, JobLogRequest request, bool follow)
{
    public async Task RunAsync(IOperationSink sink, CancellationToken ct)
    {
        var listener = new JobSinkListener(sink);
        if (follow)
        {
            await foreach (var entry in jobs.FollowLogsAsync(request, listener, ct)) sink.WriteObject(MigrationJobLogEntry.From(entry));
        }
        else
        {
            var logs = await jobs.GetLogsAsync(request, listener, ct);
            var source = logs.Source;
            sink.WriteVerbose($"{logs.Entries.Count} rows from workspace {source.WorkspaceId} ({source.Origin}; {(source.Tables.Count == 0 ? "no table answered" : string.Join(", ", source.Tables))}){(source.Complete ? ", complete" : "")}");
            foreach (var entry in logs.Entries) sink.WriteObject(MigrationJobLogEntry.From(entry));
        }
        listener.Complete();
    }
}
