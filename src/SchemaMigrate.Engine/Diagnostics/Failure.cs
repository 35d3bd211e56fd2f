namespace SchemaMigrate.Engine.Diagnostics;

/// <summary>
/// Why an operation failed, in the shape every surface shares: the runner's result line, the cmdlets'
/// ErrorRecord and the artifacts. Every text field has already been through <see cref="Redactor"/>.
/// </summary>
public sealed record Failure
{
    public required ReasonCode Reason { get; init; }
    public required string Message { get; init; }
    public string? File { get; init; }
    public int? Line { get; init; }
    public string? SqlState { get; init; }
    public string? Detail { get; init; }
    public string? Hint { get; init; }
    /// <summary>PostgreSQL's context line, e.g. the PL/pgSQL function and line that raised.</summary>
    public string? Where { get; init; }
    public int? Position { get; init; }
    public string? Statement { get; init; }
    /// <summary>What the operator should do; defaults to the reason code's catalogue entry.</summary>
    public string? NextStep { get; init; }
    /// <summary>The option the failure is about, surface-neutral (e.g. dev-database): "{parameter}" in the texts; default the connection.</summary>
    public string? Parameter { get; init; }

    public string ReasonCode => Reason.Code;
    public string Action => NextStep ?? Reason.NextStep;

    /// <summary>The failure as a front shows it: the option names in its message and next step spelled that front's way.</summary>
    public Failure For(OptionNames names) => this with
    {
        Message = names.Render(Message, Parameter),
        NextStep = names.Render(Action, Parameter),
    };

    /// <summary>"file:line" when known, for messages and error targets.</summary>
    public string? Location => File is null ? null : Line is null ? File : $"{File}:{Line}";

    /// <summary>
    /// The failing statement (its first three lines) and PostgreSQL's detail, hint and context, each as one
    /// "label: text" entry for people; a statement's further lines are indented under its first. Redacted.
    /// </summary>
    public IEnumerable<string> Particulars()
    {
        if (Statement is { } statement)
        {
            var lines = statement.ReplaceLineEndings("\n").Split('\n');
            yield return Redactor.Redact("statement: " + string.Join("\n           ", lines.Take(3)) + (lines.Length > 3 ? " ..." : ""));
        }
        if (Detail is { } detail) yield return Redactor.Redact("detail: " + detail);
        if (Hint is { } hint) yield return Redactor.Redact("hint: " + hint);
        if (Where is { } where) yield return Redactor.Redact("where: " + where);
    }
}

/// <summary>The one exception type the engine throws for an expected failure.</summary>
public sealed class MigrationException : Exception
{
    // Redacted here too: $Error[0].Exception.Message reaches the operator without passing any output formatter.
    public MigrationException(Failure failure, Exception? inner = null) : base(Redactor.Redact(failure.Message), inner) => Failure = failure;

    public MigrationException(ReasonCode reason, string message, Exception? inner = null)
        : this(new Failure { Reason = reason, Message = Redactor.Redact(message) }, inner) { }

    public Failure Failure { get; }
    public ReasonCode Reason => Failure.Reason;
}
