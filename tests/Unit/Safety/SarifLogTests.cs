using System.Text.Json;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Tests.Safety;

/// <summary>
/// lint's SARIF against the required properties of SARIF 2.1.0 (OASIS, sarif-v2.1.0-os): sarifLog needs version
/// "2.1.0" and runs; run needs tool; tool needs driver; toolComponent needs name; reportingDescriptor needs id;
/// result needs message (with text); region line and column numbers are 1-based; ruleIndex points into driver.rules.
/// </summary>
public class SarifLogTests
{
    private static JsonElement Log(GateReport report, IReadOnlyList<Failure>? invalid = null) =>
        JsonDocument.Parse(SarifLog.Write(report.Findings, invalid ?? [], id => "ops/migrations/" + id, "1.2.3")).RootElement;

    [Fact]
    public void The_log_has_every_property_sarif_2_1_0_requires_and_rules_carry_help_and_their_page()
    {
        var report = GateHarness.Judge(GateHarness.Quiet, [("001_users.sql", "CREATE TABLE users (id int, legacy text);")],
            ("002_x.sql", "-- schemamigrate:allow require-concurrent-index-creation 40 rows\nALTER TABLE users DROP COLUMN legacy;\nCREATE INDEX i ON users (id);"));
        var invalid = new Failure { Reason = ReasonCodes.MigrationInvalid, Message = "003_y.sql:2: unterminated string", File = "003_y.sql", Line = 2 };
        var log = Log(report, [invalid]);

        Assert.Equal("2.1.0", log.GetProperty("version").GetString());
        var run = Assert.Single(log.GetProperty("runs").EnumerateArray());
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("SchemaMigrate", driver.GetProperty("name").GetString());
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(GateRules.All.Count + 1, rules.Count);
        foreach (var rule in rules)
        {
            Assert.False(string.IsNullOrEmpty(rule.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrEmpty(rule.GetProperty("help").GetProperty("text").GetString()));
            Assert.StartsWith("https://", rule.GetProperty("helpUri").GetString());
            Assert.Contains(rule.GetProperty("defaultConfiguration").GetProperty("level").GetString(), new[] { "error", "warning", "note" });
        }
        var dropRule = rules.Single(r => r.GetProperty("id").GetString() == "ban-drop-column");
        Assert.Equal(GateRules.DocsBaseUri + "ban-drop-column.md", dropRule.GetProperty("helpUri").GetString());

        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(report.Findings.Count + 1, results.Count);
        foreach (var result in results)
        {
            Assert.False(string.IsNullOrEmpty(result.GetProperty("message").GetProperty("text").GetString()));
            var index = result.GetProperty("ruleIndex").GetInt32();
            Assert.Equal(rules[index].GetProperty("id").GetString(), result.GetProperty("ruleId").GetString());
            var location = Assert.Single(result.GetProperty("locations").EnumerateArray()).GetProperty("physicalLocation");
            Assert.StartsWith("ops/migrations/", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.True(location.GetProperty("region").GetProperty("startLine").GetInt32() >= 1);
            Assert.True(location.GetProperty("region").GetProperty("startColumn").GetInt32() >= 1);
            Assert.Contains(result.GetProperty("level").GetString(), new[] { "error", "warning", "note", "none" });
        }

        var drop = results.Single(r => r.GetProperty("ruleId").GetString() == "ban-drop-column");
        Assert.Equal("error", drop.GetProperty("level").GetString());
        Assert.Equal(2, drop.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
        var waived = results.Single(r => r.GetProperty("ruleId").GetString() == "require-concurrent-index-creation");
        var suppression = Assert.Single(waived.GetProperty("suppressions").EnumerateArray());
        Assert.Equal("inSource", suppression.GetProperty("kind").GetString());
        Assert.Contains("40 rows", suppression.GetProperty("justification").GetString());
        Assert.Equal("migration-invalid", results.Last().GetProperty("ruleId").GetString());
    }

    [Fact]
    public void No_registered_secret_reaches_the_log()
    {
        const string secret = "hunter2hunter2secret";
        Redactor.Register(secret);
        var report = GateHarness.Judge($"ALTER TABLE \"{secret}\" DROP COLUMN x;");
        var text = SarifLog.Write(report.Findings, [], id => id, "1.0.0");
        Assert.Contains("ban-drop-column", text);
        Assert.DoesNotContain(secret, text);
    }
}
