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

    [Fact]
    public void Leaves_ordinary_text_alone()
    {
        const string text = "relation \"api_keys\" does not exist (42P01) at 003_add_indexes.sql:7";
        Assert.Equal(text, Redactor.Redact(text));
    }

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
