namespace SchemaMigrate.Engine.Sql;

public enum SqlTokenKind
{
    Word,
    QuotedIdentifier,
    String,
    DollarString,
    Number,
    Parameter,
    Operator,
    Punctuation,
    Semicolon,
    LineComment,
    BlockComment,
}

/// <summary>A token of PostgreSQL's lexical grammar; <see cref="Start"/> is an offset into the tokenized text.</summary>
public readonly record struct SqlToken(SqlTokenKind Kind, int Start, int Length, int Line)
{
    public bool IsComment => Kind is SqlTokenKind.LineComment or SqlTokenKind.BlockComment;
    public string Text(string source) => source.Substring(Start, Length);
}

/// <summary>Text that cannot be tokenized, e.g. a string or comment that never ends.</summary>
public sealed class SqlSyntaxException(string message, int line) : Exception(message)
{
    public int Line { get; } = line;
}

/// <summary>
/// The one SQL tokenizer. It follows PostgreSQL's lexer closely enough to find statement boundaries and
/// keywords: -- and nested /* */ comments, '' strings, E'' strings with backslash escapes, U&amp;'' B'' X'' N''
/// strings, "" identifiers, $tag$ dollar quoting ($1 is a parameter, a$b$ an identifier). Whitespace is skipped.
/// </summary>
public static class SqlTokenizer
{
    public static List<SqlToken> Tokenize(string sql)
    {
        var tokens = new List<SqlToken>();
        int i = 0, line = 1, n = sql.Length;

        while (i < n)
        {
            char c = sql[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }

            int start = i, startLine = line;
            SqlTokenKind kind;

            if (c == '-' && Peek(sql, i + 1) == '-')
            {
                while (i < n && sql[i] != '\n') i++;
                kind = SqlTokenKind.LineComment;
            }
            else if (c == '/' && Peek(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i, ref line);
                kind = SqlTokenKind.BlockComment;
            }
            else if (c == '\'')
            {
                i = SkipQuoted(sql, i, '\'', backslashEscapes: false, ref line, "string");
                kind = SqlTokenKind.String;
            }
            else if (c == '"')
            {
                i = SkipQuoted(sql, i, '"', backslashEscapes: false, ref line, "quoted identifier");
                kind = SqlTokenKind.QuotedIdentifier;
            }
            else if (c == '$' && char.IsAsciiDigit(Peek(sql, i + 1)))
            {
                i++;
                while (i < n && char.IsAsciiDigit(sql[i])) i++;
                kind = SqlTokenKind.Parameter;
            }
            else if (c == '$' && TryDollarTag(sql, i, out var tag))
            {
                int close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                if (close < 0)
                    throw new SqlSyntaxException($"unterminated dollar-quoted string: {tag} opened here is never closed", startLine);
                line += Count(sql, i, close + tag.Length, '\n');
                i = close + tag.Length;
                kind = SqlTokenKind.DollarString;
            }
            else if (IsIdentStart(c))
            {
                // String prefixes: E'..' (escapes), U&'..' / U&".." (unicode), B'..', X'..', N'..'.
                char next = Peek(sql, i + 1);
                if ((c is 'e' or 'E') && next == '\'')
                {
                    i = SkipQuoted(sql, i + 1, '\'', backslashEscapes: true, ref line, "string");
                    kind = SqlTokenKind.String;
                }
                else if ((c is 'u' or 'U') && next == '&' && Peek(sql, i + 2) is '\'' or '"')
                {
                    char q = sql[i + 2];
                    i = SkipQuoted(sql, i + 2, q, backslashEscapes: false, ref line, q == '"' ? "quoted identifier" : "string");
                    kind = q == '"' ? SqlTokenKind.QuotedIdentifier : SqlTokenKind.String;
                }
                else if ((c is 'b' or 'B' or 'x' or 'X' or 'n' or 'N') && next == '\'')
                {
                    i = SkipQuoted(sql, i + 1, '\'', backslashEscapes: false, ref line, "string");
                    kind = SqlTokenKind.String;
                }
                else
                {
                    i++;
                    while (i < n && (IsIdentCont(sql[i]))) i++;
                    kind = SqlTokenKind.Word;
                }
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(sql, i + 1))))
            {
                i++;
                while (i < n && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] is '_' or '.'
                                 || (sql[i] is '+' or '-' && sql[i - 1] is 'e' or 'E')))
                    i++;
                kind = SqlTokenKind.Number;
            }
            else if (c == ';')
            {
                i++;
                kind = SqlTokenKind.Semicolon;
            }
            else if (c is '(' or ')' or '[' or ']' or ',' or ':' or '.')
            {
                i++;
                kind = SqlTokenKind.Punctuation;
            }
            else
            {
                i++;
                kind = SqlTokenKind.Operator;
            }

            tokens.Add(new SqlToken(kind, start, i - start, startLine));
        }
        return tokens;
    }

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= '\u0080';

    private static bool IsIdentCont(char c) => IsIdentStart(c) || char.IsAsciiDigit(c) || c == '$';

    private static int Count(string s, int from, int to, char c)
    {
        int count = 0;
        for (int k = from; k < to; k++) if (s[k] == c) count++;
        return count;
    }

    /// <summary>$tag$ where tag is empty or an identifier that does not start with a digit.</summary>
    private static bool TryDollarTag(string s, int i, out string tag)
    {
        tag = "";
        int k = i + 1;
        if (k < s.Length && s[k] != '$')
        {
            if (!IsIdentStart(s[k])) return false;
            while (k < s.Length && (IsIdentStart(s[k]) || char.IsAsciiDigit(s[k]))) k++;
        }
        if (k >= s.Length || s[k] != '$') return false;
        tag = s.Substring(i, k - i + 1);
        return true;
    }

    private static int SkipBlockComment(string s, int i, ref int line)
    {
        int startLine = line, depth = 0;
        while (i < s.Length)
        {
            if (s[i] == '/' && Peek(s, i + 1) == '*') { depth++; i += 2; continue; }
            if (s[i] == '*' && Peek(s, i + 1) == '/')
            {
                i += 2;
                if (--depth == 0) return i;
                continue;
            }
            if (s[i] == '\n') line++;
            i++;
        }
        throw new SqlSyntaxException("unterminated /* comment", startLine);
    }

    /// <summary>Skips a quoted run starting at the opening quote; a doubled quote is an escaped quote.</summary>
    private static int SkipQuoted(string s, int i, char quote, bool backslashEscapes, ref int line, string what)
    {
        int startLine = line;
        i++;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\n') line++;
            if (backslashEscapes && c == '\\' && i + 1 < s.Length)
            {
                if (s[i + 1] == '\n') line++;
                i += 2;
                continue;
            }
            if (c == quote)
            {
                if (Peek(s, i + 1) == quote) { i += 2; continue; }
                return i + 1;
            }
            i++;
        }
        throw new SqlSyntaxException($"unterminated {what}", startLine);
    }
}
