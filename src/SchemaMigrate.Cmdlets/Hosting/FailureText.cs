using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>
/// The text of a failure's ErrorRecord: the message, then the failing statement and PostgreSQL's detail, hint and
/// context when there are any (ErrorDetails; PowerShell shows it in place of the exception message). Redacted.
/// </summary>
internal static class FailureText
{
    public static string Describe(Failure failure) =>
        Redactor.Redact(string.Join(Environment.NewLine, failure.Particulars().Prepend(failure.Message))).ReplaceLineEndings();

    /// <summary>What reaches PowerShell from an exception the engine did not expect: its type and message, redacted.</summary>
    public static Failure Unexpected(Exception e) =>
        new() { Reason = ReasonCodes.UnexpectedError, Message = Redactor.Redact($"{e.GetType().Name}: {e.Message}") };

}
