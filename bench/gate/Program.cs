using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Engine.Safety;
using SchemaMigrate.Bench.Gate;

// The deploy gate beside squawk on the same public migrations: which statements each flags, per rule, and how long
// linting 1,000 files takes. Findings are compared per statement (file and statement index), as both tools judge
// statements; squawk runs with --assume-in-transaction --pg-version 15, as our runner runs each file in a
// transaction, and our gate judges each file alone, as squawk does.
var root = args.Length > 0 ? args[0] : throw new ArgumentException("usage: GateBench <repo root> [runs]");
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var bench = Path.Combine(root, "bench");
var squawk = Path.Combine(bench, "node_modules", ".bin", "squawk");
var runner = Path.Combine(bench, ".out", "runner", "MigrateRunner.dll");
var squawkVersion = JsonDocument.Parse(File.ReadAllText(Path.Combine(bench, "node_modules", "squawk-cli", "package.json"))).RootElement.GetProperty("version").GetString();
var settings = new MigrationSettings();
var work = Directory.CreateTempSubdirectory("schemamigrate-gatebench-").FullName;

var packages = Directory.GetDirectories(Path.Combine(bench, ".corpus")).Where(d => File.Exists(Path.Combine(d, ".source"))).Order(StringComparer.Ordinal).ToList();
var rows = new Dictionary<string, (int Both, int Ours, int Squawk)>();
var disagreements = new List<string>();
var sources = new List<string>();
var (files, statements, invalid) = (0, 0, new List<string>());
var squawkCrashes = new List<string>();
var oursOnCrashed = 0;
var unparsed = new Dictionary<string, int>(); // ours-only findings on statements squawk reported a syntax error for
var allSql = new List<string>();

foreach (var package in packages)
{
    var source = File.ReadAllText(Path.Combine(package, ".source")).Split(' ', StringSplitOptions.TrimEntries);
    var sql = Directory.GetFiles(Path.Combine(package, "package", source[1]), "*.sql").Order(StringComparer.Ordinal).ToList();
    sources.Add($"`{source[0]}` ({sql.Count} files under `{source[1]}`)");
    allSql.AddRange(sql);
    files += sql.Count;

    var loaded = new List<MigrationFile>();
    foreach (var path in sql)
    {
        try { loaded.Add(MigrationFile.Load(path)); }
        catch (MigrationException e) { invalid.Add($"{source[0]} {Path.GetFileName(path)}: {e.Failure.ReasonCode} (not judged)"); }
    }
    // What the runner refuses to run as written (transaction control, CONCURRENTLY in a transaction) is not the gate's; lint lists it apart.
    invalid.AddRange((await Linter.RunAsync(settings with { MigrationsDirectory = Path.Combine(package, "package", source[1]) }, null)).Invalid
        .Select(f => $"{source[0]} {f.File}:{f.Line}: {f.Message}"));
    statements += loaded.Sum(f => f.Script.Statements.Count);
    var ours = DeployGate.Judge([], loaded, settings, eachFileAlone: true).Findings
        .Where(f => f.Verdict is not Verdict.Allowed)
        .Select(f => (File: f.File, Statement: StatementIndex(loaded.First(l => l.Id == f.File), f.Line), Rule: f.RuleId))
        .ToHashSet();

    // One squawk process per file: a parser panic on one file would otherwise silence the whole batch.
    var squawkFindings = new HashSet<(string File, int Statement, string Rule)>();
    var violations = new List<JsonElement>();
    foreach (var path in sql)
    {
        var (output, _, stderr) = Run(squawk, Path.GetDirectoryName(path)!, ["--reporter", "json", "--pg-version", "15", "--assume-in-transaction", Path.GetFileName(path)]);
        if (stderr.Contains("panicked", StringComparison.Ordinal)) { squawkCrashes.Add(path); continue; }
        violations.AddRange(JsonDocument.Parse(output.Length == 0 ? "[]" : output).RootElement.EnumerateArray());
    }
    foreach (var v in violations)
    {
        var id = Path.GetFileName(v.GetProperty("file").GetString()!);
        var file = loaded.FirstOrDefault(l => l.Id == id);
        var line = v.GetProperty("line").GetInt32() + 1; // squawk's lines are 0-based
        squawkFindings.Add((id, file is null ? -1 : StatementIndex(file, line), SquawkToOurs(v.GetProperty("rule_name").GetString()!)));
    }

    // A file squawk crashed on cannot be compared: our findings there are counted apart.
    var crashed = squawkCrashes.Select(Path.GetFileName).ToHashSet();
    oursOnCrashed += ours.Count(o => crashed.Contains(o.File));
    ours.RemoveWhere(o => crashed.Contains(o.File));
    foreach (var rule in ours.Select(o => o.Rule).Concat(squawkFindings.Select(s => s.Rule)).Distinct())
    {
        var o = ours.Where(x => x.Rule == rule).Select(x => (x.File, x.Statement)).ToHashSet();
        var s = squawkFindings.Where(x => x.Rule == rule).Select(x => (x.File, x.Statement)).ToHashSet();
        var row = rows.GetValueOrDefault(rule);
        rows[rule] = (row.Both + o.Intersect(s).Count(), row.Ours + o.Except(s).Count(), row.Squawk + s.Except(o).Count());
        unparsed[rule] = unparsed.GetValueOrDefault(rule) + o.Except(s).Count(x => squawkFindings.Contains((x.File, x.Statement, "syntax-error")));
        disagreements.AddRange(o.Except(s).Select(x => $"{source[0]} {x.File} statement {x.Statement + 1}: ours only, {rule}"));
        disagreements.AddRange(s.Except(o).Select(x => $"{source[0]} {x.File} statement {x.Statement + 1}: squawk only, {rule}"));
    }
}

// 1,000 files: the corpus repeated, renamed to one numbered sequence (without the files squawk crashes on).
allSql = allSql.Except(squawkCrashes).ToList();
var thousand = Path.Combine(work, "thousand");
Directory.CreateDirectory(thousand);
for (int i = 0; i < 1000; i++)
    File.Copy(allSql[i % allSql.Count], Path.Combine(thousand, $"{i + 1:0000}_{Path.GetFileName(allSql[i % allSql.Count]).Replace('-', '_')}"));
var thousandNames = Directory.GetFiles(thousand).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
var timings = new Dictionary<string, List<double>> { ["MigrateRunner lint"] = [], ["squawk"] = [], ["gate in-process (Linter, warm)"] = [] };
await Linter.RunAsync(settings with { MigrationsDirectory = thousand }, null);
for (int r = 0; r < runs; r++)
{
    timings["MigrateRunner lint"].Add(Run("dotnet", thousand, [runner, "lint", "--migrations-dir", thousand, "--format", "json"]).Seconds);
    var timed = Run(squawk, thousand, ["--reporter", "json", "--pg-version", "15", "--assume-in-transaction", .. thousandNames!]);
    if (timed.Stderr.Contains("panicked", StringComparison.Ordinal)) throw new InvalidOperationException("squawk crashed on the 1,000-file set");
    timings["squawk"].Add(timed.Seconds);
    var clock = Stopwatch.StartNew();
    await Linter.RunAsync(settings with { MigrationsDirectory = thousand }, null);
    timings["gate in-process (Linter, warm)"].Add(clock.Elapsed.TotalSeconds);
}

var report = new StringBuilder();
report.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end: the machine is shared). squawk-cli {squawkVersion} (`--pg-version 15 --assume-in-transaction`), MigrateRunner lint (each file judged alone).");
report.AppendLine();
report.AppendLine($"Corpus ({files} files, {statements} statements), fetched by bench/gate.sh with `npm pack`: {string.Join(", ", sources)}.");
report.AppendLine();
report.AppendLine("## Findings per rule, counted per statement");
report.AppendLine();
report.AppendLine("| rule | both | ours only | squawk only | why they differ |");
report.AppendLine("|---|---:|---:|---:|---|");
foreach (var (rule, c) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
    report.AppendLine($"| {rule} | {c.Both} | {c.Ours} | {c.Squawk} | {(c.Ours + c.Squawk == 0 ? "agree" : Explanations.Why(rule, c.Ours, unparsed.GetValueOrDefault(rule)))} |");
report.AppendLine($"| **total** | {rows.Values.Sum(c => c.Both)} | {rows.Values.Sum(c => c.Ours)} | {rows.Values.Sum(c => c.Squawk)} | |");
report.AppendLine();
report.AppendLine($"Files squawk crashed on (a parser panic, so no findings from it; left out of the 1,000-file timing): {squawkCrashes.Count}.");
foreach (var path in squawkCrashes) report.AppendLine($"- {Path.GetRelativePath(Path.Combine(bench, ".corpus"), path)}");
report.AppendLine($"The gate's findings on those files, not in the table above: {oursOnCrashed}.");
report.AppendLine();
report.AppendLine($"Files the runner refuses before any gate runs (MIGRATION_INVALID): {invalid.Count}.");
foreach (var line in invalid) report.AppendLine($"- {line}");
report.AppendLine();
report.AppendLine($"## Lint of 1,000 files ({runs} runs, median wall seconds)");
report.AppendLine();
report.AppendLine("| tool | wall s | vs squawk |");
report.AppendLine("|---|---:|---:|");
var squawkMedian = Median(timings["squawk"]);
foreach (var (tool, samples) in timings)
    report.AppendLine($"| {tool} | {Median(samples):0.000} | {Median(samples) / squawkMedian:0.00}x |");
report.AppendLine();
report.AppendLine("## Every disagreement (file, statement, side, rule)");
report.AppendLine();
foreach (var line in disagreements.Order(StringComparer.Ordinal)) report.AppendLine($"- {line}");
File.WriteAllText(Path.Combine(bench, "gate-results.md"), report.ToString());
Console.Write(report);
Directory.Delete(work, recursive: true);
return 0;

static int StatementIndex(MigrationFile file, int line)
{
    var index = 0;
    for (int i = 0; i < file.Script.Statements.Count; i++) if (file.Script.Statements[i].Line <= line) index = i;
    return index;
}

// Where squawk names a rule we name otherwise, its findings count under ours.
static string SquawkToOurs(string rule) => rule switch
{
    "prefer-repack" => "rewriting-table",
    _ => rule,
};

static (string Stdout, double Seconds, string Stderr) Run(string file, string directory, IEnumerable<string> arguments)
{
    var psi = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments) psi.ArgumentList.Add(a);
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(psi)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEnd();
    process.WaitForExit();
    return (stdout.Result, clock.Elapsed.TotalSeconds, stderr);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
