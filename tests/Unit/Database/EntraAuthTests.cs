using System.Security.Cryptography;
using Azure.Core;
using Azure.Identity;
using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Database;

/// <summary>
/// --auth entra against a real PostgreSQL: a local role whose password is the access token our own credential
/// hands out, as Azure Database for PostgreSQL checks an Entra ID token.
/// </summary>
public class EntraAuthTests
{
    private sealed class IssuedTokens(TimeProvider time) : TokenCredential
    {
        public string Next { get; set; } = NewToken();
        public List<string> Scopes { get; } = [];
        public int Issued { get; private set; }
        public Exception? Failure { get; set; }

        public override AccessToken GetToken(TokenRequestContext request, CancellationToken ct)
        {
            if (Failure is not null) throw Failure;
            Scopes.AddRange(request.Scopes);
            Issued++;
            return new AccessToken(Next, time.GetUtcNow().AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext request, CancellationToken ct) => new(GetToken(request, ct));
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Recorder : IMigrationListener
    {
        public List<string> Lines { get; } = [];
        public void OnEvent(MigrationEvent e) => Lines.Add(RunnerJson.Event(e));
    }

    private static string NewToken() => "entra-token-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    [Fact]
    public async Task The_token_is_the_password_it_is_cached_and_refreshed_before_expiry_and_never_printed()
    {
        await using var db = await TestDatabase.CreateAsync();
        var role = "entra_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var clock = new Clock(DateTimeOffset.UtcNow);
        var tokens = new IssuedTokens(clock);
        var first = tokens.Next;
        await db.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{first}'; GRANT CREATE ON SCHEMA public TO {role}");
        using var folder = MigrationFolder.FromSamples();
        var settings = new MigrationSettings
        {
            // No password anywhere, and a new physical connection per open, so each open presents the current token.
            ConnectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role, Password = null, Pooling = false }.ConnectionString,
            MigrationsDirectory = folder.Path,
            Auth = AuthMode.Entra,
        };

        var events = new Recorder();
        var result = await new Migrator(settings, tokens).UpAsync(events);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal(3, (await db.JournalAsync()).Count);
        Assert.Equal(1, tokens.Issued); // the control and work connections shared one token
        Assert.Equal(["https://ossrdbms-aad.database.windows.net/.default"], tokens.Scopes);
        Assert.Contains($"as {role}", events.Lines[0] + events.Lines[1]);

        // The password rotates on the server; the data source keeps using its token until close to expiry ...
        await using var target = DatabaseTarget.Create(settings, tokens, clock);
        await (await target.OpenAsync(default)).DisposeAsync();
        Assert.Equal(2, tokens.Issued);
        var second = tokens.Next;
        tokens.Next = NewToken();
        await db.ExecuteAsync($"ALTER ROLE {role} PASSWORD '{tokens.Next}'");
        var stale = await Assert.ThrowsAsync<MigrationException>(() => target.OpenAsync(default));
        Assert.Equal(ReasonCodes.DbAuthFailed, stale.Reason);
        Assert.Equal(2, tokens.Issued);

        // ... and fetches a new one five minutes before it expires.
        clock.Now = clock.Now.AddMinutes(56);
        await (await target.OpenAsync(default)).DisposeAsync();
        Assert.Equal(3, tokens.Issued);

        var everything = string.Join("\n", events.Lines) + stale.Failure.Message + stale.Failure.Detail + stale.Failure.Hint;
        foreach (var token in new[] { first, second, tokens.Next }) Assert.DoesNotContain(token, everything);
        Assert.Equal(Redactor.Mask, Redactor.Redact(second));
    }

    [Fact]
    public async Task A_token_that_cannot_be_obtained_is_DB_AUTH_FAILED_with_advice_about_the_identity()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = MigrationFolder.FromSamples();
        var tokens = new IssuedTokens(TimeProvider.System) { Failure = new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable. No response from the IMDS endpoint.") };
        var settings = new MigrationSettings
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = "migrator@contoso", Password = null }.ConnectionString,
            MigrationsDirectory = folder.Path,
            Auth = AuthMode.Entra,
        };

        var result = await new Migrator(settings, tokens).UpAsync(NullListener.Instance);

        Assert.Equal(ReasonCodes.DbAuthFailed, result.Failure!.Reason);
        Assert.Contains("--auth entra: no Entra ID access token for", result.Failure.For(OptionNames.CommandLine).Message);
        Assert.Contains("No response from the IMDS endpoint", result.Failure.Message);
        Assert.Contains("AZURE_CLIENT_ID", result.Failure.Action);
        Assert.False(await db.TableExistsAsync("schema_migrations"));
    }
}
