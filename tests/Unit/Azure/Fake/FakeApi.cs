using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SchemaMigrate.Engine.Azure.Smoke;

namespace SchemaMigrate.Tests.Azure.Fake;

/// <summary>How a scenario of the fake API behaves after its "rollout".</summary>
public enum FakeApiBehaviour
{
    /// <summary>Health 200; the probe 401 without the token, 200 with it.</summary>
    Healthy,
    /// <summary>Health 503 with the failing dependency in its body.</summary>
    BrokenHealth,
    /// <summary>The probe answers 200 to anyone.</summary>
    Anonymous,
    /// <summary>The token is refused (401 invalid_token) until <see cref="FakeApi.PropagationDelay"/> after its first use.</summary>
    Propagating,
    /// <summary>The token is always refused (403 insufficient_scope).</summary>
    NeverPropagates,
    /// <summary>Accepts connections and never answers.</summary>
    Hangs,
    /// <summary>The probe with the token answers 500.</summary>
    ServerError,
}

/// <summary>A request the fake API answered: its scenario, path, Authorization header and status.</summary>
public sealed record ApiRequest(string Scenario, string Path, string? Authorization, DateTimeOffset At, int Status);

/// <summary>
/// A local fake of the API a deploy rolls out, over HTTPS on 127.0.0.1 (<see cref="FakeHttps"/>). Each scenario is a
/// path prefix, so one server plays them all: GET /&lt;scenario&gt;/health and GET /&lt;scenario&gt;/api/me. Every answer
/// sets a session cookie, and answers to the token quote it back, so tests can see that neither leaves the engine.
/// </summary>
public sealed class FakeApi : IAsyncDisposable
{
    public const string HealthPath = "/health";
    public const string ProbePath = "/api/me";
    /// <summary>A 200 of 100 KB that starts with the token, to see an answer cut after it is redacted.</summary>
    public const string LargePath = "/large";

    private readonly ConcurrentDictionary<string, Scenario> _scenarios = new();
    private readonly List<ApiRequest> _requests = [];
    private WebApplication _app = null!;

    public string Token { get; } = "api-token-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    public string SessionCookie { get; } = "sess-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
    public Uri Endpoint { get; private set; } = null!;
    public TimeSpan PropagationDelay { get; set; } = TimeSpan.FromSeconds(1.5);

    public IReadOnlyList<ApiRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public static async Task<FakeApi> StartAsync()
    {
        var fake = new FakeApi();
        (fake._app, fake.Endpoint) = await FakeHttps.StartAsync(app => app.Run(fake.AnswerAsync));
        return fake;
    }

    /// <summary>Adds a scenario and returns its base address, https://127.0.0.1:port/&lt;name&gt;/.</summary>
    public Uri Add(FakeApiBehaviour behaviour, string? name = null)
    {
        name ??= $"{behaviour.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}";
        _scenarios[name] = new Scenario(behaviour);
        return new Uri(Endpoint, $"/{name}/");
    }

    /// <summary>A smoke test of <paramref name="scenario"/> with this API's token, trusting the fake's certificate, with short waits for tests.</summary>
    public ApiSmokeRequest Request(Uri scenario) => new(scenario, ProbePath)
    {
        Token = new System.Net.NetworkCredential("", Token).SecurePassword,
        RetryWindow = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(2),
        FirstRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromMilliseconds(400),
        Tls = FakeHttps.ClientOptions(),
    };

    public IEnumerable<ApiRequest> RequestsOf(Uri scenario) => Requests.Where(r => r.Scenario == scenario.AbsolutePath.Trim('/'));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext ctx)
    {
        var segments = (ctx.Request.Path.Value ?? "").Trim('/').Split('/', 2);
        var name = segments[0];
        var path = "/" + (segments.Length > 1 ? segments[1] : "");
        var authorization = ctx.Request.Headers.Authorization.Count > 0 ? ctx.Request.Headers.Authorization.ToString() : null;
        try
        {
            if (!_scenarios.TryGetValue(name, out var scenario))
            {
                await Answer(ctx, 404, """{"error":"no such scenario"}""");
                return;
            }
            ctx.Response.Headers.SetCookie = $"session={SessionCookie}; Path=/; Secure; HttpOnly";
            if (scenario.Behaviour == FakeApiBehaviour.Hangs)
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { });
                return;
            }
            await (path switch
            {
                HealthPath when scenario.Behaviour == FakeApiBehaviour.BrokenHealth =>
                    Answer(ctx, 503, """{"status":"unhealthy","checks":{"database":"connect ECONNREFUSED 10.0.0.4:5432"}}"""),
                HealthPath => Answer(ctx, 200, """{"status":"ok","version":"4f2c9e1"}"""),
                // The bare token (no field name the Redactor would know) from character 1012 to 1054: across the 1024-character cut.
                LargePath => Answer(ctx, 200, $$"""{"padding":"{{new string('x', 990)}}","note":"{{Token}} {{new string('x', 100_000)}}"}"""),
                ProbePath => ProbeAsync(ctx, scenario, authorization),
                _ => Answer(ctx, 404, """{"error":"not found"}"""),
            });
        }
        finally
        {
            lock (_requests) _requests.Add(new ApiRequest(name, path, authorization, DateTimeOffset.UtcNow, ctx.Response.StatusCode));
        }
    }

    private Task ProbeAsync(HttpContext ctx, Scenario scenario, string? authorization)
    {
        if (authorization is null)
        {
            if (scenario.Behaviour == FakeApiBehaviour.Anonymous) return Answer(ctx, 200, """{"user":"anonymous","roles":[]}""");
            ctx.Response.Headers.WWWAuthenticate = "Bearer realm=\"fake-api\"";
            return Answer(ctx, 401, """{"error":"unauthorized","message":"a bearer token is required"}""");
        }
        if (authorization != $"Bearer {Token}")
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"the token is not one this API issued\"";
            return Answer(ctx, 401, """{"error":"invalid_token"}""");
        }
        var firstUse = scenario.FirstAuthorized ??= DateTimeOffset.UtcNow;
        switch (scenario.Behaviour)
        {
            case FakeApiBehaviour.Propagating when DateTimeOffset.UtcNow - firstUse < PropagationDelay:
                ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The signing key of the token is not known yet\"";
                return Answer(ctx, 401, $$"""{"error":"invalid_token","detail":"rejected {{Token}} (key rollover in progress)"}""");
            case FakeApiBehaviour.NeverPropagates:
                ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\", error_description=\"the caller has no app role api.read\"";
                return Answer(ctx, 403, $$"""{"error":"forbidden","detail":"token {{Token}} lacks the app role api.read"}""");
            case FakeApiBehaviour.ServerError:
                return Answer(ctx, 500, """{"error":"internal","detail":"TypeError: Cannot read properties of undefined (reading 'tenantId') at /app/dist/routes/me.js:14"}""");
            default:
                return Answer(ctx, 200, $$"""{"user":"deployer@example.com","roles":["api.read"],"seen":"Bearer {{Token}}"}""");
        }
    }

    private static Task Answer(HttpContext ctx, int status, string json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(json);
    }

    private sealed class Scenario(FakeApiBehaviour behaviour)
    {
        public FakeApiBehaviour Behaviour { get; } = behaviour;
        public DateTimeOffset? FirstAuthorized { get; set; }
    }
}
