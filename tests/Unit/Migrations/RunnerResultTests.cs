using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Runner;

namespace SchemaMigrate.Tests.Migrations;

/// <summary>The result line as MigrateRunner writes it (its own output classes) reads back to the same outcome.</summary>
public class RunnerResultTests
{
    private static readonly Failure SqlFailure = new()
    {
        Reason = ReasonCodes.SqlApplyFailed,
        Message = "004_create_orders.sql:2: 42P01 relation \"acounts\" does not exist",
        File = "004_create_orders.sql",
        Line = 2,
        SqlState = "42P01",
    };

    private static readonly KeyValuePair<string, int>[] Counts = [new("applied", 0), new("alreadyApplied", 3), new("pending", 1)];

    [Fact]
    public void The_human_result_and_error_lines_read_back()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        new TextOutput(stdout, stderr).Result("up", SqlFailure, TimeSpan.FromMilliseconds(436), Counts);

        var result = RunnerResult.TryParse(stdout.ToString().TrimEnd().Split('\n')[^1]);
        var error = RunnerResult.TryParseError(stderr.ToString().Split('\n')[0].TrimEnd());

        Assert.NotNull(result);
        Assert.False(result.Succeeded);
        Assert.Equal(("SQL_APPLY_FAILED", 10, "004_create_orders.sql", 2, "42P01"), (result.ReasonCode, result.ExitCode, result.File, result.Line, result.SqlState));
        Assert.Equal("applied=0 alreadyApplied=3 pending=1 elapsed=436ms", result.Counts);
        Assert.Equal(("SQL_APPLY_FAILED", SqlFailure.Message), error);
    }

    [Fact]
    public void The_json_result_line_reads_back()
    {
        var result = RunnerResult.TryParse(RunnerJson.Result("up", SqlFailure, TimeSpan.FromMilliseconds(455), Counts));

        Assert.NotNull(result);
        Assert.Equal(("SQL_APPLY_FAILED", 10, "004_create_orders.sql", 2, "42P01"), (result.ReasonCode, result.ExitCode, result.File, result.Line, result.SqlState));
        Assert.Equal(SqlFailure.Message, result.Reason);
        Assert.Equal(ReasonCodes.SqlApplyFailed.NextStep, result.NextStep);
        Assert.Equal("applied=0 alreadyApplied=3 pending=1 elapsedMs=455", result.Counts);
    }

    [Fact]
    public void Success_reads_back_in_both_forms()
    {
        var stdout = new StringWriter();
        new TextOutput(stdout, new StringWriter()).Result("up", null, TimeSpan.FromMilliseconds(431), [new("applied", 3)]);
        var text = RunnerResult.TryParse(stdout.ToString().Trim());
        var json = RunnerResult.TryParse(RunnerJson.Result("up", null, TimeSpan.FromMilliseconds(431), [new("applied", 3)]));

        Assert.True(text!.Succeeded);
        Assert.Equal(0, text.ExitCode);
        Assert.True(json!.Succeeded);
        Assert.Null(json.ReasonCode);
    }

    [Theory]
    [InlineData("applied  001_core_domain_tables.sql in 38ms (6 statements)")]
    [InlineData("""{"event":"migration.applied","ts":"2026-01-05T10:00:00Z","id":"001.sql"}""")]
    [InlineData("the result: is not a runner line")]
    [InlineData("{ not json \"event\"")]
    public void Other_lines_are_not_results(string line) => Assert.Null(RunnerResult.TryParse(line));

    [Fact]
    public void A_prefix_before_the_line_is_tolerated()
    {
        Assert.Equal("DB_AUTH_FAILED", RunnerResult.TryParse("2026-01-05T10:00:00.1Z stdout F result: failed reasonCode=DB_AUTH_FAILED exitCode=6 elapsed=85ms")!.ReasonCode);
        Assert.Equal("DB_AUTH_FAILED", RunnerResult.TryParse("""2026-01-05T10:00:00.1Z stdout F {"event":"result","status":"failed","exitCode":6,"reasonCode":"DB_AUTH_FAILED"}""")!.ReasonCode);
    }
}
