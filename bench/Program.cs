using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using SchemaMigrate.Engine.Database;
using SchemaMigrate.Engine.Migrations;

// Measures MigrateRunner against peers on the same machine and the same throwaway PostgreSQL, side by side:
// psql (the floor: one session, the same SQL, the same journal inserts, no checks) and dbmate (npm).
// Every run gets a fresh database; each tool runs interleaved with the others; medians are reported as
// ratios to psql. Wall time and peak RSS come from GNU time.
var root = args.Length > 0 ? args[0] : throw new ArgumentException("usage: Bench <repo root> [runs]");
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var runner = Path.Combine(root, "bench", ".out", "runner", "MigrateRunner.dll");
var dbmate = Path.Combine(root, "bench", "node_modules", ".bin", "dbmate");
var psql = FindPsql();
var work = Directory.CreateTempSubdirectory("schemamigrate-bench-").FullName;

await using var server = await TemporaryPostgres.StartAsync();
var scenarios = new[]
{
    Corpus.Create(Path.Combine(work, "many"), "300 files, one table + index + 20 rows each", files: 300, statementsPerFile: 0),
    Corpus.Create(Path.Combine(work, "big"), "1 file, 5000 INSERT statements", files: 1, statementsPerFile: 5000),
};

var report = new StringBuilder();
report.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores against a throwaway PostgreSQL {await ServerVersion(server.ConnectionString)}, {runs} runs each, medians.");
report.AppendLine();
report.AppendLine("| scenario | tool | wall s | vs psql | peak RSS MB | vs psql |");
report.AppendLine("|---|---|---:|---:|---:|---:|");

foreach (var corpus in scenarios)
{
    foreach (var rerun in new[] { false, true })
    {
        var name = rerun ? $"{corpus.Description}: rerun, nothing to apply" : $"{corpus.Description}: apply";
        var samples = new Dictionary<string, List<(double Wall, double RssMb)>> { ["psql"] = [], ["dbmate"] = [], ["MigrateRunner"] = [] };
        for (int i = 0; i < runs; i++)
        {
            foreach (var tool in samples.Keys)
            {
                var db = $"bench_{Guid.NewGuid():N}"[..20];
                var conn = await server.CreateDatabaseAsync(db);
                if (rerun) await Run(tool, corpus, conn, db, rerun: false);
                samples[tool].Add(await Run(tool, corpus, conn, db, rerun));
                await Execute(server.ConnectionString, $"DROP DATABASE {db} WITH (FORCE)");
            }
        }
        var floor = (Wall: Median(samples["psql"].Select(s => s.Wall)), Rss: Median(samples["psql"].Select(s => s.RssMb)));
        foreach (var (tool, list) in samples)
        {
            var wall = Median(list.Select(s => s.Wall));
            var rss = Median(list.Select(s => s.RssMb));
            report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {tool} | {wall:0.000} | {wall / floor.Wall:0.00}x | {rss:0.0} | {rss / floor.Rss:0.00}x |");
        }
    }
}

Console.WriteLine(report);
File.WriteAllText(Path.Combine(root, "bench", "results.md"), report.ToString());
Directory.Delete(work, recursive: true);
return 0;

// psql's floor for a rerun is what any runner must do at least: connect and read the journal.
async Task<(double Wall, double RssMb)> Run(string tool, Corpus corpus, string conn, string db, bool rerun)
{
    var b = new NpgsqlConnectionStringBuilder(conn);
    var url = $"postgres://{b.Username}:{b.Password}@{b.Host}:{b.Port}/{db}?sslmode=disable";
    var (program, arguments, env) = tool switch
    {
        "psql" => (psql, new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", b.Host!, "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username!, "-d", db, "-f", rerun ? corpus.PsqlJournalRead : corpus.PsqlDriver },
                   new Dictionary<string, string> { ["PGPASSWORD"] = b.Password! }),
        "dbmate" => (dbmate, new[] { "--no-dump-schema", "--migrations-dir", corpus.DbmateDir, "up" },
                   new Dictionary<string, string> { ["DATABASE_URL"] = url }),
        _ => ("dotnet", new[] { runner, "up" },
                   new Dictionary<string, string> { ["DB_CONN"] = conn, ["MIGRATIONS_DIR"] = corpus.Dir }),
    };
    var timing = Path.GetTempFileName();
    var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { "-f", "%e %M", "-o", timing, program }.Concat(arguments)) psi.ArgumentList.Add(a);
    foreach (var (k, v) in env) psi.Environment[k] = v;
    using var p = Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEndAsync();
    var errors = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {await output}{await errors}");
    var parts = File.ReadAllText(timing).Trim().Split('\n').Last().Split(' ');
    File.Delete(timing);
    return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture) / 1024);
}

static async Task<string> ServerVersion(string conn)
{
    await using var c = new NpgsqlConnection(conn);
    await c.OpenAsync();
    return c.PostgreSqlVersion.ToString();
}

static async Task Execute(string conn, string sql)
{
    await using var c = new NpgsqlConnection(conn);
    await c.OpenAsync();
    await using var cmd = new NpgsqlCommand(sql, c);
    await cmd.ExecuteNonQueryAsync();
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string FindPsql() =>
    new[] { "/usr/bin/psql" }.Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")) : [])
        .First(File.Exists);

/// <summary>The same migrations in each tool's format: ours, dbmate's, and a psql driver script.</summary>
sealed record Corpus(string Dir, string DbmateDir, string PsqlDriver, string PsqlJournalRead, string Description)
{
    public static Corpus Create(string dir, string description, int files, int statementsPerFile)
    {
        var dbmateDir = dir + "-dbmate";
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(dbmateDir);
        var driver = new StringBuilder("CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n");
        for (int i = 1; i <= files; i++)
        {
            var id = $"{i:0000}_bench_{i}.sql";
            var sql = statementsPerFile > 0 ? ManyStatements(statementsPerFile) : TableMigration(i);
            File.WriteAllText(Path.Combine(dir, id), sql);
            File.WriteAllText(Path.Combine(dbmateDir, id), "-- migrate:up\n" + sql + "\n-- migrate:down\n");
            var checksum = MigrationFile.Load(Path.Combine(dir, id)).Checksum;
            driver.Append(CultureInfo.InvariantCulture, $"BEGIN;\n\\i {Path.Combine(dir, id)}\nINSERT INTO schema_migrations (id, checksum) VALUES ('{id}', '{checksum}');\nCOMMIT;\n");
        }
        var driverPath = dir + ".psql";
        File.WriteAllText(driverPath, driver.ToString());
        var journalRead = dir + "-journal.psql";
        File.WriteAllText(journalRead, "SELECT id, checksum FROM schema_migrations ORDER BY id;\n");
        return new Corpus(dir, dbmateDir, driverPath, journalRead, description);
    }

    private static string TableMigration(int i) => $$"""
        -- bench migration {{i}}: a table, an index, a comment with a ; inside, seed rows
        CREATE TABLE bench_{{i}} (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            account_id bigint NOT NULL,
            name       text NOT NULL,
            payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX bench_{{i}}_account_idx ON bench_{{i}} (account_id);
        COMMENT ON TABLE bench_{{i}} IS 'bench table {{i}}; with a semicolon';
        INSERT INTO bench_{{i}} (account_id, name) SELECT g % 10, 'row ' || g FROM generate_series(1, 20) g;
        CREATE FUNCTION bench_{{i}}_touch() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END; $fn$;
        """;

    private static string ManyStatements(int count)
    {
        var sb = new StringBuilder("CREATE TABLE big (id int PRIMARY KEY, label text NOT NULL);\n");
        for (int i = 1; i < count; i++) sb.Append(CultureInfo.InvariantCulture, $"INSERT INTO big VALUES ({i}, 'label {i}; quoted ''x''');\n");
        return sb.ToString();
    }
}
