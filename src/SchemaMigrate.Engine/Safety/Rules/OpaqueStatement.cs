namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>
/// Anything the classifier does not understand: DO blocks, CALL, a SELECT that calls functions, EXECUTE, an
/// unknown statement or ALTER TABLE action. Never Expand by default: the file must say what it is.
/// </summary>
public sealed class OpaqueStatement() : StatementRule("opaque-statement", StatementClass.Opaque,
    "A statement the gate cannot classify",
    "unknown: whatever the code inside takes",
    "DO blocks, procedures and functions called from SELECT can run any DDL or update any rows, and the gate cannot see inside them; a form it does not know could be anything.",
    "Declare what the file is: '-- schemamigrate:backfill' or '-- schemamigrate:contract' (then it runs only when that phase is allowed), or, when it is expand work, waive it with '-- schemamigrate:allow opaque-statement <what it does>'. Prefer plain DDL, which the gate can check.")
{
    public override string PgVersions => "any";

    /// <summary>Statements understood whole: defining, commenting, granting, settings, transaction control (refused elsewhere).</summary>
    private static readonly HashSet<string> PlainVerbs = new(StringComparer.Ordinal)
    {
        "CREATE", "DROP", "COMMENT", "GRANT", "REVOKE", "SET", "RESET", "ANALYZE", "VACUUM", "CLUSTER", "REINDEX", "TRUNCATE", "INSERT", "UPDATE",
        "DELETE", "MERGE", "COPY", "REFRESH", "SECURITY", "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE",
        "PREPARE", "DISCARD", "LISTEN", "NOTIFY", "UNLISTEN", "VALUES", "WITH",
    };

    private static readonly string[] KnownActions =
    [
        "ADD", "DROP", "ALTER", "RENAME", "VALIDATE", "SET", "RESET", "ENABLE", "DISABLE", "FORCE", "NO", "OWNER", "REPLICA", "INHERIT",
        "CLUSTER", "ATTACH", "DETACH", "OF", "NOT",
    ];

    public override void Check(StatementContext context)
    {
        var s = context.Shape;
        var t = context.Tokens;
        if (s.Verb == "ALTER" && s.Kind == "TABLE")
        {
            if (t.Is(1, "TABLE", "ALL")) { context.Report(this, "ALTER TABLE ALL IN TABLESPACE moves every table"); return; }
            if (s.Name is null) { context.Report(this, "the table this ALTER TABLE changes cannot be read"); return; }
            foreach (var action in s.Actions.Where(a => !KnownActions.Contains(a[0])))
                context.Report(this, action, 0, $"ALTER TABLE action '{action[0]}' is not one the gate knows");
            return;
        }
        if (context.Reports.Count > 0 || Understood(context)) return;
        var what = s.Verb switch
        {
            "DO" => "a DO block runs code the gate cannot see into",
            "CALL" => $"CALL {t.Name(1)} runs a procedure the gate cannot see into",
            "SELECT" => "SELECT calls a function, which can change anything",
            "" => "an empty statement",
            _ => $"'{s.Verb}' is not a statement the gate knows",
        };
        context.Report(this, what);
    }

    private static bool Understood(StatementContext context)
    {
        var s = context.Shape;
        if (PlainVerbs.Contains(s.Verb)) return s.Verb != "WITH" || !(context.Tokens.Has("UPDATE") || context.Tokens.Has("DELETE") || context.Tokens.Has("INSERT"));
        // ALTER of anything but a table: renames and drops have their rules; the rest changes options or ownership.
        if (s.Verb == "ALTER") return s.Kind.Length > 0;
        if (s.Verb == "SELECT") return OnlySafeCalls(context.Tokens);
        return false;
    }

    /// <summary>Calls a SELECT may make without changing anything: settings (what pg_dump writes at the top of a file), waiting, reading.</summary>
    private static readonly HashSet<string> HarmlessCalls = new(StringComparer.Ordinal)
    {
        "SET_CONFIG", "CURRENT_SETTING", "PG_SLEEP", "NOW", "VERSION", "COUNT", "COALESCE", "LOWER", "UPPER", "IN", "EXISTS", "AND", "OR", "NOT",
    };

    /// <summary>A SELECT that calls no function but harmless ones.</summary>
    private static bool OnlySafeCalls(TokenRange t)
    {
        for (int i = 1; i + 1 < t.Count; i++)
            if (t[i + 1] == "(" && t.Kind(i) == Sql.SqlTokenKind.Word && !HarmlessCalls.Contains(t[i]))
                return false;
        return true;
    }
}
