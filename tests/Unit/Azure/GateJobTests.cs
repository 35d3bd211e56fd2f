using System.Text.Json;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Azure;

/// <summary>A job the deploy gate refused: classified from the runner's result line, its findings in migration.json.</summary>
public class GateJobTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    private static JobLogEntry Row(int second, string stream, string message, string replica = "migrate-k3v9q2a-x7p2m") =>
        new(T0.AddSeconds(second), stream, replica, "migrate", message, "ContainerAppConsoleLogs_CL");

    // What MigrateRunner prints for a refused run in its human form (Runner.DeployGateTests asserts these lines).
    private static readonly JobLogEntry[] TextRun =
    [
        Row(1, "stdout", "gate     waived   002_index.sql:2:1 require-concurrent-index-creation [Blocked] index users_email_idx on existing table users is built while writes wait; waived at line 1: users has a dozen rows (docs/gate/require-concurrent-index-creation.md)"),
        Row(1, "stdout", "gate     refused  003_drop_legacy.sql:2:19 ban-drop-column [Contract] drops column users.legacy_name; this run does not allow the contract phase (docs/gate/ban-drop-column.md)"),
        Row(2, "stderr", "error POLICY_VIOLATION: the deploy gate refused 1 finding in 1 file; nothing was applied: 003_drop_legacy.sql:2 ban-drop-column (Contract)"),
        Row(2, "stdout", "result: failed reasonCode=POLICY_VIOLATION exitCode=24 at=003_drop_legacy.sql:2 applied=0 alreadyApplied=1 pending=2 elapsed=95ms"),
    ];

    [Fact]
    public void A_refused_run_is_classified_policy_violation_from_the_result_line_with_file_and_line()
    {
        var failure = JobFailureClassifier.Classify("migrate-k3v9q2a", "Failed", TextRun);
        Assert.Equal(ReasonCodes.PolicyViolation, failure.Reason);
        Assert.Equal(("003_drop_legacy.sql", 2), (failure.File, failure.Line));
        Assert.Contains("the deploy gate refused 1 finding", failure.Message);
    }

    [Fact]
    public void The_artifact_lists_every_finding_once_with_its_verdict_from_either_output_form()
    {
        const string json = """{"event":"gate.finding","ts":"2026-01-05T10:00:03Z","id":"004_backfill.sql","line":3,"column":1,"rule":"backfilling-existing-rows","class":"Backfill","verdict":"Refused","message":"updates rows of existing table users","because":"a backfill: move it","page":"docs/gate/backfilling-existing-rows.md","helpUri":"https://x/backfilling-existing-rows.md"}""";
        var retried = TextRun.Select(r => r with { Time = r.Time.AddMinutes(1), Replica = "migrate-k3v9q2a-retry" });
        var run = new JobRun
        {
            ResourceGroupName = "rg", JobName = "migrate", ExecutionName = "migrate-k3v9q2a", Status = "Failed", Summary = "failed",
            Logs = [.. TextRun, .. retried, Row(3, "stdout", "2026-01-05T10:00:03Z stdout F " + json)],
            Failure = JobFailureClassifier.Classify("migrate-k3v9q2a", "Failed", TextRun),
        };

        var artifact = JsonDocument.Parse(MigrationArtifact.ToJson(run, "4f2c1d9")).RootElement;

        Assert.Equal("POLICY_VIOLATION", artifact.GetProperty("reasonCode").GetString());
        var findings = artifact.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(["require-concurrent-index-creation", "ban-drop-column", "backfilling-existing-rows"], findings.Select(f => f.GetProperty("rule").GetString()));
        Assert.Equal(["Waived", "Refused", "Refused"], findings.Select(f => f.GetProperty("verdict").GetString()));
        Assert.Contains("waived at line 1: users has a dozen rows", findings[0].GetProperty("message").GetString());
        Assert.Equal(19, findings[1].GetProperty("column").GetInt32());
        Assert.Equal("docs/gate/ban-drop-column.md", findings[1].GetProperty("page").GetString());
        Assert.Equal("updates rows of existing table users; a backfill: move it", findings[2].GetProperty("message").GetString());
    }

    [Fact]
    public void A_run_with_no_gate_lines_has_an_empty_findings_list()
    {
        var run = new JobRun { ResourceGroupName = "rg", JobName = "migrate", Summary = "ok", Logs = [Row(1, "stdout", "result: succeeded applied=1 alreadyApplied=0 pending=0 elapsed=20ms")] };
        Assert.Equal(0, JsonDocument.Parse(MigrationArtifact.ToJson(run, "sha")).RootElement.GetProperty("findings").GetArrayLength());
    }
}
