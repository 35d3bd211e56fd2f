using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>
/// The text of a failure's ErrorRecord: the message, then the failing statement and PostgreSQL's detail, hint and
/// context when there are any (ErrorDetails; PowerShell shows it in place of the exception message). Redacted.
/// </summary>
internal static class FailureText
{
    public static string Describe(Failure failure)
    {
        var lines = new List<string> { failure.Message };
        if (failure.Statement is { } statement) lines.Add("statement: " + FirstLines(statement));
        if (failure.Detail is { } detail) lines.Add("detail: " + detail);
        if (failure.Hint is { } hint) lines.Add("hint: " + hint);
        if (failure.Where is { } where) lines.Add("where: " + where);
        return Redactor.Redact(string.Join(Environment.NewLine, lines));
    }

    /// <summary>What reaches PowerShell from an exception the engine did not expect: its type and message, redacted.</summary>
    public static Failure Unexpected(Exception e) =>
        new() { Reason = ReasonCodes.UnexpectedError, Message = Redactor.Redact($"{e.GetType().Name}: {e.Message}") };

    private static string FirstLines(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        return string.Join(Environment.NewLine + "           ", lines.Take(3)) + (lines.Length > 3 ? " ..." : "");
    }
}
