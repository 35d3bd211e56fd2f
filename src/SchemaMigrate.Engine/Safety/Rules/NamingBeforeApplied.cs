namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>A pending file that sorts before the newest applied one.</summary>
public sealed class NamingBeforeApplied() : FolderRule("naming-before-applied", StatementClass.Blocked,
    "A new migration that sorts before applied ones",
    "Databases that ran the newer files first apply this one after them, others before them: the schema's history differs between environments (usually a merge of parallel branches).",
    "Rename the file so it sorts after the newest applied migration (the next number).");
