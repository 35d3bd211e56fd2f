using Npgsql;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>One query an app image runs, with the line of the queries file it starts on.</summary>
public sealed record AppQuery(int Number, int Line, string Text);

/// <summary>Why a query did not prepare: PostgreSQL's SQLSTATE and message, and the name it could not find.</summary>
internal sealed record PrepareError(string SqlState, string Message, string? Missing);

/// <summary>
/// The SQL an app image runs (one statement per line, or ';'-separated; parameters as $1, as pg_stat_statements
/// exports them), prepared against a schema with PREPARE so nothing executes. Only statements PREPARE accepts are
/// checked (SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, WITH, TABLE); the rest are skipped.
/// </summary>
internal static class AppQueries
{
    private static readonly HashSet<string> Preparable = new(StringComparer.Ordinal) { "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "WITH", "TABLE" };

    /// <summary>The queries of a file; the option names it in the error for a file that is missing or cannot be split.</summary>
    public static IReadOnlyList<AppQuery> Load(string path, string option)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new MigrationException(ReasonCodes.InvalidArgument, $"{option} {path}: cannot read it ({e.Message}); give a file of the app's SQL, one statement per line or ';'-separated");
        }
        IEnumerable<(int Line, string Text)> statements;
        if (text.Contains(';'))
        {
            try { statements = SqlScript.Parse(text).Statements.Select(s => (s.Line, s.Text)); }
            catch (SqlSyntaxException e) { throw new MigrationException(ReasonCodes.InvalidArgument, $"{option} {path}:{e.Line}: {e.Message}"); }
        }
        else statements = text.Split('\n').Select((l, i) => (i + 1, l.Trim())).Where(l => l.Item2.Length > 0 && !l.Item2.StartsWith("--", StringComparison.Ordinal));
        return statements.Select((s, i) => new AppQuery(i + 1, s.Line, s.Text)).ToArray();
    }

    public static bool CanPrepare(AppQuery query)
    {
        var first = query.Text.TrimStart('(', ' ', '\t', '\r', '\n').Split([' ', '\t', '\r', '\n', '('], 2)[0].ToUpperInvariant();
        return Preparable.Contains(first);
    }

    /// <summary>Null when the query prepares against the connection's schema; else why not.</summary>
    public static async Task<PrepareError?> PrepareAsync(NpgsqlConnection conn, AppQuery query, CancellationToken ct)
    {
        try
        {
            await using (var prepare = new NpgsqlCommand("PREPARE schemamigrate_app_query AS " + query.Text, conn))
                await prepare.ExecuteNonQueryAsync(ct);
            await using var deallocate = new NpgsqlCommand("DEALLOCATE schemamigrate_app_query", conn);
            await deallocate.ExecuteNonQueryAsync(ct);
            return null;
        }
        catch (PostgresException e)
        {
            return new PrepareError(e.SqlState, Redactor.Redact(e.MessageText), MissingName(e));
        }
    }

    /// <summary>Parameters whose type PREPARE cannot infer say nothing about the schema.</summary>
    public static bool SaysNothing(PrepareError error) =>
        error.SqlState is PostgresErrorCodes.IndeterminateDatatype or PostgresErrorCodes.AmbiguousParameter or PostgresErrorCodes.SyntaxError;

    private static string? MissingName(PostgresException e)
    {
        if (e.SqlState is not (PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedFunction
            or PostgresErrorCodes.UndefinedObject or PostgresErrorCodes.InvalidTextRepresentation)) return null;
        var m = System.Text.RegularExpressions.Regex.Match(e.MessageText, "\"([^\"]+)\"");
        if (m.Success) return m.Groups[1].Value;
        m = System.Text.RegularExpressions.Regex.Match(e.MessageText, @"^(?:column|function|relation|type) ([^\s(]+)");
        return m.Success ? m.Groups[1].Value.Split('.')[^1] : null;
    }
}
