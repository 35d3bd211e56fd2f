using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;

namespace SchemaMigrate.Cmdlets;

/// <summary>
/// Base of the job cmdlets: which Container Apps job (bound by property name from the cmdlets' own output, so
/// executions pipe from one to the next) and how to reach Azure. Parameters over SCHEMAMIGRATE_AZURE_* variables.
/// </summary>
public abstract class MigrationJobCmdlet : SchemaMigrateCmdlet
{
    // The engine's MigrationJobOperations, typed object: no engine type in a field of a class PowerShell reflects over.
    private object? _operations;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ResourceGroupName { get; set; } = "";

    /// <summary>The job's name; binds the JobName of piped executions.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobName")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Subscription id or name; default AZURE_SUBSCRIPTION_ID, else the only one the identity sees.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("SubscriptionId")]
    [ValidateNotNullOrEmpty]
    public string? Subscription { get; set; }

    [Parameter]
    [ValidateSet("AzurePublic", "AzureUSGovernment", "AzureChina")]
    public string? Cloud { get; set; }

    /// <summary>Where the token comes from; default SCHEMAMIGRATE_AZURE_CREDENTIAL, else Default (DefaultAzureCredential).</summary>
    [Parameter]
    [ValidateSet("Default", "ManagedIdentity", "AzureCli", "AzurePowerShell", "Environment", "WorkloadIdentity")]
    public string? CredentialSource { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TenantId { get; set; }

    /// <summary>Client id of a user-assigned managed identity.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The job; failures without an execution of their own target "resource group/job[/execution]".</summary>
    internal JobReference Job(string? executionName = null)
    {
        ErrorTarget = executionName is null ? $"{ResourceGroupName}/{Name}" : $"{ResourceGroupName}/{Name}/{executionName}";
        return new JobReference(ResourceGroupName, Name, Subscription);
    }

    /// <summary>One for all the executions piped in (how to reach Azure does not bind from them): the credential finds its token source once.</summary>
    internal MigrationJobOperations JobOperations() => (MigrationJobOperations)(_operations ??= new MigrationJobOperations(new AzureParameters
    {
        Cloud = Cloud, CredentialSource = CredentialSource, TenantId = TenantId, ManagedIdentityClientId = ManagedIdentityClientId,
    }.ToSettings(Environment.GetEnvironmentVariables())));
}
