namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>Statements that change rows of a table that existed before this set.</summary>
public sealed class BackfillingExistingRows() : StatementRule("backfilling-existing-rows", StatementClass.Backfill,
    "Changing existing rows in a deploy migration",
    "ROW EXCLUSIVE plus a lock on every row touched, held until the file's transaction commits (TRUNCATE: ACCESS EXCLUSIVE)",
    "A data change runs in the same transaction as the deploy's DDL, so any strong lock taken earlier is held for the whole update; a large one stalls the deploy and the app. Seed 000: backfills and data reshaping are separate jobs.",
    "Move it to a file that starts with '-- schemamigrate:backfill' and run it as its own job with --allow backfill; batch large updates. Inserting into a table created in the same set, or INSERT ... VALUES of seed rows, is expand.")
{
    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        var t = context.Tokens;
        if (s.Table is null || context.IsNew(s.Table)) return;
        var what = s.Verb switch
        {
            "UPDATE" => "updates rows of",
            "DELETE" => "deletes rows of",
            "MERGE" => "merges into",
            "TRUNCATE" => "empties",
            "COPY" when t.Has("FROM") => "copies rows into",
            "INSERT" when t.Has("SELECT") && !t.Has("VALUES") => "inserts the result of a query into",
            "INSERT" when t.Has("DO", "UPDATE") => "updates conflicting rows of",
            "REFRESH" when !t.Has("CONCURRENTLY") => "recomputes, under ACCESS EXCLUSIVE,",
            _ => null,
        };
        if (what is not null) context.Report(this, $"{what} existing {(s.Verb == "REFRESH" ? "materialized view" : "table")} {s.Table}");
    }
}
