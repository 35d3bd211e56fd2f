using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>The Log Analytics query API (POST /v1/workspaces/{id}/query).</summary>
public interface ILogAnalyticsClient
{
    /// <summary>Runs a KQL query; <paramref name="from"/>..<paramref name="to"/> becomes the request's timespan.</summary>
    Task<LogQueryResult> QueryAsync(string workspaceId, string query, DateTimeOffset from, DateTimeOffset to, CancellationToken ct);
}

/// <summary>A query's tables. <see cref="PartialError"/> is set when the service returned rows together with an error.</summary>
public sealed record LogQueryResult(IReadOnlyList<LogTable> Tables, string? PartialError = null)
{
    public static readonly LogQueryResult Empty = new([]);
}

public sealed record LogColumn(string Name, string Type);

/// <summary>A result table. Cells are typed by column: bool, DateTimeOffset, int, long, double, decimal, Guid, TimeSpan, string (dynamic as JSON text), or null.</summary>
public sealed record LogTable(string Name, IReadOnlyList<LogColumn> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows)
{
    public int Ordinal(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, column, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}

internal sealed class LogAnalyticsClient(AzureRestClient rest) : ILogAnalyticsClient
{
    public static LogAnalyticsClient Create(AzureSettings settings, TokenCredential credential)
    {
        var endpoints = settings.Endpoints;
        return new(AzureRestClient.Create(settings, credential, endpoints.LogAnalytics, endpoints.LogAnalyticsScope, "Log Analytics"));
    }

    public async Task<LogQueryResult> QueryAsync(string workspaceId, string query, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        if (!Guid.TryParse(workspaceId, out var workspace))
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"'{workspaceId}' is not a Log Analytics workspace id; use the workspace's customer id (a GUID, 'Workspace ID' in the portal)");
        var body = new JsonObject
        {
            ["query"] = query,
            ["timespan"] = $"{Iso(from)}/{Iso(to)}",
        }.ToJsonString();
        var response = await rest.SendAsync(RequestMethod.Post, rest.Url($"/v1/workspaces/{workspace}/query"), body, ct);
        // 204: the workspace holds no data at all yet.
        if (response.Status == 204) return LogQueryResult.Empty;
        if (!response.HasBody)
            throw new MigrationException(ReasonCodes.AzureRequestFailed,
                $"Log Analytics answered {response.Status} with an empty body (x-ms-request-id {response.RequestId})");
        return Parse(response.Json());
    }

    internal static LogQueryResult Parse(JsonElement root)
    {
        var tables = root.Arr("tables").Select(t =>
        {
            var columns = t.Arr("columns").Select(c => new LogColumn(c.Str("name") ?? "", c.Str("type") ?? "string")).ToList();
            var rows = t.Arr("rows").Select(r => (IReadOnlyList<object?>)r.EnumerateArray()
                .Select((cell, i) => Cell(cell, i < columns.Count ? columns[i].Type : "string")).ToList()).ToList();
            return new LogTable(t.Str("name") ?? "", columns, rows);
        }).ToList();
        string? partial = null;
        if (root.Obj("error") is { } error)
        {
            var details = string.Join("; ", error.Arr("details").Select(d => d.Str("message")).Where(m => m is not null));
            partial = Redactor.Redact($"{error.Str("code")}: {error.Str("message")}{(details.Length > 0 ? " (" + details + ")" : "")}");
        }
        return new LogQueryResult(tables, partial);
    }

    /// <summary>Cells are JSON-typed in practice but strings in the swagger example: accept both.</summary>
    internal static object? Cell(JsonElement cell, string type)
    {
        if (cell.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        var text = cell.ValueKind == JsonValueKind.String ? cell.GetString()! : cell.GetRawText();
        var c = CultureInfo.InvariantCulture;
        return type.ToLowerInvariant() switch
        {
            "bool" or "boolean" => cell.ValueKind is JsonValueKind.True or JsonValueKind.False ? cell.GetBoolean()
                : text is "1" || bool.TryParse(text, out var b) && b,
            "datetime" => DateTimeOffset.TryParse(text, c, DateTimeStyles.AssumeUniversal, out var t) ? t : text,
            "int" => int.TryParse(text, NumberStyles.Integer, c, out var i) ? i : text,
            "long" => long.TryParse(text, NumberStyles.Integer, c, out var l) ? l : text,
            "real" => double.TryParse(text, NumberStyles.Float, c, out var d) ? d : text,
            "decimal" => decimal.TryParse(text, NumberStyles.Float, c, out var m) ? m : text,
            "guid" => Guid.TryParse(text, out var g) ? g : text,
            "timespan" => TimeSpan.TryParse(text, c, out var s) ? s : text,
            _ => text,
        };
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
