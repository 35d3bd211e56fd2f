using System.Collections;
using Azure.Core;
using Azure.Core.Pipeline;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>The Azure cloud whose Resource Manager, Log Analytics and Entra ID endpoints the clients use.</summary>
public enum AzureCloud
{
    AzurePublic,
    AzureUSGovernment,
    AzureChina,
}

/// <summary>Where the Azure clients get their tokens.</summary>
public enum AzureCredentialKind
{
    /// <summary>DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, Azure PowerShell, ...</summary>
    Default,
    ManagedIdentity,
    AzureCli,
    AzurePowerShell,
    /// <summary>A service principal from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or a certificate).</summary>
    Environment,
    WorkloadIdentity,
}

/// <summary>How the engine talks to Azure. Only BCL types are public; the test seam is internal.</summary>
public sealed record AzureSettings
{
    public AzureCloud Cloud { get; init; } = AzureCloud.AzurePublic;
    public AzureCredentialKind Credential { get; init; } = AzureCredentialKind.Default;
    /// <summary>Client id of a user-assigned managed identity (Default and ManagedIdentity).</summary>
    public string? ManagedIdentityClientId { get; init; }
    public string? TenantId { get; init; }
    /// <summary>Replaces the cloud's Resource Manager address (tests, private endpoints); the token audience stays the cloud's.</summary>
    public Uri? ResourceManagerEndpoint { get; init; }
    /// <summary>Replaces the cloud's Log Analytics query address.</summary>
    public Uri? LogAnalyticsEndpoint { get; init; }
    /// <summary>Retries of a throttled (429) or failed (5xx, network) request; each waits at least the server's Retry-After.</summary>
    public int MaxRetries { get; init; } = 5;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(0.8);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The defaults a pipeline sets once: SCHEMAMIGRATE_AZURE_CLOUD, SCHEMAMIGRATE_AZURE_CREDENTIAL,
    /// SCHEMAMIGRATE_AZURE_TENANT_ID and SCHEMAMIGRATE_AZURE_MANAGED_IDENTITY_CLIENT_ID (the subscription defaults to
    /// AZURE_SUBSCRIPTION_ID when it is resolved), and the endpoint overrides SCHEMAMIGRATE_AZURE_RESOURCE_MANAGER_ENDPOINT
    /// and SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT (https only; the token audience stays the cloud's). Azure.Identity
    /// reads its own AZURE_* variables as usual.
    /// </summary>
    public static AzureSettings FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Get(string name) => environment[name] is string s && s.Trim().Length > 0 ? s.Trim() : null;
        var settings = new AzureSettings
        {
            TenantId = Get("SCHEMAMIGRATE_AZURE_TENANT_ID"),
            ManagedIdentityClientId = Get("SCHEMAMIGRATE_AZURE_MANAGED_IDENTITY_CLIENT_ID"),
            ResourceManagerEndpoint = Endpoint(Get("SCHEMAMIGRATE_AZURE_RESOURCE_MANAGER_ENDPOINT"), "SCHEMAMIGRATE_AZURE_RESOURCE_MANAGER_ENDPOINT"),
            LogAnalyticsEndpoint = Endpoint(Get("SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT"), "SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT"),
        };
        if (Get("SCHEMAMIGRATE_AZURE_CLOUD") is { } cloud) settings = settings with { Cloud = Parse<AzureCloud>(cloud, "SCHEMAMIGRATE_AZURE_CLOUD") };
        if (Get("SCHEMAMIGRATE_AZURE_CREDENTIAL") is { } credential) settings = settings with { Credential = Parse<AzureCredentialKind>(credential, "SCHEMAMIGRATE_AZURE_CREDENTIAL") };
        return settings;
    }

    /// <summary>A cloud or credential name as <paramref name="source"/> gave it; INVALID_ARGUMENT listing the names otherwise.</summary>
    public static T Parse<T>(string text, string source) where T : struct, Enum =>
        Enum.GetNames<T>().FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name ? Enum.Parse<T>(name)
            : throw new MigrationException(ReasonCodes.InvalidArgument, $"{source}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}.");

    /// <summary>A bearer token only ever travels over https.</summary>
    private static Uri? Endpoint(string? text, string source) =>
        text is null ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps ? uri
        : throw new MigrationException(ReasonCodes.InvalidArgument, $"{source}: '{text}' is not an https address.");

    /// <summary>Test seam: the HTTP transport (e.g. one that trusts exactly the local fake's certificate).</summary>
    internal HttpPipelineTransport? Transport { get; init; }
    /// <summary>Test seam: a credential used instead of <see cref="Credential"/>.</summary>
    internal TokenCredential? TokenCredential { get; init; }

    internal CloudEndpoints Endpoints
    {
        get
        {
            var cloud = CloudEndpoints.For(Cloud);
            return cloud with
            {
                ResourceManager = ResourceManagerEndpoint ?? cloud.ResourceManager,
                LogAnalytics = LogAnalyticsEndpoint ?? cloud.LogAnalytics,
            };
        }
    }
}

/// <summary>A cloud's hosts and token scopes (reference §0).</summary>
internal sealed record CloudEndpoints(Uri ResourceManager, string ResourceManagerScope, Uri LogAnalytics, string LogAnalyticsScope, Uri AuthorityHost)
{
    public static CloudEndpoints For(AzureCloud cloud) => cloud switch
    {
        AzureCloud.AzureUSGovernment => new(new Uri("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default",
            new Uri("https://api.loganalytics.us"), "https://api.loganalytics.us/.default", new Uri("https://login.microsoftonline.us")),
        AzureCloud.AzureChina => new(new Uri("https://management.chinacloudapi.cn"), "https://management.chinacloudapi.cn/.default",
            new Uri("https://api.loganalytics.azure.cn"), "https://api.loganalytics.azure.cn/.default", new Uri("https://login.chinacloudapi.cn")),
        _ => new(new Uri("https://management.azure.com"), "https://management.azure.com/.default",
            new Uri("https://api.loganalytics.io"), "https://api.loganalytics.io/.default", new Uri("https://login.microsoftonline.com")),
    };
}
