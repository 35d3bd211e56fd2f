namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// A rule of the deploy gate and everything a reader needs about it: its frozen kebab-case id (what an allow
/// directive names), its class, the lock it takes and what that blocks, why it is unsafe for the previous app
/// image, and the safe recipe. Each rule is one sealed class in Safety/Rules named after its id, with one page
/// docs/gate/&lt;id&gt;.md whose two SQL examples are its test fixtures.
/// </summary>
public abstract class GateRule(string id, StatementClass @class, string title, string locks, string effect, string recipe)
{
    public string Id { get; } = id;
    public StatementClass Class { get; } = @class;
    public string Title { get; } = title;
    /// <summary>The lock the statement takes and what it blocks, or "none".</summary>
    public string Locks { get; } = locks;
    /// <summary>Why it is unsafe: what the old app (or traffic) would hit.</summary>
    public string Effect { get; } = effect;
    /// <summary>The safe way: CONCURRENTLY; NOT VALID then VALIDATE; add, backfill, then contract.</summary>
    public string Recipe { get; } = recipe;
    /// <summary>The PostgreSQL versions the rule's reasoning holds for.</summary>
    public virtual string PgVersions => "12+";

    /// <summary>The rule's page, relative to the repository root.</summary>
    public string Page => $"docs/gate/{Id}.md";
    public string HelpUri => GateRules.DocsBaseUri + Id + ".md";

    /// <summary>What the expand gate does with a finding of this rule in an undeclared file.</summary>
    public string Default => Class switch
    {
        StatementClass.Expand => "note",
        StatementClass.Risky => "warn",
        _ => "refuse",
    };

    public override string ToString() => Id;
}

/// <summary>A rule that looks at statements. <see cref="Check"/> reports through the context; it never throws for odd SQL.</summary>
public abstract class StatementRule(string id, StatementClass @class, string title, string locks, string effect, string recipe)
    : GateRule(id, @class, title, locks, effect, recipe)
{
    public abstract void Check(StatementContext context);

    /// <summary>What a statement this rule reported at <paramref name="class"/> does on PostgreSQL, for the trace to check; null predicts nothing.</summary>
    public virtual Trace.RulePrediction? Predicts(StatementClass @class) => null;

    /// <summary>
    /// The body of require-lock-timeout and require-statement-timeout: once per file, on its first statement that locks an
    /// existing table before the file SETs <paramref name="setting"/>: the exemption when there is one, else satisfied by the
    /// runner when <paramref name="option"/> is above zero, else reported at the rule's class.
    /// </summary>
    /// <param name="unset">How the option reads when it sets nothing, e.g. "--lock-timeout is 0".</param>
    /// <param name="runnerAlso">What else the runner does about it, appended to the satisfied message.</param>
    /// <param name="exemption">Why this statement needs no timeout (a satisfied finding), or null.</param>
    private protected void RequireTimeout(StatementContext context, string setting, TimeSpan option, bool setInFile, ref bool reportedInFile,
        string unset, string runnerAlso = "", string? exemption = null)
    {
        if (!context.LocksExistingTable || setInFile || reportedInFile) return;
        reportedInFile = true;
        if (exemption is not null)
            context.Report(this, exemption, StatementClass.Expand);
        else if (option > TimeSpan.Zero)
            context.Report(this, $"satisfied by the runner: it sets {setting}={Configuration.Durations.Format(option)} for every migration statement{runnerAlso}", StatementClass.Expand);
        else
            context.Report(this, $"no {setting}: {unset} and the file does not SET {setting} before this statement");
    }
}

/// <summary>A rule of the trace (`verify --trace`): what PostgreSQL did, the schema diff, the app images' queries.</summary>
public abstract class TraceRule(string id, StatementClass @class, string title, string locks, string effect, string recipe)
    : GateRule(id, @class, title, locks, effect, recipe)
{
}

/// <summary>A rule about the folder rather than a statement (file names, directives); reported by whoever checks that.</summary>
public abstract class FolderRule(string id, StatementClass @class, string title, string effect, string recipe)
    : GateRule(id, @class, title, "none", effect, recipe)
{
    public override string PgVersions => "any";
}
