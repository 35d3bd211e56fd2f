namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A change in the catalogs, before against after the pending files, that breaks a client of the old schema.</summary>
public sealed class SchemaBreakingChange() : TraceRule("schema-breaking-change", StatementClass.Contract,
    "The schema after the pending files breaks a client of the schema before them",
    "whatever the statement took; the change itself needs ACCESS EXCLUSIVE on the table",
    "The trace compares the catalogs before and after the pending files: a dropped or renamed table, view, column, function, sequence or enum label, a type that is not a plain widening, a new NOT NULL, or a dropped default of a NOT NULL column breaks the previous app image, however the change was written (plain DDL, a DO block, a function, dynamic SQL), so it is found even where the gate could not read the statement.",
    "Make the change in expand/contract steps: add the new object, backfill, let every image use it, and only then drop or rename the old one in a file that starts with '-- schemamigrate:contract'.");
