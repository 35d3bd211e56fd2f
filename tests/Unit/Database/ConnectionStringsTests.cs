using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Database;

public class ConnectionStringsTests
{
    [Fact]
    public void Parses_a_libpq_uri()
    {
        var b = ConnectionStrings.Parse("postgresql://mig%40rator:p%3Ass@db.example.com:6432/app?sslmode=require&application_name=deploy");
        Assert.Equal("mig@rator", b.Username);
        Assert.Equal("p:ss", b.Password);
        Assert.Equal("db.example.com", b.Host);
        Assert.Equal(6432, b.Port);
        Assert.Equal("app", b.Database);
        Assert.Equal(Npgsql.SslMode.Require, b.SslMode);
        Assert.Equal("deploy", b.ApplicationName);
    }

    [Fact]
    public void Describe_never_shows_the_password()
    {
        var b = ConnectionStrings.Parse("Host=db;Port=5433;Database=app;Username=u;Password=hunter22");
        Assert.Equal("db:5433/app as u", ConnectionStrings.Describe(b));
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("Host=db;Frobnicate=1;Password=hunter33", "not a valid connection string")]
    [InlineData("postgres://u:hunter44@db/app?bogus=1", "'bogus' is not supported")]
    [InlineData("postgres://u:hunter45@db:notaport/app", "host 'db:notaport' has port 'notaport'")]
    [InlineData("Host=db;Port=99999;Password=hunter46", "port 99999 is not between 1 and 65535")]
    [InlineData("postgres://u:hunter47@db/app?sslmode=bogus", "sslmode='bogus' is not one of")]
    [InlineData("postgres://u:hunter48@db/app?connect_timeout=soon", "connect_timeout='soon' is not a whole number")]
    [InlineData("Username=u;Password=hunter49;Database=app", "no host is given")]
    public void Bad_values_are_invalid_arguments_that_do_not_echo_the_password(string? value, string message)
    {
        var e = Assert.Throws<MigrationException>(() => ConnectionStrings.Parse(value));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain("hunter", e.Message);
    }

    [Fact]
    public void A_string_pasted_twice_is_refused_and_both_of_its_passwords_are_masked_from_then_on()
    {
        var first = "first-" + Guid.NewGuid().ToString("N");
        var second = "second-" + Guid.NewGuid().ToString("N");
        var e = Assert.Throws<MigrationException>(() => ConnectionStrings.Parse($"Host=db;Password={first};Username=u;Password={second}"));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Contains("given twice", e.Message);
        Assert.Equal("a *** b ***", Redactor.Redact($"a {first} b {second}"));
    }
}
