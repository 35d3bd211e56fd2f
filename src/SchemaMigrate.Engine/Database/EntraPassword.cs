using Azure.Core;
using Azure.Identity;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Database;

/// <summary>
/// The password for Azure Database for PostgreSQL with Entra ID authentication: an access token for the
/// ossrdbms scope, cached and fetched again before it expires (at the token's refresh time, or five minutes
/// before expiry), so every new physical connection presents a valid token. Every token is registered with
/// the <see cref="Redactor"/> before it is used.
/// </summary>
internal sealed class EntraPassword(TokenCredential credential, TimeProvider time)
{
    public const string Scope = "https://ossrdbms-aad.database.windows.net/.default";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);
    private static readonly TokenRequestContext Request = new([Scope]);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AccessToken? _current;

    /// <summary>DefaultAzureCredential: environment, workload identity, managed identity (AZURE_CLIENT_ID picks a user-assigned one), then developer sign-ins.</summary>
    public static EntraPassword FromEnvironment() => new(new DefaultAzureCredential(), TimeProvider.System);

    public string Get()
    {
        if (Fresh() is { } token) return token;
        _gate.Wait();
        try
        {
            return Fresh() ?? Keep(credential.GetToken(Request, CancellationToken.None));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<string> GetAsync(CancellationToken ct)
    {
        if (Fresh() is { } token) return token;
        await _gate.WaitAsync(ct);
        try
        {
            return Fresh() ?? Keep(await credential.GetTokenAsync(Request, ct));
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Fresh() =>
        _current is { } t && time.GetUtcNow() < (t.RefreshOn ?? t.ExpiresOn - RefreshMargin) ? t.Token : null;

    private string Keep(AccessToken token)
    {
        Redactor.Register(token.Token);
        _current = token;
        return token.Token;
    }

    /// <summary>A token that could not be obtained, as DB_AUTH_FAILED with what to check about the identity.</summary>
    public static MigrationException? TranslateFailure(Exception e, string target)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is AuthenticationFailedException failed)
                return new MigrationException(new Failure
                {
                    Reason = ReasonCodes.DbAuthFailed,
                    Message = Redactor.Redact($"{{auth}} entra: no Entra ID access token for {target}: {failed.Message}"),
                    NextStep = "In the container job, assign a managed identity to it (set AZURE_CLIENT_ID to the client id of a user-assigned one); "
                               + "elsewhere sign in (az login, Connect-AzAccount) or set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET. "
                               + "The identity must also exist as a PostgreSQL role (pgaadauth_create_principal) named as the user in DB_CONN.",
                }, e);
        return null;
    }
}
