using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Safety;

/// <summary>One statement under judgement, with what the gate knows so far (objects new in this set, validated checks).</summary>
public sealed class StatementContext
{
    private readonly List<Reported> _reports = [];

    internal StatementContext(GateFile file, SqlStatement statement, GateFacts facts, GateOptions options)
    {
        File = file;
        Statement = statement;
        Tokens = TokenRange.Of(statement);
        Shape = StatementShape.Of(Tokens);
        Facts = facts;
        Options = options;
    }

    public GateFile File { get; }
    public SqlStatement Statement { get; }
    public TokenRange Tokens { get; }
    public StatementShape Shape { get; }
    public GateFacts Facts { get; }
    public GateOptions Options { get; }

    internal IReadOnlyList<Reported> Reports => _reports;

    /// <summary>True when the table (or other relation) was created earlier in this pending set: changes to it are Expand.</summary>
    public bool IsNew(ObjectName? relation) => relation is not null && Facts.IsNewRelation(relation);

    /// <summary>The ALTER TABLE actions of a table that already exists; empty for anything else.</summary>
    public IEnumerable<TokenRange> ActionsOnExistingTable =>
        Shape.Verb == "ALTER" && Shape.Kind == "TABLE" && !IsNew(Shape.Name) ? Shape.Actions : [];

    /// <summary>A statement that takes a lock on a table that already exists (what the timeout rules look at).</summary>
    public bool LocksExistingTable =>
        (Shape.Verb is "ALTER" or "DROP" && Shape.Kind is "TABLE" or "INDEX" or "VIEW" or "MATERIALIZED VIEW" or "TRIGGER" or "POLICY" or "RULE"
         || Shape.Verb == "CREATE" && Shape.Kind is "INDEX" or "TRIGGER" or "POLICY" or "RULE"
         || Shape.Verb is "TRUNCATE" or "LOCK" or "CLUSTER" or "REINDEX" or "VACUUM" or "REFRESH")
        && !IsNew(Shape.Table);

    public void Report(GateRule rule, TokenRange range, int at, string message, StatementClass? @class = null) =>
        _reports.Add(new Reported(rule, range.Token(at), message, @class ?? rule.Class));

    public void Report(GateRule rule, string message, StatementClass? @class = null) => Report(rule, Tokens, 0, message, @class);

    internal sealed record Reported(GateRule Rule, SqlToken At, string Message, StatementClass Class);
}
