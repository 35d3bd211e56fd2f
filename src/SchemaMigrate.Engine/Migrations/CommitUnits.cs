using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>What a transaction-control statement does to the session's transaction.</summary>
internal enum TransactionEffect
{
    None,
    /// <summary>BEGIN, START TRANSACTION.</summary>
    Opens,
    /// <summary>COMMIT, END, ROLLBACK, ABORT.</summary>
    Ends,
    /// <summary>COMMIT AND CHAIN (and the ROLLBACK, END, ABORT forms): ends the transaction and opens the next at once.</summary>
    EndsAndChains,
    /// <summary>PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED.</summary>
    TwoPhase,
}

/// <summary>
/// One part of a no-transaction file that becomes permanent as a whole: [<see cref="Start"/>, <see cref="End"/>)
/// is a single statement in autocommit, or the statements of a transaction the file opens and ends itself. Only
/// the end of a unit is progress: a statement inside the file's own transaction is undone if the run dies before
/// its COMMIT, so a resume starts again at the unit's start.
/// </summary>
/// <param name="Opener">
/// For a unit inside a transaction that an earlier unit's COMMIT AND CHAIN opened: the index of the BEGIN that
/// started the chain, sent again when the unit is resumed or retried on its own. Null otherwise.
/// </param>
internal sealed record CommitUnit(int Start, int End, bool InTransaction, int? Opener);

/// <summary>Transaction control as psql runs it: how a no-transaction file's statements group into <see cref="CommitUnit"/>s.</summary>
internal static class CommitUnits
{
    public static TransactionEffect Effect(SqlStatement s)
    {
        var k = s.Keywords;
        if (s.StartsWith("BEGIN") || s.StartsWith("START", "TRANSACTION")) return TransactionEffect.Opens;
        if (s.StartsWith("PREPARE", "TRANSACTION") || ((s.StartsWith("COMMIT") || s.StartsWith("ROLLBACK")) && k.Count > 1 && k[1] == "PREPARED"))
            return TransactionEffect.TwoPhase;
        if (s.StartsWith("ROLLBACK") && k.Count > 1 && k[1] == "TO") return TransactionEffect.None; // to a savepoint
        if (!(s.StartsWith("COMMIT") || s.StartsWith("END") || s.StartsWith("ROLLBACK") || s.StartsWith("ABORT"))) return TransactionEffect.None;
        var chains = Enumerable.Range(0, k.Count - 1).Any(i => k[i] == "AND" && k[i + 1] == "CHAIN");
        return chains ? TransactionEffect.EndsAndChains : TransactionEffect.Ends;
    }

    /// <summary>The file's units in order; a transaction still open at the end of the file is the last unit.</summary>
    public static IReadOnlyList<CommitUnit> Split(IReadOnlyList<SqlStatement> statements)
    {
        var units = new List<CommitUnit>();
        int start = 0;
        int? opener = null;
        bool open = false;
        for (int i = 0; i < statements.Count; i++)
        {
            var effect = Effect(statements[i]);
            if (!open)
            {
                // A BEGIN starts a unit that its COMMIT ends; anything else (a stray COMMIT only draws a warning) commits alone.
                if (effect is TransactionEffect.Opens) { open = true; opener = i; start = i; }
                else { units.Add(new CommitUnit(i, i + 1, false, null)); start = i + 1; }
                continue;
            }
            if (effect is TransactionEffect.Ends or TransactionEffect.EndsAndChains)
            {
                units.Add(new CommitUnit(start, i + 1, true, start == opener ? null : opener));
                start = i + 1;
                open = effect is TransactionEffect.EndsAndChains;
            }
        }
        if (open && start < statements.Count) units.Add(new CommitUnit(start, statements.Count, true, start == opener ? null : opener));
        return units;
    }

    /// <summary>The statement whose transaction is still open when the file ends, or null.</summary>
    public static SqlStatement? OpenAtEnd(IReadOnlyList<SqlStatement> statements)
    {
        SqlStatement? open = null;
        foreach (var s in statements)
            open = Effect(s) switch
            {
                TransactionEffect.Opens => open ?? s,
                TransactionEffect.Ends => null,
                TransactionEffect.EndsAndChains => open is null ? null : s,
                _ => open,
            };
        return open;
    }
}
