namespace SchemaMigrate.Engine.Sql;

/// <summary>
/// One top-level statement of a script. <see cref="Text"/> runs from its first significant token to the token
/// before its terminating semicolon; <see cref="Line"/> is the 1-based line of that first token in the file.
/// <see cref="Tokens"/> are its significant tokens (no comments) with offsets into the file.
/// </summary>
public sealed class SqlStatement
{
    private readonly string _source;

    internal SqlStatement(string source, IReadOnlyList<SqlToken> tokens, int end)
    {
        _source = source;
        Tokens = tokens;
        Offset = tokens[0].Start;
        Line = tokens[0].Line;
        Text = source[Offset..end].TrimEnd();
        Keywords = tokens.Select(t => t.Kind == SqlTokenKind.Word ? t.Text(source).ToUpperInvariant() : t.Text(source)).ToArray();
    }

    public string Text { get; }
    public int Line { get; }
    public int Offset { get; }
    public IReadOnlyList<SqlToken> Tokens { get; }

    /// <summary>Significant tokens as text, words upper-cased: the input of keyword-based classification.</summary>
    public IReadOnlyList<string> Keywords { get; }

    /// <summary>True when the statement starts with the given keywords, in order.</summary>
    public bool StartsWith(params string[] words) =>
        words.Length <= Keywords.Count && words.Select((w, i) => Keywords[i] == w).All(x => x);

    /// <summary>True when the keyword appears anywhere among the statement's significant tokens.</summary>
    public bool Contains(string word) => Keywords.Contains(word);

    /// <summary>
    /// The name token <paramref name="index"/> stands for, as PostgreSQL stores it: an unquoted word with its ASCII
    /// letters folded to lower case, a "quoted" identifier without its quotes; null for any other token.
    /// </summary>
    public string? Name(int index)
    {
        var token = Tokens[index];
        var text = token.Text(_source);
        return token.Kind switch
        {
            SqlTokenKind.Word => string.Create(text.Length, text, (span, t) =>
            {
                for (int i = 0; i < t.Length; i++) span[i] = t[i] is >= 'A' and <= 'Z' ? (char)(t[i] + 32) : t[i];
            }),
            SqlTokenKind.QuotedIdentifier when text.StartsWith('"') => text[1..^1].Replace("\"\"", "\""),
            _ => null,
        };
    }

    /// <summary>The statement on one line (whitespace collapsed), cut at a word boundary to at most about <paramref name="max"/> characters.</summary>
    public string OneLine(int max = 80)
    {
        var text = string.Join(' ', Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length <= max) return text;
        var cut = text.LastIndexOf(' ', max - 4);
        return text[..(cut > 0 ? cut : max - 4)] + " ...";
    }

    /// <summary>Maps a 1-based character position inside <see cref="Text"/> (as PostgreSQL reports it) to a file line.</summary>
    public int LineOfPosition(int position)
    {
        int upTo = Math.Clamp(position - 1, 0, Text.Length);
        int line = Line;
        for (int k = 0; k < upTo; k++) if (Text[k] == '\n') line++;
        return line;
    }

    public override string ToString() => Text;
}

/// <summary>A script split into statements, plus the comments that precede its first statement.</summary>
public sealed class SqlScript
{
    private SqlScript(string text, IReadOnlyList<SqlStatement> statements, IReadOnlyList<SqlToken> comments)
    {
        Text = text;
        Statements = statements;
        Comments = comments;
    }

    public string Text { get; }
    public IReadOnlyList<SqlStatement> Statements { get; }

    /// <summary>Every comment token in the script, in order.</summary>
    public IReadOnlyList<SqlToken> Comments { get; }

    /// <summary>
    /// Splits on top-level semicolons. A semicolon does not end a statement inside parentheses (CREATE RULE
    /// actions) or inside a SQL-standard routine body (CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC ... END),
    /// where CASE ... END nests the way psql counts it.
    /// </summary>
    public static SqlScript Parse(string sql)
    {
        var all = SqlTokenizer.Tokenize(sql);
        var statements = new List<SqlStatement>();
        var current = new List<SqlToken>();
        int parens = 0, blocks = 0;
        bool routine = false;

        foreach (var token in all)
        {
            if (token.IsComment) continue;
            if (token.Kind == SqlTokenKind.Semicolon && parens <= 0 && blocks <= 0)
            {
                if (current.Count > 0) statements.Add(new SqlStatement(sql, current, token.Start));
                current = [];
                parens = blocks = 0;
                routine = false;
                continue;
            }

            current.Add(token);
            if (token.Kind == SqlTokenKind.Punctuation)
            {
                char p = sql[token.Start];
                if (p == '(') parens++;
                else if (p == ')') parens--;
            }
            else if (token.Kind == SqlTokenKind.Word)
            {
                var word = token.Text(sql).ToUpperInvariant();
                if (current.Count <= 4 && word is "FUNCTION" or "PROCEDURE" && current[0].Text(sql).Equals("CREATE", StringComparison.OrdinalIgnoreCase))
                    routine = true;
                else if (routine && word == "BEGIN") blocks++;
                else if (routine && blocks > 0 && word == "CASE") blocks++;
                else if (routine && blocks > 0 && word == "END") blocks--;
            }
        }
        if (current.Count > 0)
        {
            var last = current[^1];
            statements.Add(new SqlStatement(sql, current, last.Start + last.Length));
        }
        return new SqlScript(sql, statements, all.Where(t => t.IsComment).ToArray());
    }
}
