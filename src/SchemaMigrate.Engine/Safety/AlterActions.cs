namespace SchemaMigrate.Engine.Safety;

/// <summary>A column that ALTER TABLE ... ADD [COLUMN] defines: its type and the constraint clauses after it.</summary>
public sealed record ColumnDefinition(TokenRange Action, ObjectName Name, TokenRange Type, TokenRange Clauses)
{
    private static readonly string[] ClauseStarts = ["NOT", "NULL", "DEFAULT", "CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "REFERENCES", "GENERATED", "COLLATE"];

    public bool NotNull => Clauses.Has("NOT", "NULL") || Clauses.Has("PRIMARY", "KEY");
    /// <summary>The DEFAULT expression's tokens, or null.</summary>
    public TokenRange? Default
    {
        get
        {
            var at = Clauses.Find("DEFAULT");
            if (at < 0) return null;
            var end = at + 1;
            int depth = 0;
            for (; end < Clauses.Count; end++)
            {
                if (Clauses[end] == "(") depth++;
                else if (Clauses[end] == ")") depth--;
                else if (depth == 0 && end > at + 1 && ClauseStarts.Contains(Clauses[end]) && !(Clauses[end] == "NULL" && Clauses[end - 1] == "::")) break;
            }
            return Clauses.Slice(at + 1, end);
        }
    }
    public bool Serial => Type.Count == 1 && Type[0] is "SERIAL" or "BIGSERIAL" or "SMALLSERIAL" or "SERIAL2" or "SERIAL4" or "SERIAL8";
    public bool Generated => Clauses.Has("GENERATED");

    /// <summary>The column an ADD action defines, or null when it adds a table constraint or is not ADD.</summary>
    public static ColumnDefinition? Of(TokenRange action)
    {
        if (!action.StartsWith("ADD")) return null;
        int at = action.Is(1, "COLUMN") ? 2 : 1;
        if (action[at] is "CONSTRAINT" or "CHECK" or "UNIQUE" or "PRIMARY" or "FOREIGN" or "EXCLUDE" && !action.Is(1, "COLUMN")) return null;
        at = action.SkipGuards(at);
        var name = action.Name(at, out var typeStart);
        if (name is null) return null;
        int typeEnd = typeStart, depth = 0;
        for (; typeEnd < action.Count; typeEnd++)
        {
            if (action[typeEnd] == "(") depth++;
            else if (action[typeEnd] == ")") depth--;
            else if (depth == 0 && ClauseStarts.Contains(action[typeEnd])) break;
        }
        return new ColumnDefinition(action, name, action.Slice(typeStart, typeEnd), action.Slice(typeEnd));
    }
}

/// <summary>Readers for the table constraint an ALTER TABLE ... ADD [CONSTRAINT name] action adds.</summary>
public static class TableConstraint
{
    /// <summary>CHECK, UNIQUE, PRIMARY, FOREIGN or EXCLUDE when the action adds a table constraint, else null.</summary>
    public static string? Kind(TokenRange action)
    {
        if (!action.StartsWith("ADD") || action.Is(1, "COLUMN")) return null;
        int at = 1;
        if (action.Is(1, "CONSTRAINT")) action.Name(2, out at);
        return action[at] is "CHECK" or "UNIQUE" or "PRIMARY" or "FOREIGN" or "EXCLUDE" && action.Kind(at) == Sql.SqlTokenKind.Word ? action[at] : null;
    }

    public static bool NotValid(TokenRange action) => action.Has("NOT", "VALID");

    public static bool UsingIndex(TokenRange action) => action.Has("USING", "INDEX");
}
