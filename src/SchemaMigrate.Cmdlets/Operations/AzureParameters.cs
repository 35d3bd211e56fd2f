using System.Collections;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets.Operations;

/// <summary>
/// How the job cmdlets reach Azure, by the rule the migration cmdlets follow: the environment
/// (SCHEMAMIGRATE_AZURE_*) first, parameters over it. Null means "not given".
/// </summary>
internal sealed record AzureParameters
{
    public string? Cloud { get; init; }
    public string? CredentialSource { get; init; }
    public string? TenantId { get; init; }
    public string? ManagedIdentityClientId { get; init; }

    public AzureSettings ToSettings(IDictionary environment)
    {
        var settings = AzureSettings.FromEnvironment(environment);
        return settings with
        {
            Cloud = Cloud is null ? settings.Cloud : AzureSettings.Parse<AzureCloud>(Cloud, "-Cloud"),
            Credential = CredentialSource is null ? settings.Credential : AzureSettings.Parse<AzureCredentialKind>(CredentialSource, "-CredentialSource"),
            TenantId = TenantId ?? settings.TenantId,
            ManagedIdentityClientId = ManagedIdentityClientId ?? settings.ManagedIdentityClientId,
        };
    }
}
