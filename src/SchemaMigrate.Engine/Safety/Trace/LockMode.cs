namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>PostgreSQL's table-level lock modes, weakest first, named as pg_locks.mode spells them.</summary>
public enum LockMode
{
    AccessShareLock,
    RowShareLock,
    RowExclusiveLock,
    ShareUpdateExclusiveLock,
    ShareLock,
    ShareRowExclusiveLock,
    ExclusiveLock,
    AccessExclusiveLock,
}

/// <summary>
/// PostgreSQL's lock conflict table (the documentation's "Conflicting Lock Modes") and what a held lock means for
/// the common operations of an application: which of SELECT, INSERT, UPDATE, DELETE and other DDL must wait.
/// </summary>
public static class LockModes
{
    /// <summary>Row i: the modes that conflict with mode i, as bits indexed by <see cref="LockMode"/>.</summary>
    private static readonly int[] Conflicts =
    [
        Bits(LockMode.AccessExclusiveLock),
        Bits(LockMode.ExclusiveLock, LockMode.AccessExclusiveLock),
        Bits(LockMode.ShareLock, LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock, LockMode.AccessExclusiveLock),
        Bits(LockMode.ShareUpdateExclusiveLock, LockMode.ShareLock, LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock, LockMode.AccessExclusiveLock),
        Bits(LockMode.RowExclusiveLock, LockMode.ShareUpdateExclusiveLock, LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock, LockMode.AccessExclusiveLock),
        Bits(LockMode.RowExclusiveLock, LockMode.ShareUpdateExclusiveLock, LockMode.ShareLock, LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock, LockMode.AccessExclusiveLock),
        Bits(LockMode.RowShareLock, LockMode.RowExclusiveLock, LockMode.ShareUpdateExclusiveLock, LockMode.ShareLock, LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock, LockMode.AccessExclusiveLock),
        Bits(Enum.GetValues<LockMode>()),
    ];

    /// <summary>
    /// The lock each common operation takes on its table: SELECT reads with ACCESS SHARE; INSERT, UPDATE and DELETE
    /// write with ROW EXCLUSIVE; "DDL" stands for the weakest schema-changing lock (SHARE UPDATE EXCLUSIVE: VACUUM,
    /// ANALYZE, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT), so anything that blocks it blocks every other DDL too.
    /// </summary>
    private static readonly (string Operation, LockMode Takes)[] Operations =
    [
        ("SELECT", LockMode.AccessShareLock), ("INSERT", LockMode.RowExclusiveLock), ("UPDATE", LockMode.RowExclusiveLock),
        ("DELETE", LockMode.RowExclusiveLock), ("DDL", LockMode.ShareUpdateExclusiveLock),
    ];

    public static bool ConflictsWith(this LockMode held, LockMode requested) => (Conflicts[(int)held] & (1 << (int)requested)) != 0;

    /// <summary>The common operations that wait while <paramref name="held"/> is held, in the order SELECT, INSERT, UPDATE, DELETE, DDL.</summary>
    public static IReadOnlyList<string> Blocks(this LockMode held) =>
        Operations.Where(o => held.ConflictsWith(o.Takes)).Select(o => o.Operation).ToArray();

    /// <summary>A pg_locks mode name; null for modes that are not table-level (advisory, transaction ids).</summary>
    public static LockMode? Parse(string? mode) => Enum.TryParse<LockMode>(mode, out var m) && Enum.IsDefined(m) ? m : null;

    private static int Bits(params LockMode[] modes) => modes.Aggregate(0, (bits, m) => bits | 1 << (int)m);
}
