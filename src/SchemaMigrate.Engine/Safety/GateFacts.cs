namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// What the gate has learnt from the files read so far: the relations created in this pending set (new, so changes
/// to them are Expand), those created before it, the NOT NULL checks that are validated, and per file the
/// timeouts the file sets itself.
/// </summary>
public sealed class GateFacts
{
    private readonly HashSet<string> _new = new(StringComparer.Ordinal);
    private readonly HashSet<string> _existing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _validatedNotNull = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Table, string? NotNullColumn, string File)> _notValid = new(StringComparer.Ordinal);

    public bool IsNewRelation(ObjectName name) => _new.Contains(Key("TABLE", name));

    /// <summary>True when an object of this kind (TABLE, FUNCTION, TYPE, ...) was created earlier in this pending set.</summary>
    public bool IsNewObject(string kind, ObjectName name) => _new.Contains(Key(kind, name));

    /// <summary>A CHECK (column IS NOT NULL) on the table is validated, so SET NOT NULL needs no scan (PostgreSQL 12+).</summary>
    public bool HasValidatedNotNullCheck(ObjectName table, string column) => _validatedNotNull.Contains(table.Name + "." + column);

    /// <summary>The file and table of a constraint added NOT VALID and not validated yet, by constraint name.</summary>
    public (string Table, string File)? NotValidConstraint(string name) =>
        _notValid.TryGetValue(name, out var c) ? (c.Table, c.File) : null;

    internal bool LockTimeoutSetInFile { get; set; }
    internal bool StatementTimeoutSetInFile { get; set; }
    // Fields, so the timeout rules' shared body can mark them (StatementRule.RequireTimeout takes them by ref).
    internal bool LockTimeoutReportedInFile;
    internal bool StatementTimeoutReportedInFile;

    internal void StartFile() =>
        LockTimeoutSetInFile = StatementTimeoutSetInFile = LockTimeoutReportedInFile = StatementTimeoutReportedInFile = false;

    /// <summary>Everything new so far counts as deployed from here on (lint judging each file alone).</summary>
    internal void ForgetNew()
    {
        _existing.UnionWith(_new);
        _new.Clear();
    }

    /// <summary>Learns from a statement after it was judged (or read from an applied file).</summary>
    internal void Learn(StatementContext context, bool applied)
    {
        var shape = context.Shape;
        if (shape.Verb == "CREATE" && shape.Name is { } created && shape.Kind.Length > 0)
        {
            // CREATE ... IF NOT EXISTS (or OR REPLACE) of an object that is already there creates nothing.
            var key = Key(shape.Kind, created);
            if (applied) _existing.Add(key);
            else if (!((shape.IfNotExists || shape.OrReplace) && _existing.Contains(key))) _new.Add(key);
        }
        else if (shape.Verb == "ALTER" && shape.Kind == "TABLE" && shape.Name is { } table)
        {
            foreach (var action in shape.Actions) LearnConstraint(table, action, context.File.Id);
        }
        else if (shape.Verb == "SET" || (shape.Verb == "SELECT" && context.Tokens.HasAnywhere("SET_CONFIG")))
        {
            var words = string.Join(' ', Enumerable.Range(0, Math.Min(context.Tokens.Count, 8)).Select(i => context.Tokens[i]));
            if (words.Contains("LOCK_TIMEOUT", StringComparison.Ordinal) || words.Contains("'lock_timeout'", StringComparison.OrdinalIgnoreCase)) LockTimeoutSetInFile = true;
            if (words.Contains("STATEMENT_TIMEOUT", StringComparison.Ordinal) || words.Contains("'statement_timeout'", StringComparison.OrdinalIgnoreCase)) StatementTimeoutSetInFile = true;
        }
    }

    private void LearnConstraint(ObjectName table, TokenRange action, string file)
    {
        if (action.StartsWith("VALIDATE", "CONSTRAINT") && action.Name(2) is { } validated)
        {
            if (_notValid.Remove(validated.Name, out var c) && c.NotNullColumn is { } validatedColumn) _validatedNotNull.Add(c.Table + "." + validatedColumn);
            return;
        }
        var kind = TableConstraint.Kind(action);
        if (kind is not ("CHECK" or "FOREIGN")) return;
        var name = action.Is(1, "CONSTRAINT") ? action.Name(2)?.Name : null;
        var column = kind == "CHECK" ? NotNullColumn(action.Slice(action.Find("CHECK") + 1)) : null;
        if (action.Has("NOT", "VALID"))
        {
            if (name is not null) _notValid[name] = (table.Name, column, file);
        }
        else if (column is not null) _validatedNotNull.Add(table.Name + "." + column);
    }

    /// <summary>The column of a check that reads "(column IS NOT NULL)", else null.</summary>
    private static string? NotNullColumn(TokenRange expression)
    {
        if (expression[0] != "(") return null;
        int depth = 0, close = 0;
        for (; close < expression.Count; close++)
        {
            if (expression[close] == "(") depth++;
            else if (expression[close] == ")" && --depth == 0) break;
        }
        var inner = expression.Slice(1, close);
        if (inner[0] == "(" && inner[inner.Count - 1] == ")") inner = inner.Slice(1, inner.Count - 1);
        return inner.Count == 4 && inner.IsName(0) && inner.Is(1, "IS", "NOT", "NULL") ? ObjectName.Fold(inner[0]) : null;
    }

    /// <summary>Relations share one namespace in PostgreSQL, as do types and domains, and functions and procedures.</summary>
    private static string Key(string kind, ObjectName name) => kind switch
    {
        "TABLE" or "FOREIGN TABLE" or "VIEW" or "MATERIALIZED VIEW" or "SEQUENCE" or "INDEX" => "rel:",
        "TYPE" or "DOMAIN" => "type:",
        "FUNCTION" or "PROCEDURE" or "ROUTINE" or "AGGREGATE" => "func:",
        _ => kind + ":",
    } + name.Name;
}
