using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// The KQL for one execution's rows (reference §5). One query covers both destinations: the log-analytics
/// custom tables (ContainerAppConsoleLogs_CL, ContainerAppSystemLogs_CL, typed column suffixes) and the
/// azure-monitor resource tables (no suffixes). `union isfuzzy=true` skips a table the workspace never received.
/// Replica (pod) names are "{execution}-{5 chars}", which is how console rows are tied to the execution.
/// </summary>
internal static class JobLogQuery
{
    public const string ConsoleCustomTable = "ContainerAppConsoleLogs_CL";
    public const string SystemCustomTable = "ContainerAppSystemLogs_CL";
    public const string ConsoleTable = "ContainerAppConsoleLogs";
    public const string SystemTable = "ContainerAppSystemLogs";
    private const int MaxRows = 10_000;

    public static string For(JobExecution execution) => $$"""
        let job = '{{Escape(execution.JobName)}}';
        let execution = '{{Escape(execution.ExecutionName)}}';
        let replicaPrefix = strcat(execution, '-');
        union isfuzzy=true
            ({{ConsoleCustomTable}}
                | where ContainerJobName_s == job and ContainerGroupName_s startswith replicaPrefix
                | project TimeGenerated, Stream = Stream_s, Replica = ContainerGroupName_s, Container = ContainerName_s, Reason = '', Message = Log_s, SourceTable = '{{ConsoleCustomTable}}'),
            ({{SystemCustomTable}}
                | where JobName_s == job and (column_ifexists('ExecutionName_s', '') == execution or ReplicaName_s startswith replicaPrefix)
                | project TimeGenerated, Stream = 'system', Replica = ReplicaName_s, Container = '', Reason = Reason_s, Message = Log_s, SourceTable = '{{SystemCustomTable}}'),
            ({{ConsoleTable}}
                | where JobName == job and ContainerGroupName startswith_cs replicaPrefix
                | project TimeGenerated, Stream, Replica = ContainerGroupName, Container = ContainerName, Reason = '', Message = Log, SourceTable = '{{ConsoleTable}}'),
            ({{SystemTable}}
                | where JobName == job and (ReplicaName startswith_cs replicaPrefix or Log contains_cs strcat("'", execution, "'"))
                | project TimeGenerated, Stream = 'system', Replica = ReplicaName, Container = ContainerName, Reason, Message = Log, SourceTable = '{{SystemTable}}')
        | order by TimeGenerated asc
        | take {{MaxRows}}
        """;

    /// <summary>The rows of the query's primary table as log entries; messages are redacted.</summary>
    public static IEnumerable<JobLogEntry> Entries(LogQueryResult result)
    {
        if (result.Tables.Count == 0) yield break;
        var table = result.Tables[0];
        int time = table.Ordinal("TimeGenerated"), stream = table.Ordinal("Stream"), replica = table.Ordinal("Replica"),
            container = table.Ordinal("Container"), reason = table.Ordinal("Reason"), message = table.Ordinal("Message"), source = table.Ordinal("SourceTable");
        string? Text(IReadOnlyList<object?> row, int i) => i >= 0 && i < row.Count && row[i] is { } v && v.ToString() is { Length: > 0 } s ? s : null;
        foreach (var row in table.Rows)
        {
            if (time < 0 || row[time] is not DateTimeOffset at) continue;
            yield return new JobLogEntry(at, Text(row, stream) ?? "stdout", Text(row, replica), Text(row, container),
                Redactor.Redact(Text(row, message) ?? "").TrimEnd('\r', '\n'), Text(row, source) ?? table.Name)
            {
                Reason = Text(row, reason),
            };
        }
    }

    /// <summary>A KQL single-quoted string literal's content.</summary>
    internal static string Escape(string value) => value.Replace("\\", "\\\\").Replace("'", "\\'");
}
