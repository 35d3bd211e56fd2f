namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A query an app image runs that no longer prepares against the schema it will meet.</summary>
public sealed class AppQueryBroken() : TraceRule("app-query-broken", StatementClass.Contract,
    "An app image's query no longer prepares against the schema",
    "none: the query is prepared, never executed",
    "The trace prepares every query of the rollback image (--app-queries) against the schema after the pending files, and of the current image (--current-app-queries) against the schemas before and after them. A query that no longer prepares fails in production the moment that image runs it: the seed's promise that the previous image keeps working is broken, whatever the files declare.",
    "Keep the object the query needs until no image that runs the query is deployed or kept for rollback: rename by adding the new column and keeping the old one in step, drop in a later contract release. If the query file is stale, export it again (pg_stat_statements).");
