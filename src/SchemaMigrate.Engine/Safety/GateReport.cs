namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// The class of one judged statement (the highest class of its findings, Expand when it has none) and what the gate
/// expects it to do on PostgreSQL, which `verify --trace` confirms or refutes.
/// </summary>
public sealed record StatementVerdict(string File, int Line, StatementClass Class)
{
    public IReadOnlyList<Trace.StatementPrediction> Predictions { get; init; } = [];
}

/// <summary>What the gate found in the pending files, in file and line order.</summary>
public sealed record GateReport(IReadOnlyList<Finding> Findings, IReadOnlyList<StatementVerdict> Statements, int FilesJudged)
{
    public static readonly GateReport Empty = new([], [], 0);

    public IReadOnlyList<Finding> Refused => Findings.Where(f => f.Refused).ToArray();
    public bool Passed => Findings.All(f => !f.Refused);
    public IEnumerable<Finding> Waived => Findings.Where(f => f.Verdict == Verdict.Waived);
}
