namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A static prediction of the gate that the trace refuted: a bug report for the classifier.</summary>
public sealed class TraceMismatch() : TraceRule("trace-mismatch", StatementClass.Risky,
    "The gate's prediction differs from what PostgreSQL did",
    "the lock PostgreSQL took, named in the finding",
    "The gate judged the statement from its text and expected a lock mode or a rewrite (or none) that PostgreSQL, tracing the statement, did not confirm. When PostgreSQL did worse than predicted (a rewrite the gate did not expect, a stronger lock) the finding is Blocked: the gate may have let a dangerous statement through.",
    "Trust the trace: rewrite the statement by the recipe for what PostgreSQL actually did (see the finding's observed locks and rewrites), and report the statement so the rule can be fixed. Waive it only when the trace ran on data unlike production's.");
