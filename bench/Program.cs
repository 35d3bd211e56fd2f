using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Migrations;

// Measures MigrateRunner against peers on the same machine and the same throwaway PostgreSQL, side by side: psql
// (the floor: one session, the same SQL, the same journal inserts, no checks), dbmate and squawk (npm, pinned).
// Every apply gets a fresh database; the tools take turns within each run; medians of wall time and peak RSS (GNU
// time) are reported with ratios to the best peer, and one more run of ours with SCHEMAMIGRATE_TIMINGS=1 says
// where its time went. Writes BENCHMARKS.md at the repository root.
var root = args.Length > 0 ? args[0] : throw new ArgumentException("usage: Bench <repo root> [runs]");
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var runner = Path.Combine(root, "bench", ".out", "runner", "MigrateRunner.dll");
var bin = Path.Combine(root, "bench", "node_modules", ".bin");
var pwsh = Path.Combine(root, ".tools", "pwsh", "pwsh");
var module = Path.Combine(root, "out", "SchemaMigrate", "SchemaMigrate.psd1");
var psql = FindPsql();
var work = Directory.CreateTempSubdirectory("schemamigrate-bench-").FullName;
var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[0];
// BENCHMARKS.md's hand-written part starts at this line.
const string AnalysisMarker = "<!-- Written by hand from here on: bench/run.sh keeps it. -->";

await using var server = await TemporaryPostgres.StartAsync();
var many = Corpus.Create(Path.Combine(work, "many"), 1000, i => TableMigration(i));
var big = Corpus.Create(Path.Combine(work, "big"), 1, _ => ManyStatements(5000));
var huge = Corpus.Create(Path.Combine(work, "huge"), 10000, i => $"CREATE TABLE status_{i} (id int);\n");

var rows = new List<string>();
var notes = new List<string>();

await Case("apply 1,000 one-table files", ["MigrateRunner", "dbmate", "psql"], (tool, db) => Task.FromResult(Tool(tool, many, db, "up")));
await Case("rerun with all 1,000 applied (every deploy)", ["MigrateRunner", "dbmate", "psql"], async (tool, db) =>
{
    await Exec(Tool(tool, many, db, "up"));
    return Tool(tool, many, db, "up", rerun: true);
});
await Case("one file of 5,000 INSERTs", ["MigrateRunner", "dbmate", "psql"], (tool, db) => Task.FromResult(Tool(tool, big, db, "up")));
await Case("status over 10,000 files (all applied)", ["MigrateRunner", "dbmate"], async (tool, db) =>
{
    await huge.RecordAllAppliedAsync(server.ConnectionString, db, tool == "dbmate");
    return Tool(tool, huge, db, "status");
});
await Case("lint of 1,000 files (no database)", ["MigrateRunner", "squawk"], (tool, _) => Task.FromResult(tool == "squawk"
    ? new Command(Path.Combine(bin, "squawk"), ["--pg-version", "15", "--assume-in-transaction", .. many.Files], new Dictionary<string, string>(), AnyExit: true)
    : new Command("dotnet", [runner, "lint", "--migrations-dir", many.Dir], new Dictionary<string, string>(), AnyExit: true)));
if (File.Exists(pwsh) && File.Exists(module)) await ModuleCase();
else notes.Add($"Module case skipped: {pwsh} or {module} is missing (bench/run.sh installs and builds both).");

var report = new StringBuilder();
report.AppendLine("# Benchmarks");
report.AppendLine();
report.AppendLine("Written by `bench/run.sh` (see [bench/README.md](bench/README.md)); nothing in the test suite asserts a time. Ratios are");
report.AppendLine("taken from runs made side by side in the same call, so they hold better than the absolute times on a loaded machine.");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {runs} runs per tool and case (tools alternating), medians.");
report.AppendLine();
report.AppendLine($"- Machine: {Environment.ProcessorCount} cores ({CpuModel()}), load average {loadBefore} at the start and {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end.");
report.AppendLine($"- PostgreSQL {await ServerVersion(server.ConnectionString)} (throwaway cluster, fsync off), on the same machine over TCP, SCRAM-SHA-256.");
report.AppendLine($"- {Version("dotnet", runner, "--version")}, `dotnet MigrateRunner.dll` on .NET {Environment.Version}, published as the Dockerfile publishes it (framework-dependent, ReadyToRun).");
report.AppendLine($"- {Version(Path.Combine(bin, "dbmate"), "--version")}, {Version(Path.Combine(bin, "squawk"), "--version")}, {Version(psql, "--version")}, {Version(pwsh, "-Version")}.");
report.AppendLine("- psql applies each file as `BEGIN; \\i file; INSERT journal row; COMMIT;` in one session (its rerun floor: connect and read the journal).");
report.AppendLine();
report.AppendLine("| case | tool | wall s | ours / tool | peak RSS MB |");
report.AppendLine("|---|---|---:|---:|---:|");
foreach (var row in rows) report.AppendLine(row);
report.AppendLine();
report.AppendLine("## Where MigrateRunner's time goes");
report.AppendLine();
report.AppendLine("One extra run per case with `SCHEMAMIGRATE_TIMINGS=1`: `runtime` is process start to the first line of `Main` (host, runtime,");
report.AppendLine("assembly loading), then each phase (files: read, hash, split; datasource/open: the first connection with SCRAM; resolve: where the");
report.AppendLine("journal is; lock; journal: read journal and progress rows; checks and gate: the runnability checks and deploy gate over pending");
report.AppendLine("files; connect: the work connection; apply: all files), JIT (methods compiled and time, on any thread), GC counts and memory.");
report.AppendLine();
foreach (var note in notes) report.AppendLine($"- {note}");

// What a person wrote below the marker (targets, bottlenecks, what would remove them) survives a new run.
var target = Path.Combine(root, "BENCHMARKS.md");
var kept = File.Exists(target) ? File.ReadAllText(target) : "";
var marker = kept.IndexOf(AnalysisMarker, StringComparison.Ordinal);
report.AppendLine();
report.Append(marker >= 0 ? kept[marker..] : AnalysisMarker + "\n");
File.WriteAllText(target, report.ToString());
Console.WriteLine(report);
Directory.Delete(work, recursive: true);
return 0;

// Runs every tool of a case `runs` times, alternating, each on a fresh database prepared by `prepare`.
async Task Case(string name, string[] tools, Func<string, string, Task<Command>> prepare)
{
    var samples = tools.ToDictionary(t => t, _ => new List<(double Wall, double Rss)>());
    for (int i = 0; i < runs; i++)
        foreach (var tool in tools)
        {
            var db = await NewDatabase();
            samples[tool].Add(await Timed(await prepare(tool, db)));
            await Drop(db);
        }
    var ours = Median(samples["MigrateRunner"].Select(s => s.Wall));
    foreach (var tool in tools)
    {
        var wall = Median(samples[tool].Select(s => s.Wall));
        var ratio = tool == "MigrateRunner" ? "" : (ours / wall).ToString("0.00x", CultureInfo.InvariantCulture);
        rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {tool} | {wall:0.000} | {ratio} | {Median(samples[tool].Select(s => s.Rss)):0.0} |"));
    }
    var traced = await NewDatabase();
    var command = await prepare("MigrateRunner", traced);
    var result = await Exec(command with { Env = new Dictionary<string, string>(command.Env) { ["SCHEMAMIGRATE_TIMINGS"] = "1" } });
    notes.Add($"**{name}**: `{result.Stderr.Split('\n').LastOrDefault(l => l.StartsWith("timings:", StringComparison.Ordinal))?.Trim() ?? "no timings line"}`");
    await Drop(traced);
    Console.WriteLine($"{name}: done");
}

// A fresh pwsh: Import-Module, then the first Get-SchemaMigrationStatus, each timed inside the process.
async Task ModuleCase()
{
    var db = await NewDatabase();
    await Exec(Tool("MigrateRunner", many, db, "up"));
    var script = $"$c = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{module}'; $i = $c.Elapsed.TotalMilliseconds; "
                 + $"$c.Restart(); $null = Get-SchemaMigrationStatus -Path '{many.Dir}'; \"$i $($c.Elapsed.TotalMilliseconds)\"";
    var times = new List<(double Import, double Status, double Wall, double Rss)>();
    for (int i = 0; i < runs; i++)
    {
        var command = new Command(pwsh, ["-NoProfile", "-NonInteractive", "-Command", script],
            new Dictionary<string, string> { ["DB_CONN"] = ConnectionFor(db), ["POWERSHELL_TELEMETRY_OPTOUT"] = "1", ["POWERSHELL_UPDATECHECK"] = "Off" });
        var (wall, rss) = await Timed(command, stdout => times.Add(ParsePair(stdout)));
        times[^1] = times[^1] with { Wall = wall, Rss = rss };
    }
    rows.Add(string.Create(CultureInfo.InvariantCulture,
        $"| module: Import-Module, then the first Get-SchemaMigrationStatus over 1,000 applied files, in a fresh pwsh | pwsh | {Median(times.Select(t => t.Wall)):0.000} (import {Median(times.Select(t => t.Import)):0} ms, status {Median(times.Select(t => t.Status)):0} ms) | | {Median(times.Select(t => t.Rss)):0.0} |"));
    await Drop(db);

    static (double, double, double, double) ParsePair(string stdout)
    {
        var parts = stdout.Trim().Split('\n').Last().Trim().Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), 0, 0);
    }
}

Command Tool(string tool, Corpus corpus, string db, string verb, bool rerun = false) => tool switch
{
    "psql" => new Command(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", ConnectionFor(db, uri: true), "-f", rerun ? corpus.PsqlJournalRead : corpus.PsqlDriver], new Dictionary<string, string>()),
    "dbmate" => new Command(Path.Combine(bin, "dbmate"), ["--no-dump-schema", "--migrations-dir", corpus.DbmateDir, verb], new Dictionary<string, string> { ["DATABASE_URL"] = ConnectionFor(db, uri: true) + "?sslmode=disable" }),
    _ => new Command("dotnet", [runner, verb], new Dictionary<string, string> { ["DB_CONN"] = ConnectionFor(db), ["MIGRATIONS_DIR"] = corpus.Dir }),
};

string ConnectionFor(string db, bool uri = false)
{
    var b = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = db };
    return uri ? $"postgres://{b.Username}:{b.Password}@{b.Host}:{b.Port}/{db}" : b.ConnectionString;
}

async Task<(double Wall, double RssMb)> Timed(Command command, Action<string>? stdout = null)
{
    var timing = Path.GetTempFileName();
    var result = await Exec(command with { Program = "/usr/bin/time", Args = ["-f", "%e %M", "-o", timing, command.Program, .. command.Args] });
    stdout?.Invoke(result.Stdout);
    var parts = File.ReadAllText(timing).Trim().Split('\n').Last().Split(' ');
    File.Delete(timing);
    return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture) / 1024);
}

static async Task<(string Stdout, string Stderr)> Exec(Command command)
{
    var psi = new ProcessStartInfo(command.Program) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in command.Args) psi.ArgumentList.Add(a);
    foreach (var (k, v) in command.Env) psi.Environment[k] = v;
    using var p = Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEndAsync();
    var errors = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    // /usr/bin/time passes the exit code through; lint and squawk exit non-zero when they find something.
    if (p.ExitCode != 0 && !command.AnyExit) throw new InvalidOperationException($"{command.Program} {string.Join(' ', command.Args.Take(8))} failed ({p.ExitCode}): {await output}{await errors}");
    return (await output, await errors);
}

async Task<string> NewDatabase()
{
    var name = $"bench_{Guid.NewGuid():N}"[..20];
    await server.CreateDatabaseAsync(name);
    return name;
}

async Task Drop(string db)
{
    await using var c = new NpgsqlConnection(server.ConnectionString);
    await c.OpenAsync();
    await using var cmd = new NpgsqlCommand($"DROP DATABASE {db} WITH (FORCE)", c);
    await cmd.ExecuteNonQueryAsync();
}

static async Task<string> ServerVersion(string conn)
{
    await using var c = new NpgsqlConnection(conn);
    await c.OpenAsync();
    return c.PostgreSqlVersion.ToString();
}

static string Version(string program, params string[] args)
{
    var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in args) psi.ArgumentList.Add(a);
    using var p = Process.Start(psi)!;
    var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
    p.WaitForExit();
    return text.Trim().Split('\n')[0].Trim();
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string FindPsql() =>
    new[] { "/usr/bin/psql" }.Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")) : [])
        .First(File.Exists);

static string TableMigration(int i) => $$"""
    -- bench migration {{i}}: a table, an index, a comment with a ; inside, seed rows
    CREATE TABLE bench_{{i}} (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id bigint NOT NULL,
        name       text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX bench_{{i}}_account_idx ON bench_{{i}} (account_id);
    COMMENT ON TABLE bench_{{i}} IS 'bench table {{i}}; with a semicolon';
    INSERT INTO bench_{{i}} (account_id, name) SELECT g % 10, 'row ' || g FROM generate_series(1, 20) g;
    """;

static string ManyStatements(int count)
{
    var sb = new StringBuilder("CREATE TABLE big (id int PRIMARY KEY, label text NOT NULL);\n");
    for (int i = 1; i < count; i++) sb.Append(CultureInfo.InvariantCulture, $"INSERT INTO big VALUES ({i}, 'label {i}; quoted ''x''');\n");
    return sb.ToString();
}

/// <summary>A program, its arguments and environment; AnyExit: a non-zero exit is an answer, not a failure.</summary>
sealed record Command(string Program, string[] Args, IReadOnlyDictionary<string, string> Env, bool AnyExit = false);

/// <summary>The same migrations in each tool's format: ours, dbmate's, and a psql driver script.</summary>
sealed record Corpus(string Dir, string DbmateDir, string PsqlDriver, string PsqlJournalRead, IReadOnlyList<string> Files)
{
    public static Corpus Create(string dir, int files, Func<int, string> sql)
    {
        var dbmateDir = dir + "-dbmate";
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(dbmateDir);
        var driver = new StringBuilder("CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n");
        var paths = new List<string>();
        var digits = files.ToString(CultureInfo.InvariantCulture).Length;
        for (int i = 1; i <= files; i++)
        {
            var id = $"{i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')}_bench_{i}.sql";
            var path = Path.Combine(dir, id);
            var text = sql(i);
            File.WriteAllText(path, text);
            File.WriteAllText(Path.Combine(dbmateDir, id), "-- migrate:up\n" + text + "\n-- migrate:down\n");
            paths.Add(path);
            driver.Append(CultureInfo.InvariantCulture, $"BEGIN;\n\\i {path}\nINSERT INTO schema_migrations (id, checksum) VALUES ('{id}', '{MigrationFile.Load(path).Checksum}');\nCOMMIT;\n");
        }
        File.WriteAllText(dir + ".psql", driver.ToString());
        File.WriteAllText(dir + "-journal.psql", "SELECT id, checksum FROM schema_migrations ORDER BY id;\n");
        return new Corpus(dir, dbmateDir, dir + ".psql", dir + "-journal.psql", paths);
    }

    /// <summary>Writes every file's journal row directly, in our journal's shape or in dbmate's (its version is the number before the first underscore).</summary>
    public async Task RecordAllAppliedAsync(string admin, string db, bool dbmate)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = db }.ConnectionString);
        await c.OpenAsync();
        var ids = Files.Select(f => Path.GetFileName(f)).ToArray();
        await using (var create = new NpgsqlCommand(dbmate
                         ? "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)"
                         : "CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", c))
            await create.ExecuteNonQueryAsync();
        await using var cmd = dbmate
            ? new NpgsqlCommand("INSERT INTO schema_migrations SELECT split_part(unnest($1::text[]), '_', 1)", c)
            : new NpgsqlCommand("INSERT INTO schema_migrations (id, checksum) SELECT * FROM unnest($1::text[], $2::text[])", c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids });
        if (!dbmate) cmd.Parameters.Add(new NpgsqlParameter { Value = Files.Select(f => MigrationFile.Load(f).Checksum).ToArray() });
        await cmd.ExecuteNonQueryAsync();
    }
}
