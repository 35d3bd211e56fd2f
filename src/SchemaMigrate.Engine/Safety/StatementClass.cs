namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// What a statement does to the app images that run during a deploy: the new one and the previous one kept for
/// rollback (seed 000). Ordered from harmless to refused, so the class of a statement is the highest of its findings.
/// </summary>
public enum StatementClass
{
    /// <summary>Additive; both images keep working (new tables, nullable columns, concurrent indexes, NOT VALID constraints).</summary>
    Expand,
    /// <summary>Allowed with a warning: lock-heavy or data-dependent.</summary>
    Risky,
    /// <summary>Touches existing rows; belongs in a separate backfill job.</summary>
    Backfill,
    /// <summary>Breaks the previous image (drop, rename, type change, tightening); runs only after full cutover.</summary>
    Contract,
    /// <summary>Rewrites or long-locks an existing table; never run as written.</summary>
    Blocked,
    /// <summary>Not understood (DO, CALL, a function call, an unknown form); the file must declare what it is.</summary>
    Opaque,
}

/// <summary>A file's declared phase: expand (the default), or the phase its directive names.</summary>
public enum MigrationPhase
{
    Expand,
    Contract,
    Backfill,
}

/// <summary>What the gate does with a finding.</summary>
public enum Verdict
{
    /// <summary>The gate refuses the run: nothing is applied.</summary>
    Refused,
    /// <summary>Shown, and the run goes on (a Risky statement, an unused allow).</summary>
    Warning,
    /// <summary>Contract, backfill or opaque work in a file that declares that phase, in a run that allows it.</summary>
    Allowed,
    /// <summary>Waived in the file by an allow directive with a reason.</summary>
    Waived,
    /// <summary>Informational: e.g. a requirement the runner satisfies itself.</summary>
    Note,
}
