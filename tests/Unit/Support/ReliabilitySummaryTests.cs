namespace SchemaMigrate.Tests.Support;

public class ReliabilitySummaryTests
{
    private static Dictionary<string, List<string>> Traits(params string[] kinds) =>
        kinds.Length == 0 ? [] : new() { [Reliability.Trait] = [.. kinds] };

    [Fact]
    public void Only_passing_cases_of_each_kind_are_counted_and_the_others_are_named()
    {
        var summary = new ReliabilitySummary();
        summary.Record(Traits(Reliability.ArmAnswer), "a", ReliabilitySummary.Passed);
        summary.Record(Traits(Reliability.ArmAnswer), "b(status: 404)", ReliabilitySummary.Passed);
        summary.Record(Traits(Reliability.ArmAnswer), "c", ReliabilitySummary.Failed);
        summary.Record(Traits(Reliability.BadInput), "d", ReliabilitySummary.Skipped);
        summary.Record(Traits(), "untagged", ReliabilitySummary.Passed);

        Assert.Equal("""
            Reliability cases in this run of 5 tests (each one passing; a case that did not pass is listed):
              bad inputs tried         0
              faults injected          0
              ARM answers served       2
              NOT COUNTED, failed: c
              NOT COUNTED, skipped: d

            """.ReplaceLineEndings("\n"), summary.Render());
    }
}
