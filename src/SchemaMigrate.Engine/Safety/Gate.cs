using SchemaMigrate.Engine.Configuration;

namespace SchemaMigrate.Engine.Safety;

/// <summary>
/// The expand/contract deploy gate (seed 000): classifies every statement of every pending file and decides, from
/// the file's declared phase, the phases this run allows and the file's waivers, which findings refuse the run.
/// Applied files are never judged; they are read for what they created.
/// </summary>
public static class Gate
{
    public static GateReport Judge(IReadOnlyList<GateFile> files, GateOptions options)
    {
        var facts = new GateFacts();
        var findings = new List<Finding>();
        var statements = new List<StatementVerdict>();
        var judged = 0;

        foreach (var file in files)
        {
            if (!file.Applied && options.EachFileAlone) facts.ForgetNew();
            facts.StartFile();
            var fileFindings = new List<Finding>();
            foreach (var statement in file.Script.Statements)
            {
                var context = new StatementContext(file, statement, facts, options);
                if (!file.Applied)
                {
                    foreach (var rule in GateRules.Statements) rule.Check(context);
                    var found = context.Reports.Select(r => Decide(file, options, r)).ToList();
                    fileFindings.AddRange(found);
                    var @class = found.Count == 0 ? StatementClass.Expand : found.Max(f => f.Class);
                    statements.Add(new StatementVerdict(file.Id, statement.Line, @class) { Predictions = Predict(context, @class) });
                }
                facts.Learn(context, file.Applied);
            }
            if (file.Applied) continue;
            judged++;
            fileFindings.AddRange(PhaseAndWaivers(file, options, fileFindings));
            findings.AddRange(fileFindings.OrderBy(f => f.Line).ThenBy(f => f.Column));
        }
        return new GateReport(findings, statements, judged);
    }

    private static Finding Decide(GateFile file, GateOptions options, StatementContext.Reported report)
    {
        var text = file.Script.Text;
        var lineStart = report.At.Start == 0 ? 0 : text.LastIndexOf('\n', report.At.Start - 1) + 1;
        return Decide(file, options, report.Rule, report.Class, report.At.Line, report.Message) with { Column = report.At.Start - lineStart + 1 };
    }

    /// <summary>
    /// A finding at a line of a pending file, with the verdict the file's phase, this run's allowed phases and the
    /// file's waivers give it: the one way every finding is decided, the trace's included.
    /// </summary>
    public static Finding Decide(GateFile file, GateOptions options, GateRule rule, StatementClass @class, int line, string message)
    {
        var (verdict, because) = Verdict(file, options, @class, rule);
        var waiver = file.Waivers.FirstOrDefault(w => w.RuleId == rule.Id);
        if (waiver is not null && verdict != Safety.Verdict.Note)
            (verdict, because) = (Safety.Verdict.Waived, $"waived at line {waiver.Line}: {waiver.Reason}");
        return new Finding { Rule = rule, File = file.Id, Line = line, Class = @class, Verdict = verdict, Message = message, Because = because };
    }

    /// <summary>
    /// What the gate expects of the statement on PostgreSQL: each reporting rule's own prediction, and for a statement
    /// it judged Expand or Risky that no rule predicts for, that no table that existed before the set is rewritten (and
    /// the SHARE UPDATE EXCLUSIVE of the CONCURRENTLY and VALIDATE forms).
    /// </summary>
    private static IReadOnlyList<Trace.StatementPrediction> Predict(StatementContext context, StatementClass @class)
    {
        var relation = (context.Shape.Table ?? context.Shape.Name)?.Name;
        var predictions = context.Reports
            .Select(r => (r.Rule as StatementRule)?.Predicts(r.Class) is { } p ? new Trace.StatementPrediction(relation, p.Lock, p.Rewrite, r.Rule.Id) : null)
            .OfType<Trace.StatementPrediction>().Distinct().ToList();
        if (@class > StatementClass.Risky || predictions.Any(p => p.Rewrite is not null)) return predictions;
        var s = context.Shape;
        var weakDdl = s.Verb == "CREATE" && s.Kind == "INDEX" && s.Concurrently || s.Actions.Count == 1 && s.Actions[0].StartsWith("VALIDATE", "CONSTRAINT");
        predictions.Add(new Trace.StatementPrediction(relation, weakDdl && !context.IsNew(s.Table) ? Trace.LockMode.ShareUpdateExclusiveLock : null, Rewrite: false, "gate"));
        return predictions;
    }

    private static (Verdict, string?) Verdict(GateFile file, GateOptions options, StatementClass @class, GateRule rule)
    {
        var allowed = IsAllowed(file.Phase, options.Allowed);
        var phase = file.Phase.ToString().ToLowerInvariant();
        switch (@class)
        {
            case StatementClass.Expand: return (Safety.Verdict.Note, null);
            case StatementClass.Risky: return (Safety.Verdict.Warning, null);
            case StatementClass.Blocked:
                return (Safety.Verdict.Refused, $"never run as written: use the safe recipe on the rule's page, or waive it with '-- schemamigrate:allow {rule.Id} <reason>'");
            case StatementClass.Opaque when file.Phase != MigrationPhase.Expand:
                return allowed ? (Safety.Verdict.Allowed, $"the file declares {phase} and this run allows it") : (Safety.Verdict.Refused, NotAllowed(file.Phase));
            case StatementClass.Opaque:
                return (Safety.Verdict.Refused,
                    $"the gate cannot tell what it does: declare the file's phase ('-- schemamigrate:contract' or 'backfill'), or waive it with '-- schemamigrate:allow {rule.Id} <what it does>'");
        }
        var needed = @class == StatementClass.Contract ? MigrationPhase.Contract : MigrationPhase.Backfill;
        var neededName = needed.ToString().ToLowerInvariant();
        if (file.Phase == needed)
            return allowed ? (Safety.Verdict.Allowed, $"the file declares {phase} and this run allows it") : (Safety.Verdict.Refused, NotAllowed(file.Phase));
        if (file.Phase != MigrationPhase.Expand)
            return (Safety.Verdict.Refused, $"this file declares {phase}; a {neededName} step belongs in a file of its own that starts with '-- schemamigrate:{neededName}'");
        return (Safety.Verdict.Refused, needed == MigrationPhase.Contract
            ? "a contract step: move it to a file that starts with '-- schemamigrate:contract' and run it after full cutover with --allow contract"
            : "a backfill: move it to a file that starts with '-- schemamigrate:backfill' and run it as its own job with --allow backfill");
    }

    private static IEnumerable<Finding> PhaseAndWaivers(GateFile file, GateOptions options, IReadOnlyList<Finding> found)
    {
        if (file.Phase != MigrationPhase.Expand && !IsAllowed(file.Phase, options.Allowed))
            yield return new Finding
            {
                Rule = GateRules.Get<Rules.PhaseNotAllowed>(), File = file.Id, Line = file.PhaseLine, Class = file.Phase == MigrationPhase.Contract ? StatementClass.Contract : StatementClass.Backfill,
                Verdict = Safety.Verdict.Refused, Message = $"{file.Id} declares the {file.Phase.ToString().ToLowerInvariant()} phase", Because = NotAllowed(file.Phase),
            };
        foreach (var waiver in file.Waivers.Where(w => found.All(f => f.RuleId != w.RuleId || f.Verdict != Safety.Verdict.Waived)))
            yield return new Finding
            {
                Rule = GateRules.Get<Rules.UnusedAllow>(), File = file.Id, Line = waiver.Line, Class = StatementClass.Risky, Verdict = Safety.Verdict.Warning,
                Message = $"'allow {waiver.RuleId}' matched no finding in {file.Id}", Because = "remove it, so it cannot silently waive a later change",
            };
    }

    private static bool IsAllowed(MigrationPhase phase, AllowedPhases allowed) => phase switch
    {
        MigrationPhase.Contract => allowed.HasFlag(AllowedPhases.Contract),
        MigrationPhase.Backfill => allowed.HasFlag(AllowedPhases.Backfill),
        _ => true,
    };

    private static string NotAllowed(MigrationPhase phase)
    {
        var name = phase.ToString().ToLowerInvariant();
        return $"this run does not allow the {name} phase: run it when {name} is due with --allow {name} (-Allow {phase}, SCHEMAMIGRATE_ALLOW={name})";
    }
}
