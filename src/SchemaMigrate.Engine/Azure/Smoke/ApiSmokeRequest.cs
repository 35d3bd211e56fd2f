using System.Net.Security;
using System.Security;

namespace SchemaMigrate.Engine.Azure.Smoke;

/// <summary>Invoke-ApiSmokeTest's parameters: the API, its two endpoints, where the token comes from, how long to retry.</summary>
public sealed record ApiSmokeRequest(Uri BaseUri, string ProbePath)
{
    public const string DefaultHealthPath = "/health";

    /// <summary>Called without credentials; must answer 2xx.</summary>
    public string HealthPath { get; init; } = DefaultHealthPath;
    /// <summary>The bearer token of the authorized call. Registered with the Redactor; never written anywhere.</summary>
    public SecureString? Token { get; init; }
    /// <summary>Instead of <see cref="Token"/>: the scope to get one for from Azure.Identity (e.g. api://my-api/.default), through <see cref="Azure"/>'s credential source.</summary>
    public string? Scope { get; init; }
    public AzureSettings Azure { get; init; } = new();
    /// <summary>How long the authorized call is retried while it answers 401 or 403 (auth still propagating).</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How long one call may take to answer, its body included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Retries of a call that answers 408, 429 or 5xx, or does not answer; each call has its own.</summary>
    public int TransientRetries { get; init; } = 2;
    /// <summary>The first wait before a retry; each further wait doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>The folder that receives &lt;sha&gt;/api-smoke.json (default .artifacts/deploy).</summary>
    public string? ArtifactPath { get; init; }
    /// <summary>The commit the release was built from (default GITHUB_SHA or BUILD_SOURCEVERSION).</summary>
    public string? CommitSha { get; init; }

    public bool WritesArtifact => ArtifactPath is not null || CommitSha is not null;

    /// <summary>Test seam: the TLS options (e.g. trusting exactly the local fake's certificate).</summary>
    internal SslClientAuthenticationOptions? Tls { get; init; }
}
