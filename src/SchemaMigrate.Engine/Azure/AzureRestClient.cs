using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>An answer from an Azure REST endpoint, fully buffered.</summary>
internal sealed record AzureResponse(int Status, BinaryData Content, string? RequestId, Uri? Location, TimeSpan? RetryAfter)
{
    public bool HasBody => Content.ToMemory().Length > 0;

    public JsonElement Json() => JsonDocument.Parse(Content.ToMemory()).RootElement;
}

/// <summary>
/// One Azure.Core pipeline for one service and token scope: bearer token, retries that honour Retry-After,
/// and the one place where Azure failures become reason codes.
/// </summary>
internal sealed class AzureRestClient
{
    private readonly HttpPipeline _pipeline;
    private readonly string _service;

    private AzureRestClient(HttpPipeline pipeline, Uri endpoint, string service)
    {
        _pipeline = pipeline;
        Endpoint = endpoint;
        _service = service;
    }

    public Uri Endpoint { get; }

    /// <summary>One credential per operations object: DefaultAzureCredential probes its sources once, not per service.</summary>
    public static TokenCredential CreateCredential(AzureSettings settings) => new RedactingCredential(settings.TokenCredential ?? NewCredential(settings));

    public static AzureRestClient Create(AzureSettings settings, TokenCredential credential, Uri endpoint, string scope, string service)
    {
        var options = new PipelineOptions();
        options.Retry.MaxRetries = settings.MaxRetries;
        options.Retry.Delay = settings.RetryDelay;
        options.Retry.MaxDelay = settings.MaxRetryDelay;
        options.Retry.Mode = RetryMode.Exponential;
        options.Diagnostics.ApplicationId = "SchemaMigrate";
        options.Diagnostics.IsDistributedTracingEnabled = false;
        if (settings.Transport is { } transport) options.Transport = transport;
        var pipeline = HttpPipelineBuilder.Build(options, [], [new BearerTokenAuthenticationPolicy(credential, scope)], new ResponseClassifier());
        return new AzureRestClient(pipeline, endpoint, service);
    }

    public Uri Url(string pathAndQuery) => new(Endpoint, pathAndQuery);

    /// <summary>
    /// Sends one request. Reads are retried on 408, 429, 5xx and network failures; with
    /// <paramref name="idempotent"/> false only a 429 is retried, because a 5xx or a broken connection after a
    /// start may already have created an execution, and a second one would break the single-run promise.
    /// Returns 2xx answers; every other answer becomes a <see cref="MigrationException"/>.
    /// </summary>
    public async Task<AzureResponse> SendAsync(RequestMethod method, Uri uri, string? jsonBody, CancellationToken ct, bool idempotent = true)
    {
        using var message = _pipeline.CreateMessage();
        if (!idempotent) message.ResponseClassifier = ThrottlingOnlyClassifier.Instance;
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.Add("Accept", "application/json");
        if (jsonBody is not null)
        {
            message.Request.Headers.Add("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(BinaryData.FromString(jsonBody));
        }
        try
        {
            await _pipeline.SendAsync(message, ct);
        }
        catch (AuthenticationFailedException e)
        {
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.AzureAuthFailed,
                Message = Redactor.Redact($"could not get a token for {_service}: {FirstLine(e.Message)}"),
                NextStep = "Sign in (az login, Connect-AzAccount) or give the job runner a managed identity; pick the source with the credential setting (Default tries environment, workload identity, managed identity, Azure CLI, Azure PowerShell).",
            }, e);
        }
        // A network timeout surfaces as a cancellation that nobody requested.
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            var root = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[^1] : e;
            throw new MigrationException(ReasonCodes.AzureRequestFailed,
                $"{_service} did not answer {method} {uri.AbsolutePath}: {FirstLine(root.Message)}", e);
        }

        var response = message.Response;
        var result = new AzureResponse(response.Status, response.Content ?? BinaryData.Empty,
            Header(response, "x-ms-request-id") ?? Header(response, "request-id") ?? Header(response, "x-ms-correlation-request-id"),
            Header(response, "Location") is { } location ? new Uri(uri, location) : null,
            int.TryParse(Header(response, "Retry-After"), out var seconds) ? TimeSpan.FromSeconds(seconds) : null);
        if (result.Status is >= 200 and < 300) return result;
        throw Error(method, uri, result);
    }

    /// <summary>ARM's and Log Analytics' error envelope {"error":{"code","message","innererror"}} as a reason code.</summary>
    private MigrationException Error(RequestMethod method, Uri uri, AzureResponse response)
    {
        string? code = null, text = null;
        try
        {
            if (response.HasBody && response.Json() is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("error", out var error))
            {
                code = error.Str("code");
                text = error.Str("message");
                if (error.TryGetProperty("innererror", out var inner) && inner.ValueKind == JsonValueKind.Object && inner.Str("message") is { } innerText)
                    text = $"{text} ({inner.Str("code")}: {innerText})";
            }
        }
        catch (JsonException) { }
        text ??= response.HasBody ? response.Content.ToString() : "no error body";
        var reason = response.Status switch
        {
            401 or 403 => ReasonCodes.AzureAuthFailed,
            404 => ReasonCodes.AzureResourceNotFound,
            _ => ReasonCodes.AzureRequestFailed,
        };
        var requestId = response.RequestId is null ? "" : $"; x-ms-request-id {response.RequestId}";
        return new MigrationException(reason,
            $"{_service} answered {response.Status} {code ?? "(no code)"}: {FirstLine(text)} ({method} {uri.AbsolutePath}{requestId})");
    }

    private static string? Header(Response response, string name) => response.Headers.TryGetValue(name, out var value) ? value : null;

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static TokenCredential NewCredential(AzureSettings s)
    {
        var authority = s.Endpoints.AuthorityHost;
        return s.Credential switch
        {
            AzureCredentialKind.ManagedIdentity => new ManagedIdentityCredential(s.ManagedIdentityClientId is { } id
                ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned),
            AzureCredentialKind.AzureCli => new AzureCliCredential(new AzureCliCredentialOptions { TenantId = s.TenantId, AuthorityHost = authority }),
            AzureCredentialKind.AzurePowerShell => new AzurePowerShellCredential(new AzurePowerShellCredentialOptions { TenantId = s.TenantId, AuthorityHost = authority }),
            AzureCredentialKind.Environment => new EnvironmentCredential(new TokenCredentialOptions { AuthorityHost = authority }),
            AzureCredentialKind.WorkloadIdentity => new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions { TenantId = s.TenantId, AuthorityHost = authority }),
            _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                AuthorityHost = authority,
                TenantId = s.TenantId,
                ManagedIdentityClientId = s.ManagedIdentityClientId,
            }),
        };
    }

    private sealed class PipelineOptions : ClientOptions;

    /// <summary>For requests that must not run twice: retry only a 429, which ARM sends before doing anything.</summary>
    private sealed class ThrottlingOnlyClassifier : ResponseClassifier
    {
        public static readonly ThrottlingOnlyClassifier Instance = new();
        public override bool IsRetriableResponse(HttpMessage message) => message.Response.Status == 429;
        public override bool IsRetriableException(Exception exception) => false;
    }

    /// <summary>Registers every token it hands out, so no output can carry one.</summary>
    private sealed class RedactingCredential(TokenCredential inner) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext context, CancellationToken ct) => Register(inner.GetToken(context, ct));

        public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext context, CancellationToken ct) =>
            Register(await inner.GetTokenAsync(context, ct));

        private static AccessToken Register(AccessToken token)
        {
            Redactor.Register(token.Token);
            return token;
        }
    }
}
