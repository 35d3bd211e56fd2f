using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// A run of a statement's significant tokens (comments are already gone; strings, dollar-quoted bodies and quoted
/// identifiers are single tokens, so a keyword inside them never matches). Indexes are relative to the range.
/// </summary>
public readonly struct TokenRange
{
    private readonly SqlStatement _statement;

    public TokenRange(SqlStatement statement, int start, int end)
    {
        _statement = statement;
        Start = start;
        End = end;
    }

    public static TokenRange Of(SqlStatement statement) => new(statement, 0, statement.Tokens.Count);

    public int Start { get; }
    public int End { get; }
    public int Count => End - Start;
    public SqlStatement Statement => _statement;

    /// <summary>The i-th token as text, words upper-cased; "" past the end.</summary>
    public string this[int i] => i >= 0 && i < Count ? _statement.Keywords[Start + i] : "";

    public SqlTokenKind Kind(int i) => _statement.Tokens[Start + i].Kind;

    /// <summary>The i-th token, for its position.</summary>
    public SqlToken Token(int i) => _statement.Tokens[Start + Math.Clamp(i, 0, Math.Max(0, Count - 1))];

    /// <summary>True when the range continues with <paramref name="words"/> at position <paramref name="at"/>.</summary>
    public bool Is(int at, params string[] words)
    {
        for (int k = 0; k < words.Length; k++)
            if (this[at + k] != words[k] || Kind(at + k) != SqlTokenKind.Word) return false;
        return true;
    }

    public bool StartsWith(params string[] words) => Is(0, words);

    /// <summary>The first position of the word sequence outside parentheses, or -1.</summary>
    public int Find(params string[] words)
    {
        int depth = 0;
        for (int i = 0; i < Count; i++)
        {
            if (this[i] == "(") depth++;
            else if (this[i] == ")") depth--;
            else if (depth == 0 && Is(i, words)) return i;
        }
        return -1;
    }

    public bool Has(params string[] words) => Find(words) >= 0;

    /// <summary>True when the word sequence appears anywhere, inside parentheses too.</summary>
    public bool HasAnywhere(params string[] words)
    {
        for (int i = 0; i < Count; i++) if (Is(i, words)) return true;
        return false;
    }

    public TokenRange Slice(int from, int to = int.MaxValue) =>
        new(_statement, Start + Math.Clamp(from, 0, Count), Start + Math.Clamp(to, from, Count));

    /// <summary>The parts between commas outside parentheses (the actions of ALTER TABLE).</summary>
    public IReadOnlyList<TokenRange> SplitOnCommas()
    {
        var parts = new List<TokenRange>();
        int depth = 0, from = 0;
        for (int i = 0; i < Count; i++)
        {
            if (this[i] is "(" or "[") depth++;
            else if (this[i] is ")" or "]") depth--;
            else if (depth == 0 && this[i] == "," && Kind(i) == SqlTokenKind.Punctuation)
            {
                parts.Add(Slice(from, i));
                from = i + 1;
            }
        }
        if (from < Count) parts.Add(Slice(from));
        return parts;
    }

    public bool IsName(int i) => i < Count && Kind(i) is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier;

    /// <summary>A name, or a client-side placeholder for one (<c>:schema</c>, as psql and several runners substitute).</summary>
    private bool IsNamePart(int i) => IsName(i) || (this[i] == ":" && this[i + 1] != ":" && IsName(i + 1) && (i == 0 || this[i - 1] != ":"));

    private string NamePart(int i, out int next)
    {
        next = this[i] == ":" ? i + 2 : i + 1;
        return this[i] == ":" ? ":" + ObjectName.Fold(this[i + 1]) : ObjectName.Fold(this[i]);
    }

    /// <summary>Reads name(.name)* at <paramref name="at"/>; <paramref name="next"/> is the position after it. Null if no name is there.</summary>
    public ObjectName? Name(int at, out int next)
    {
        next = at;
        if (!IsNamePart(at)) return null;
        var parts = new List<string> { NamePart(at, out next) };
        while (this[next] == "." && IsNamePart(next + 1)) parts.Add(NamePart(next + 1, out next));
        return new ObjectName(parts);
    }

    public ObjectName? Name(int at) => Name(at, out _);

    /// <summary>Skips IF [NOT] EXISTS and ONLY at <paramref name="at"/>.</summary>
    public int SkipGuards(int at)
    {
        while (true)
        {
            if (Is(at, "IF", "NOT", "EXISTS")) at += 3;
            else if (Is(at, "IF", "EXISTS")) at += 2;
            else if (Is(at, "ONLY")) at += 1;
            else return at;
        }
    }
}
