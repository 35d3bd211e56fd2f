using System.Collections;
using SchemaMigrate.Cmdlets.Hosting;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>How cmdlet parameters become engine settings, durations and error text.</summary>
public class ParameterAndTextTests
{
    private static readonly Func<string, string> UnderBase = p => Path.IsPathRooted(p) ? p : "/base/" + p;

    [Fact]
    public void The_environment_gives_the_defaults_and_parameters_override_them()
    {
        IDictionary environment = new Dictionary<string, string>
        {
            ["DB_CONN"] = "Host=env-host;Database=app",
            ["MIGRATIONS_DIR"] = "ops/migrations",
            ["SCHEMAMIGRATE_LOCK_TIMEOUT"] = "10s",
            ["SCHEMAMIGRATE_STRICT"] = "true",
        };

        var fromEnvironment = new SettingsParameters().ToSettings(environment, UnderBase);
        var overridden = new SettingsParameters
        {
            Path = "other", ConnectionString = "Host=param-host", UserName = "migrator", Password = "pa55-word-param",
            Auth = "entra", To = "002_b.sql", LockTimeout = TimeSpan.FromSeconds(1), LockWait = TimeSpan.FromMinutes(5), LockRetries = 0,
        }.ToSettings(environment, UnderBase);

        Assert.Equal("/base/ops/migrations", fromEnvironment.MigrationsDirectory);
        Assert.Equal("Host=env-host;Database=app", fromEnvironment.ConnectionString);
        Assert.Equal(TimeSpan.FromSeconds(10), fromEnvironment.LockTimeout);
        Assert.True(fromEnvironment.Strict);
        Assert.Equal(AuthMode.Password, fromEnvironment.Auth);

        Assert.Equal("/base/other", overridden.MigrationsDirectory);
        Assert.Equal("Host=param-host", overridden.ConnectionString);
        Assert.Equal(("migrator", "pa55-word-param"), (overridden.Username, overridden.Password));
        Assert.Equal(AuthMode.Entra, overridden.Auth);
        Assert.Equal("002_b.sql", overridden.TargetId);
        Assert.Equal(TimeSpan.FromSeconds(1), overridden.LockTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), overridden.LockWait);
        Assert.Equal(3, fromEnvironment.LockRetries);
        Assert.Equal(0, overridden.LockRetries);
        Assert.Equal(Redactor.Mask, Redactor.Redact("pa55-word-param"));
    }

    [Fact]
    public void The_journal_schema_and_table_come_from_the_environment_and_parameters_override_them_exactly_as_written()
    {
        IDictionary environment = new Dictionary<string, string> { ["SCHEMAMIGRATE_JOURNAL_SCHEMA"] = "ops", ["SCHEMAMIGRATE_JOURNAL_TABLE"] = "journal" };

        var defaults = new SettingsParameters().ToSettings(new Hashtable(), UnderBase);
        var fromEnvironment = new SettingsParameters().ToSettings(environment, UnderBase);
        var overridden = new SettingsParameters { JournalSchema = "Deploy Log", JournalTable = "Applied" }.ToSettings(environment, UnderBase);

        Assert.Equal((null, "schema_migrations"), (defaults.JournalSchema, defaults.JournalTable));
        Assert.Equal(("ops", "journal"), (fromEnvironment.JournalSchema, fromEnvironment.JournalTable));
        Assert.Equal(("Deploy Log", "Applied"), (overridden.JournalSchema, overridden.JournalTable));
        Assert.Equal("schemamigrate_progress", MigrationSettings.ProgressTableFor(defaults.JournalTable));
        Assert.Equal("Applied_progress", MigrationSettings.ProgressTableFor(overridden.JournalTable));
    }

    [Theory]
    [InlineData("SCHEMAMIGRATE_JOURNAL_SCHEMA", "a_schema_name_that_postgresql_would_silently_cut_at_sixty_three_b", "is not a usable PostgreSQL name")]
    [InlineData("SCHEMAMIGRATE_JOURNAL_TABLE", "a_journal_name_that_is_far_too_long_for_its_progress_table_xx", "must fit in 63 bytes")]
    public void A_journal_name_PostgreSQL_would_cut_is_an_invalid_argument_naming_its_setting(string variable, string value, string message)
    {
        var e = Assert.Throws<MigrationException>(() => MigrationSettings.FromEnvironment(new Hashtable { [variable] = value }));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.StartsWith(variable + ": ", e.Message);
        Assert.Contains(message, e.Message);
        var parameter = Assert.Throws<MigrationException>(() => new SettingsParameters { JournalTable = new string('j', 60) }.ToSettings(new Hashtable(), UnderBase));
        Assert.StartsWith("-JournalTable: ", parameter.Message);
    }

    [Fact]
    public void An_unknown_auth_mode_is_an_invalid_argument()
    {
        var e = Assert.Throws<MigrationException>(() => new SettingsParameters { Auth = "kerberos" }.ToSettings(new Hashtable(), UnderBase));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Contains("-Auth", e.Message);
    }

    [Fact]
    public void Azure_settings_come_from_SCHEMAMIGRATE_AZURE_variables_and_parameters_override_them()
    {
        IDictionary environment = new Dictionary<string, string>
        {
            ["SCHEMAMIGRATE_AZURE_CLOUD"] = "azureusgovernment",
            ["SCHEMAMIGRATE_AZURE_CREDENTIAL"] = "ManagedIdentity",
            ["SCHEMAMIGRATE_AZURE_TENANT_ID"] = "tenant-from-env",
            ["SCHEMAMIGRATE_AZURE_MANAGED_IDENTITY_CLIENT_ID"] = " client-from-env ",
            ["SCHEMAMIGRATE_AZURE_RESOURCE_MANAGER_ENDPOINT"] = "https://arm.stack.example:8443/",
        };

        var fromEnvironment = new AzureParameters().ToSettings(environment);
        var overridden = new AzureParameters { Cloud = "AzureChina", CredentialSource = "AzureCli", TenantId = "tenant-param", ManagedIdentityClientId = "client-param" }
            .ToSettings(environment);
        var defaults = new AzureParameters().ToSettings(new Hashtable());

        Assert.Equal((AzureCloud.AzureUSGovernment, AzureCredentialKind.ManagedIdentity, "tenant-from-env", "client-from-env"),
            (fromEnvironment.Cloud, fromEnvironment.Credential, fromEnvironment.TenantId, fromEnvironment.ManagedIdentityClientId));
        Assert.Equal((AzureCloud.AzureChina, AzureCredentialKind.AzureCli, "tenant-param", "client-param"),
            (overridden.Cloud, overridden.Credential, overridden.TenantId, overridden.ManagedIdentityClientId));
        Assert.Equal((AzureCloud.AzurePublic, AzureCredentialKind.Default, null, null),
            (defaults.Cloud, defaults.Credential, defaults.TenantId, defaults.ManagedIdentityClientId));
        // An endpoint override replaces the host only: tokens are still asked for the cloud's audience.
        Assert.Equal(new Uri("https://arm.stack.example:8443/"), fromEnvironment.Endpoints.ResourceManager);
        Assert.Equal("https://management.usgovcloudapi.net/.default", fromEnvironment.Endpoints.ResourceManagerScope);
        Assert.Equal(new Uri("https://api.loganalytics.us"), fromEnvironment.Endpoints.LogAnalytics);
        Assert.Null(defaults.ResourceManagerEndpoint);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("management.example")]
    public void An_endpoint_override_must_be_an_https_address(string value)
    {
        var e = Assert.Throws<MigrationException>(() => AzureSettings.FromEnvironment(new Hashtable { ["SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT"] = value }));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Equal($"SCHEMAMIGRATE_AZURE_LOG_ANALYTICS_ENDPOINT: '{value}' is not an https address.", e.Message);
    }

    [Theory]
    [InlineData("SCHEMAMIGRATE_AZURE_CLOUD", "AzureCloud", "AzurePublic, AzureUSGovernment, AzureChina")]
    [InlineData("SCHEMAMIGRATE_AZURE_CREDENTIAL", "1", "Default, ManagedIdentity, AzureCli")]
    public void An_unknown_cloud_or_credential_source_is_an_invalid_argument_naming_the_variable_and_the_choices(string variable, string value, string choices)
    {
        var e = Assert.Throws<MigrationException>(() => new AzureParameters().ToSettings(new Hashtable { [variable] = value }));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.StartsWith($"{variable}: '{value}' is not one of {choices}", e.Message);
    }

    public static TheoryData<object, TimeSpan> Durations => new()
    {
        { "5s", TimeSpan.FromSeconds(5) },
        { "500ms", TimeSpan.FromMilliseconds(500) },
        { "2min", TimeSpan.FromMinutes(2) },
        { "0", TimeSpan.Zero },
        { 30, TimeSpan.FromSeconds(30) },
        { 1.5, TimeSpan.FromSeconds(1.5) },
        { "00:00:07", TimeSpan.FromSeconds(7) },
        { TimeSpan.FromHours(1), TimeSpan.FromHours(1) },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void Durations_take_the_runners_forms_seconds_and_timespans(object value, TimeSpan expected)
    {
        Assert.Equal(expected, DurationArgument.Parse(value));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData(-1)]
    [InlineData(null)]
    public void Anything_else_is_refused_with_the_accepted_forms(object? value)
    {
        var e = Assert.Throws<MigrationException>(() => DurationArgument.Parse(value));
        Assert.Equal(ReasonCodes.InvalidArgument, e.Reason);
        Assert.Contains("use e.g. 5s, 500ms, 2min", e.Message);
    }

    [Fact]
    public void Error_text_carries_statement_detail_hint_and_context_and_no_secret()
    {
        Redactor.Register("hunter2-but-longer");
        var failure = new Failure
        {
            Reason = ReasonCodes.SqlApplyFailed,
            Message = "004_x.sql:7: P0001 boom",
            Statement = "SELECT f(1);\nSELECT 'hunter2-but-longer';\nSELECT 3;\nSELECT 4;",
            Detail = "the detail",
            Hint = "the hint",
            Where = "PL/pgSQL function f(integer) line 3 at RAISE",
        };

        var lines = FailureText.Describe(failure).Split(Environment.NewLine);

        Assert.Equal("004_x.sql:7: P0001 boom", lines[0]);
        Assert.Equal("statement: SELECT f(1);", lines[1]);
        Assert.Equal("           SELECT '***';", lines[2]);
        Assert.EndsWith("SELECT 3; ...", lines[3]);
        Assert.Equal(["detail: the detail", "hint: the hint", "where: PL/pgSQL function f(integer) line 3 at RAISE"], lines[4..]);
    }

    private sealed record FutureEvent(string Detail) : MigrationEvent("future.event");

    [Fact]
    public void Event_kinds_the_module_does_not_know_yet_are_reported_not_dropped()
    {
        var sink = new RecordingSink();
        new SinkListener(sink, passThru: true, confirm: true).OnEvent(new FutureEvent("resumed at statement 3"));

        Assert.Contains(sink.Verbose, v => v.StartsWith("future.event: ") && v.Contains("resumed at statement 3"));
        Assert.Empty(sink.Objects);
    }

    [Fact]
    public void Job_events_reach_the_verbose_warning_and_progress_streams_and_the_progress_bar_is_closed()
    {
        var sink = new RecordingSink();
        var listener = new JobSinkListener(sink);

        listener.OnEvent(new JobNote("started execution migrate-k3v9q2a of job migrate (acr.test/app:1.0.0)"));
        listener.OnEvent(new JobStatusChanged("migrate-k3v9q2a", new JobStatusChange("Running", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(216))));
        listener.OnEvent(new JobProgress("Migration job migrate", "migrate-k3v9q2a: Running", TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30)));
        listener.OnEvent(new JobProgress("Migration job migrate", "migrate-k3v9q2a: Running", TimeSpan.FromMinutes(31), TimeSpan.FromMinutes(30)));
        listener.OnEvent(new JobWarning("job migrate runs 3 replicas in parallel"));
        listener.Complete();

        Assert.Equal(["started execution migrate-k3v9q2a of job migrate (acr.test/app:1.0.0)", "migrate-k3v9q2a: Running after 216ms"], sink.Verbose);
        Assert.Equal(["job migrate runs 3 replicas in parallel"], sink.Warnings);
        Assert.Equal([50, 99, 100], sink.Progress.Select(p => p.PercentComplete));
        Assert.Equal([false, false, true], sink.Progress.Select(p => p.Completed));
        Assert.All(sink.Progress, p => Assert.Equal("Migration job migrate", p.Activity));

        var quiet = new RecordingSink();
        new JobSinkListener(quiet).Complete();
        Assert.Empty(quiet.Progress);
    }

    [Fact]
    public void Lock_waits_retries_and_resumes_reach_the_operator_as_warnings()
    {
        var sink = new RecordingSink();
        var listener = new SinkListener(sink, passThru: false, confirm: false);

        listener.OnEvent(new LockWaiting("public.schema_migrations", "held by pid 4242 (SchemaMigrate/ci/17)", TimeSpan.FromMinutes(2)));
        listener.OnEvent(new MigrationRetrying("004_x.sql", 1, 3, TimeSpan.FromSeconds(1), "004_x.sql:2: 55P03 lock timeout"));
        listener.OnEvent(new MigrationResuming("005_y.sql", 2, 3, "an earlier run stopped after a statement"));
        listener.OnEvent(new StatementApplied("005_y.sql", 2, 3, 7, TimeSpan.FromMilliseconds(12)));

        Assert.Equal(3, sink.Warnings.Count);
        Assert.Contains("waiting up to 2min for the migration lock on public.schema_migrations, held by pid 4242", sink.Warnings[0]);
        Assert.Contains("004_x.sql: retry 1/3", sink.Warnings[1]);
        Assert.Contains("resuming 005_y.sql at statement 2/3", sink.Warnings[2]);
        Assert.Contains(sink.Verbose, v => v.StartsWith("statement 2/3 (line 7) of 005_y.sql"));
        Assert.Contains(sink.Progress, p => p.Status == "Waiting for the migration lock");
        Assert.DoesNotContain(sink.Verbose, v => v.Contains(": Lock"));
    }
}
