using SchemaMigrate.Cmdlets;
using SchemaMigrate.Cmdlets.Operations;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>The deploy gate through Invoke-SchemaMigration's and Test-SchemaMigration's host-free operations, on a real PostgreSQL.</summary>
public class GateOperationTests
{
    private static MigrationFolder Folder() => new MigrationFolder()
        .Add("001_users.sql", "CREATE TABLE users (id int PRIMARY KEY, legacy text);")
        .Add("002_drop.sql", "-- schemamigrate:contract\nALTER TABLE users DROP COLUMN legacy;");

    private static MigrationSettings Settings(string? connection, MigrationFolder folder, params string[] allow) =>
        new SettingsParameters { ConnectionString = connection, Path = folder.Path, Allow = allow.Length == 0 ? null : allow }
            .ToSettings(new Dictionary<string, string>(), p => p);

    [Fact]
    public async Task Invoke_refuses_a_contract_file_with_warnings_per_finding_and_a_recommended_action_naming_the_page()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = Folder();
        await new ApplyOperation(Settings(db.ConnectionString, folder) with { TargetId = "001_users.sql" }, passThru: false, whatIf: false).RunAsync(new RecordingSink { Answer = _ => true }, default);
        var sink = new RecordingSink { Answer = _ => true };

        var e = await Assert.ThrowsAsync<MigrationException>(() => new ApplyOperation(Settings(db.ConnectionString, folder), passThru: false, whatIf: false).RunAsync(sink, default));

        Assert.Equal(ReasonCodes.PolicyViolation, e.Reason);
        Assert.StartsWith("Read docs/gate/phase-not-allowed.md", e.Failure.Action);
        Assert.Contains(sink.Warnings, w => w.StartsWith("refused  002_drop.sql:2:19 ban-drop-column [Contract]"));
        Assert.Empty(sink.Questions); // refused before anything is offered for confirmation
        Assert.Equal(["001_users.sql"], (await db.JournalAsync()).Select(j => j.Id));
    }

    [Fact]
    public async Task Invoke_with_Allow_Contract_applies_the_declared_contract_file()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = Folder();
        await new ApplyOperation(Settings(db.ConnectionString, folder) with { TargetId = "001_users.sql" }, passThru: false, whatIf: false).RunAsync(new RecordingSink { Answer = _ => true }, default);
        var sink = new RecordingSink { Answer = _ => true };

        await new ApplyOperation(Settings(db.ConnectionString, folder, "Contract"), passThru: false, whatIf: false).RunAsync(sink, default);

        Assert.Equal(2, (await db.JournalAsync()).Count);
        Assert.Contains(sink.Verbose, v => v.StartsWith("allowed  002_drop.sql:2:19 ban-drop-column"));
    }

    [Fact]
    public async Task Test_reports_what_the_gate_would_refuse_as_policy_violation_errors_and_findings_on_each_result()
    {
        using var folder = Folder().Add("003_index.sql", "CREATE INDEX users_legacy_idx ON users (legacy);");
        var sink = new RecordingSink();

        await new TestOperation(Settings(null, folder), verify: false, devDatabase: null, appliedThrough: "001_users.sql").RunAsync(sink, default);

        var errors = sink.Errors.Select(e => (e.Failure.Reason, (string)e.Target, e.Failure.Line)).ToList();
        Assert.Contains((ReasonCodes.PolicyViolation, "002_drop.sql", 1), errors);
        Assert.Contains((ReasonCodes.PolicyViolation, "003_index.sql", 1), errors);
        var results = sink.Written<SchemaMigrationTestResult>();
        Assert.True(results[0].GatePassed);
        Assert.Empty(results[0].Findings);
        var drop = results[1].Findings.Single(f => f.RuleId == "ban-drop-column");
        Assert.Equal(("Contract", "Refused", 2, 19), (drop.Class, drop.Verdict, drop.Line, drop.Column));
        Assert.EndsWith("/docs/gate/ban-drop-column.md", drop.HelpUri);
        Assert.False(results[2].GatePassed);
        Assert.All(results, r => Assert.True(r.Valid));

        var allowed = new RecordingSink();
        await new TestOperation(Settings(null, folder, "Contract"), verify: false, devDatabase: null, appliedThrough: "002_drop.sql").RunAsync(allowed, default);
        Assert.Equal(["003_index.sql"], allowed.Errors.Select(e => (string)e.Target));
    }
}
