using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Safety;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>What lint found: gate and naming findings, files that cannot run as written, and on what it judged.</summary>
public sealed record LintReport(string MigrationsDirectory, string Basis, IReadOnlyList<Finding> Findings, IReadOnlyList<Failure> Invalid,
    IReadOnlyList<StatementVerdict> Statements, int Files)
{
    public IReadOnlyList<Finding> Refused => Findings.Where(f => f.Refused).ToArray();

    /// <summary>MIGRATION_INVALID when a file cannot run as written, POLICY_VIOLATION when the gate would refuse, else null.</summary>
    public Failure? Failure =>
        Invalid.Count > 0 ? Invalid[0] with
        {
            Message = $"{Invalid.Count} file{(Invalid.Count == 1 ? "" : "s")} cannot run as written: {string.Join("; ", Invalid.Select(i => i.Message))}",
        }
        : Refused.Count > 0 ? DeployGate.Refusal(Refused, "the gate would apply nothing") : null;
}

/// <summary>
/// `lint` / Test-SchemaMigration: the deploy gate and the naming checks over a folder, with no database needed.
/// What counts as deployed decides what is "new": with <c>--applied-through ID</c> every file up to ID is deployed;
/// with a connection the journal says; with neither, each file is judged as if every file before it were
/// deployed, so a drop on a table an earlier file created is never waved through as a change to a new table.
/// <c>--applied-through none</c> says nothing is deployed yet (a first release).
/// </summary>
public static class Linter
{
    /// <summary>The --applied-through value for a folder none of whose files is deployed anywhere yet.</summary>
    public const string NothingDeployed = "none";

    public static async Task<LintReport> RunAsync(MigrationSettings settings, string? appliedThrough, CancellationToken ct = default)
    {
        var directory = MigrationDirectory.Existing(settings.MigrationsDirectory);
        var names = MigrationDirectory.EntryNames(directory).ToList();
        var findings = MigrationNaming.Check(names).Select(Naming).ToList();
        var invalid = new List<Failure>();
        var files = new List<MigrationFile>();
        foreach (var name in names.Where(MigrationNaming.IsMigrationFile))
        {
            try
            {
                var file = MigrationFile.Load(Path.Combine(directory, name));
                if (Migrator.CheckRunnable(file, names, settings) is { } problem) invalid.Add(problem);
                else files.Add(file);
            }
            catch (MigrationException e)
            {
                invalid.Add(e.Failure);
            }
        }

        var (applied, basis) = await DeployedAsync(settings, appliedThrough, names, ct);
        if (applied is not null)
        {
            var newest = applied.Where(id => names.Contains(id)).Order(StringComparer.Ordinal).LastOrDefault();
            findings.AddRange(files.Where(f => !applied.Contains(f.Id) && newest is not null && StringComparer.Ordinal.Compare(f.Id, newest) < 0)
                .Select(f => Finding(GateRules.Get<Safety.Rules.NamingBeforeApplied>(), f.Id, true, $"{f.Id} is new but sorts before {newest}, which is applied")));
        }
        var deployed = applied ?? new HashSet<string>();
        var gate = DeployGate.Judge(files.Where(f => deployed.Contains(f.Id)), files.Where(f => !deployed.Contains(f.Id)), settings, eachFileAlone: applied is null);
        findings.AddRange(gate.Findings);
        var ordered = findings.OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column).ToArray();
        return new LintReport(directory, basis, ordered, invalid, gate.Statements, gate.FilesJudged);
    }

    /// <summary>The ids treated as deployed and a sentence saying why; null ids when lint judges each file alone.</summary>
    internal static async Task<(IReadOnlySet<string>? Applied, string Basis)> DeployedAsync(MigrationSettings settings, string? appliedThrough, IReadOnlyList<string> names, CancellationToken ct)
    {
        if (string.Equals(appliedThrough, NothingDeployed, StringComparison.OrdinalIgnoreCase))
            return (new HashSet<string>(), $"{{applied-through}} {NothingDeployed}: nothing is deployed yet, every file is pending as one set");
        if (appliedThrough is not null)
        {
            if (!names.Contains(appliedThrough))
                throw new MigrationException(ReasonCodes.InvalidArgument,
                    $"{{applied-through}} {appliedThrough}: no such file in {settings.MigrationsDirectory}; name the newest deployed migration by its full file name, e.g. {names.LastOrDefault(MigrationNaming.IsMigrationFile) ?? "003_add_indexes.sql"}");
            var through = names.Where(n => MigrationNaming.IsMigrationFile(n) && StringComparer.Ordinal.Compare(n, appliedThrough) <= 0).ToHashSet(StringComparer.Ordinal);
            return (through, $"{{applied-through}} {appliedThrough}: {through.Count} file{(through.Count == 1 ? "" : "s")} treated as deployed, the rest judged as one pending set");
        }
        if (settings.ConnectionString is null)
            return (null, "no {applied-through} and no database: each file is judged as if every file before it were deployed");

        await using var database = DatabaseTarget.Create(settings);
        await using var conn = await database.OpenAsync(ct);
        JournalLocation table;
        IReadOnlyList<JournalEntry> journal;
        try
        {
            table = await JournalLocation.ResolveAsync(conn, settings, ct);
            journal = await Journal.ReadAsync(conn, table, ct);
        }
        catch (Exception e) when (e is not MigrationException && BookkeepingFailure.From(e, ct) is { } failure)
        {
            throw failure;
        }
        var ids = journal.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        return (ids, !table.Exists
            ? $"the journal {table.Name} on {database.Description} does not exist yet: every file is pending"
            : $"the journal {table.Name} on {database.Description}: {ids.Count} applied, never judged again");
    }

    private static Finding Naming(NamingIssue issue) =>
        Finding(GateRules.Find(issue.RuleId) ?? throw new InvalidOperationException($"naming rule {issue.RuleId} has no gate rule"), issue.File, issue.IsError, issue.Message);

    private static Finding Finding(GateRule rule, string file, bool error, string message) => new()
    {
        Rule = rule, File = file, Line = 1, Class = rule.Class, Verdict = error ? Verdict.Refused : Verdict.Warning, Message = message,
    };
}
