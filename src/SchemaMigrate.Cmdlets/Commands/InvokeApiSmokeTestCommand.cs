using System.Management.Automation;
using System.Security;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure.Smoke;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets;

[Cmdlet(VerbsLifecycle.Invoke, "ApiSmokeTest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ScopeSet)]
[OutputType(typeof(ApiSmokeAssertion))]
public sealed class InvokeApiSmokeTestCommand : SchemaMigrateCmdlet
{
    private const string ScopeSet = "Scope";
    private const string TokenSet = "Token";

    /// <summary>The API's address after the rollout: https (http only for localhost), optionally with a path prefix.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri BaseUri { get; set; } = null!;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string HealthPath { get; set; } = ApiSmokeRequest.DefaultHealthPath;

    /// <summary>An endpoint that needs a token and answers 2xx to an authorized GET.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string ProbePath { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
    [ValidateNotNull]
    public SecureString Token { get; set; } = null!;

    /// <summary>The scope to get the token for from Azure.Identity, e.g. api://&lt;application id&gt;/.default.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScopeSet)]
    [ValidateNotNullOrEmpty]
    public string Scope { get; set; } = "";

    [Parameter(ParameterSetName = ScopeSet)]
    [ValidateSet("AzurePublic", "AzureUSGovernment", "AzureChina")]
    public string? Cloud { get; set; }

    [Parameter(ParameterSetName = ScopeSet)]
    [ValidateSet("Default", "ManagedIdentity", "AzureCli", "AzurePowerShell", "Environment", "WorkloadIdentity")]
    public string? CredentialSource { get; set; }

    [Parameter(ParameterSetName = ScopeSet)]
    [ValidateNotNullOrEmpty]
    public string? TenantId { get; set; }

    [Parameter(ParameterSetName = ScopeSet)]
    [ValidateNotNullOrEmpty]
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>How long the authorized call is retried while it answers 401 or 403; default 2min.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? RetryWindow { get; set; }

    /// <summary>How long each call may take to answer; default 30s.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? RequestTimeout { get; set; }

    /// <summary>The folder receiving &lt;sha&gt;/api-smoke.json; default .artifacts/deploy when -CommitSha is given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ArtifactPath { get; set; }

    /// <summary>The commit the release was built from; default GITHUB_SHA or BUILD_SOURCEVERSION when -ArtifactPath is given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CommitSha { get; set; }

    protected override void ProcessRecord()
    {
        ErrorTarget = Redactor.Redact(BaseUri.ToString());
        // ShouldProcess is asked by the engine through the operation sink, which turns a host that cannot prompt into CONFIRMATION_REQUIRED.
        Execute(() =>
        {
            var request = new ApiSmokeRequest(BaseUri, ProbePath)
            {
                HealthPath = HealthPath,
                Token = ParameterSetName == TokenSet ? Token : null,
                Scope = ParameterSetName == ScopeSet ? Scope : null,
                ArtifactPath = ArtifactFolder(ArtifactPath, CommitSha),
                CommitSha = CommitSha,
            };
            if (ParameterSetName == ScopeSet)
                request = request with
                {
                    Azure = new AzureParameters
                    {
                        Cloud = Cloud, CredentialSource = CredentialSource, TenantId = TenantId, ManagedIdentityClientId = ManagedIdentityClientId,
                    }.ToSettings(Environment.GetEnvironmentVariables()),
                };
            if (RetryWindow is { } window) request = request with { RetryWindow = window };
            if (RequestTimeout is { } timeout) request = request with { RequestTimeout = timeout };
            return new ApiSmokeOperation(request).RunAsync;
        });
    }
}
