using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>Fixed answers by method and path (ARM paths are case-insensitive), served instead of the fake's simulation.</summary>
internal sealed class CannedAnswers
{
    private readonly ConcurrentDictionary<string, (int Status, string? Body, IReadOnlyDictionary<string, string> Headers)> _answers = new();

    public void Set(string method, string path, int status, JsonNode? body, IReadOnlyDictionary<string, string>? headers) =>
        _answers[Key(method, path)] = (status, body?.ToJsonString(), headers ?? new Dictionary<string, string>());

    public async Task<bool> TryServeAsync(HttpContext ctx)
    {
        if (!_answers.TryGetValue(Key(ctx.Request.Method, ctx.Request.Path.Value ?? ""), out var answer)) return false;
        ctx.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers) ctx.Response.Headers[name] = value;
        if (answer.Body is { } body)
        {
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await ctx.Response.WriteAsync(body);
        }
        return true;
    }

    private static string Key(string method, string path) => $"{method.ToUpperInvariant()} {path.ToLowerInvariant()}";
}
