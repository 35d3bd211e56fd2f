using System.Text;

namespace SchemaMigrate.Tests.Support;

/// <summary>
/// The reliability suite's trait: <c>[Trait(Reliability.Trait, Reliability.ArmAnswer)]</c> marks a test case as one
/// case of a kind the README's reliability section counts. The test run leaves the counts in out/reliability.txt.
/// </summary>
public static class Reliability
{
    public const string Trait = "Reliability";
    /// <summary>An answer Azure Resource Manager documents (the specification's examples, throttling, 5xx, 403, 404), served by the fake.</summary>
    public const string ArmAnswer = "ArmAnswer";
    public const string BadInput = "BadInput";
    public const string Fault = "Fault";

    /// <summary>What each kind counts, in the order the summary lists them.</summary>
    public static readonly IReadOnlyList<(string Kind, string Counted)> Kinds =
        [(BadInput, "bad inputs tried"), (Fault, "faults injected"), (ArmAnswer, "ARM answers served")];
}

/// <summary>Counts test outcomes by reliability kind; thread-safe, as xunit reports from many threads.</summary>
public sealed class ReliabilitySummary
{
    private readonly Dictionary<(string Kind, string Outcome), int> _counts = [];
    private readonly List<string> _notPassed = [];
    private int _tests;

    public void Record(IReadOnlyDictionary<string, List<string>> traits, string testName, string outcome)
    {
        lock (_counts)
        {
            _tests++;
            if (!traits.TryGetValue(Reliability.Trait, out var kinds)) return;
            foreach (var kind in kinds)
                _counts[(kind, outcome)] = _counts.GetValueOrDefault((kind, outcome)) + 1;
            if (outcome != Passed) _notPassed.Add($"{outcome}: {testName}");
        }
    }

    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    public string Render()
    {
        lock (_counts)
        {
            var text = new StringBuilder($"Reliability cases in this run of {_tests} tests (each one passing; a case that did not pass is listed):\n");
            foreach (var (kind, counted) in Reliability.Kinds)
                text.Append($"  {counted,-20} {_counts.GetValueOrDefault((kind, Passed)),5}\n");
            foreach (var line in _notPassed.Order(StringComparer.Ordinal)) text.Append($"  NOT COUNTED, {line}\n");
            return text.ToString();
        }
    }
}
