namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// What the static gate expects a statement to do on PostgreSQL, for the trace to confirm or refute: the lock
/// mode it takes on <see cref="Relation"/> and whether it rewrites a table that existed before the pending set.
/// Null parts predict nothing. <see cref="Source"/> is the rule whose reasoning this is ("gate" for Expand statements).
/// </summary>
public sealed record StatementPrediction(string? Relation, LockMode? Lock, bool? Rewrite, string Source)
{
    public override string ToString()
    {
        var parts = new List<string>();
        if (Lock is { } mode) parts.Add($"{mode} on {Relation ?? "its table"}");
        if (Rewrite is { } rewrite) parts.Add(rewrite ? $"a rewrite of {Relation ?? "its table"}" : "no rewrite");
        return string.Join(" and ", parts);
    }
}

/// <summary>What a rule says its statements do: the lock mode on the statement's table and whether the table is rewritten.</summary>
public sealed record RulePrediction(LockMode? Lock, bool? Rewrite);
