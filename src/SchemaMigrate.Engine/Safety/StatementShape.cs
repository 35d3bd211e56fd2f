namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// The few things about a statement's form that rules share: for CREATE, DROP and ALTER the object kind
/// ("TABLE", "MATERIALIZED VIEW", ...) and the first name; for ALTER TABLE the target and its actions; the
/// table a CREATE INDEX, CREATE TRIGGER or data statement works on.
/// </summary>
public sealed class StatementShape
{
    private static readonly string[] CreateModifiers = ["OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "RECURSIVE", "TRUSTED", "PROCEDURAL", "CONSTRAINT"];
    private static readonly string[][] MultiWordKinds =
    [
        ["MATERIALIZED", "VIEW"], ["FOREIGN", "TABLE"], ["EVENT", "TRIGGER"], ["FOREIGN", "DATA", "WRAPPER"], ["USER", "MAPPING"],
        ["ACCESS", "METHOD"], ["OPERATOR", "CLASS"], ["OPERATOR", "FAMILY"], ["DEFAULT", "PRIVILEGES"], ["TEXT", "SEARCH"],
    ];

    private StatementShape(TokenRange tokens) => Tokens = tokens;

    public TokenRange Tokens { get; }
    /// <summary>CREATE, DROP, ALTER, or the statement's first word.</summary>
    public string Verb { get; private init; } = "";
    /// <summary>The object kind after CREATE/DROP/ALTER, e.g. "TABLE", "INDEX", "MATERIALIZED VIEW"; "" otherwise.</summary>
    public string Kind { get; private init; } = "";
    /// <summary>The first object named (CREATE, DROP, ALTER), or the table a data statement changes.</summary>
    public ObjectName? Name { get; private init; }
    /// <summary>Position just after <see cref="Name"/>.</summary>
    public int AfterName { get; private init; }
    public bool IfNotExists { get; private init; }
    public bool OrReplace { get; private init; }
    public bool Concurrently { get; private init; }
    /// <summary>The table an index, trigger, policy or rule is defined ON; for ALTER TABLE and data statements, the table itself.</summary>
    public ObjectName? Table { get; private init; }
    /// <summary>ALTER TABLE's comma-separated actions (after the table name); empty for other statements.</summary>
    public IReadOnlyList<TokenRange> Actions { get; private init; } = [];

    public static StatementShape Of(TokenRange t)
    {
        var verb = t[0];
        return verb switch
        {
            "CREATE" => Create(t),
            "DROP" or "ALTER" => DropOrAlter(t, verb),
            "INSERT" or "MERGE" => Data(t, verb, t.Is(1, "INTO") ? 2 : 1),
            "DELETE" => Data(t, verb, t.Is(1, "FROM") ? 2 : 1),
            "UPDATE" or "COPY" or "TRUNCATE" or "LOCK" or "CLUSTER" => Data(t, verb, t.Is(1, "TABLE") ? 2 : 1),
            "REFRESH" => Data(t, verb, t.Is(1, "MATERIALIZED", "VIEW", "CONCURRENTLY") ? 4 : 3),
            _ => new StatementShape(t) { Verb = verb },
        };
    }

    private static StatementShape Create(TokenRange t)
    {
        int at = 1;
        bool orReplace = false;
        while (CreateModifiers.Contains(t[at]))
        {
            if (t[at] == "REPLACE") orReplace = true;
            at++;
        }
        var (kind, afterKind) = ReadKind(t, at);
        at = afterKind;
        bool concurrently = t.Is(at, "CONCURRENTLY");
        if (concurrently) at++;
        bool ifNotExists = t.Is(at, "IF", "NOT", "EXISTS");
        if (ifNotExists) at += 3;
        ObjectName? name = null;
        int afterName = at;
        if (!(kind == "INDEX" && t.Is(at, "ON"))) name = t.Name(at, out afterName);
        ObjectName? table = kind is "TABLE" or "FOREIGN TABLE" or "VIEW" or "MATERIALIZED VIEW" ? name : OnTable(t, afterName);
        return new StatementShape(t)
        {
            Verb = "CREATE", Kind = kind, Name = name, AfterName = afterName, IfNotExists = ifNotExists, OrReplace = orReplace,
            Concurrently = concurrently, Table = table,
        };
    }

    private static StatementShape DropOrAlter(TokenRange t, string verb)
    {
        var (kind, at) = ReadKind(t, 1);
        bool concurrently = t.Is(at, "CONCURRENTLY");
        if (concurrently) at++;
        at = t.SkipGuards(at);
        var name = t.Name(at, out var afterName);
        if (t[afterName] == "*") afterName++;
        var actions = verb == "ALTER" && kind is "TABLE" or "FOREIGN TABLE" && name is not null ? t.Slice(afterName).SplitOnCommas() : [];
        ObjectName? table = kind is "TABLE" or "FOREIGN TABLE" or "VIEW" or "MATERIALIZED VIEW" or "INDEX" ? name : OnTable(t, afterName);
        return new StatementShape(t) { Verb = verb, Kind = kind, Name = name, AfterName = afterName, Concurrently = concurrently, Table = table, Actions = actions };
    }

    private static StatementShape Data(TokenRange t, string verb, int at)
    {
        at = t.SkipGuards(at);
        var name = t.Name(at, out var after);
        return new StatementShape(t) { Verb = verb, Name = name, AfterName = after, Table = name };
    }

    private static (string Kind, int After) ReadKind(TokenRange t, int at)
    {
        foreach (var words in MultiWordKinds)
            if (t.Is(at, words)) return (string.Join(' ', words), at + words.Length);
        return t.Kind(Math.Min(at, t.Count - 1)) == Sql.SqlTokenKind.Word && at < t.Count ? (t[at], at + 1) : ("", at);
    }

    /// <summary>The table after ON [ONLY] (CREATE INDEX, CREATE TRIGGER ... ON, DROP POLICY ... ON).</summary>
    private static ObjectName? OnTable(TokenRange t, int from)
    {
        var rest = t.Slice(from);
        var on = rest.Find("ON");
        return on < 0 ? null : rest.Name(rest.SkipGuards(on + 1));
    }
}
