using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Diagnostics;

public class RedactorTests
{
    [Theory]
    [InlineData("Host=db;Username=app;Password=Sup3r;Database=x", "Sup3r")]
    [InlineData("postgres://app:p%40ss@db:5432/x", "p%40ss")]
    [InlineData("Authorization: Bearer abc.def-ghi", "abc.def-ghi")]
    [InlineData("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl end", "eyJhbGciOiJSUzI1NiJ9")]
    [InlineData("CREATE ROLE app LOGIN PASSWORD 'it''s secret'", "secret")]
    [InlineData("https://x.blob.core.windows.net/c?sv=1&sig=AbC%2Bd&se=2", "AbC%2Bd")]
    [InlineData("{\"client_secret\":\"shh-123\"}", "shh-123")]
    [InlineData("{\"refresh_token\": \"rt-4567\", \"user\": \"x\"}", "rt-4567")]
    [InlineData("{\"token\":\"tk-4567\"}", "tk-4567")]
    [InlineData("{\"apiKey\":\"ak-4567\"}", "ak-4567")]
    [InlineData("https://api.example.com/cb?id_token=it-4567&state=1", "it-4567")]
    // Keys in a URL's query: an Azure Functions key (code), API keys under their usual names, SAS and OAuth tokens.
    [InlineData("GET https://fn.azurewebsites.net/api/me?code=fk-4567==&v=1 answered 200", "fk-4567")]
    [InlineData("https://api.example.com/api/me?v=1&key=k-4567", "k-4567")]
    [InlineData("https://api.example.com/api/me?subscription-key=sk-4567", "sk-4567")]
    [InlineData("https://api.example.com/api/me?api_key=ak-4567&v=1", "ak-4567")]
    [InlineData("https://api.example.com/api/me?apikey=ak-4567", "ak-4567")]
    [InlineData("https://api.example.com/api/me?access_token=at-4567", "at-4567")]
    [InlineData("https://api.example.com/api/me?token=tk-4567", "tk-4567")]
    [InlineData("https://api.example.com/api/me?sig=sg-4567", "sg-4567")]
    [InlineData("Set-Cookie: session=s-4567; Path=/; HttpOnly", "s-4567")]
    [InlineData("{\"cookie\":\"ARRAffinity=aff-4567; session=s-4567\"}", "s-4567")]
    public void Masks_secret_shaped_text_without_knowing_the_value(string text, string secret)
    {
        var redacted = Redactor.Redact(text);
        Assert.DoesNotContain(secret, redacted);
        Assert.Contains(Redactor.Mask, redacted);
    }

    [Fact]
    public void Masks_registered_values_anywhere()
    {
        var secret = "reg-" + Guid.NewGuid().ToString("N");
        Redactor.Register(secret);
        Assert.Equal("failed for *** twice: ***", Redactor.Redact($"failed for {secret} twice: {secret}"));
    }

    [Theory]
    [InlineData("relation \"api_keys\" does not exist (42P01) at 003_add_indexes.sql:7")]
    [InlineData("the authorized call needs a token: pass -Token or -Scope")]
    // Why a bearer token was refused is an auth-param, not a token: it stays readable for triage.
    [InlineData("Bearer error=\"invalid_token\", error_description=\"The audience 'api://x' is invalid\"")]
    [InlineData("Bearer realm=\"fake-api\"")]
    [InlineData("{\"error\":\"unauthorized\",\"message\":\"a bearer token is required\"}")]
    // "code" and "key" are secrets only as a URL's query parameters.
    [InlineData("psql exited with code=2 after 3s; the primary key=id is kept")]
    [InlineData("https://api.example.com/api/me?v=2&monkey=1")]
    public void Leaves_ordinary_text_alone(string text) => Assert.Equal(text, Redactor.Redact(text));

    [Fact]
    public void The_exception_message_of_a_failure_is_redacted_whoever_built_the_failure()
    {
        var secret = "conn-pw-" + Guid.NewGuid().ToString("N");
        Redactor.Register(secret);
        var e = new MigrationException(new Failure { Reason = ReasonCodes.JobExecutionFailed, Message = $"log said Password={secret} and {secret}" });
        Assert.DoesNotContain(secret, e.Message);
        Assert.Contains("log said", e.Message);
    }
}
