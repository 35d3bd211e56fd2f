using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Runner;

// Buffered, unlike Console.Out: status over 10,000 files is 10,000 lines, each one a write(2) when autoflushed.
// Events and notes flush as they happen (a job's log shows progress live); everything is flushed before exit.
var stdout = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput(),
    Console.OutputEncoding.CodePage == 65001 ? new UTF8Encoding(false) : Console.OutputEncoding, 1 << 16) { AutoFlush = false });
var stderr = Console.Error;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
// ACA stops a job replica with SIGTERM: roll the migration in flight back instead of dying mid-statement.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cancel.Cancel(); });

var exit = await Run(args);
stdout.Flush();
if (PhaseTimings.Enabled) stderr.WriteLine(PhaseTimings.Report());
return exit;

async Task<int> Run(string[] arguments)
{
    var clock = Stopwatch.StartNew();
    IRunnerOutput output = arguments.Contains("--json") || string.Equals(Environment.GetEnvironmentVariable("SCHEMAMIGRATE_OUTPUT"), "json", StringComparison.OrdinalIgnoreCase)
        ? new JsonOutput(stdout)
        : new TextOutput(stdout, stderr);
    var verb = "up";
    try
    {
        var command = CommandLine.Parse(arguments, Environment.GetEnvironmentVariables());
        PhaseTimings.Mark("arguments");
        verb = command.Verb;
        if (command.Help) { stdout.WriteLine(CommandLine.Usage); return 0; }
        if (command.Version) { stdout.WriteLine($"MigrateRunner {typeof(Migrator).Assembly.GetName().Version?.ToString(3)}"); return 0; }
        if (command.Json && output is TextOutput) output = new JsonOutput(stdout);
        // SARIF owns stdout; the result line goes to stderr so the log stays one JSON document.
        if (command.Format == "sarif") output = new TextOutput(stderr, stderr);

        switch (command.Verb)
        {
            case "status":
            {
                var report = await new Migrator(command.Settings).StatusAsync(cancel.Token);
                output.Status(report);
                output.Result("status", null, clock.Elapsed, StatusCounts(report));
                return 0;
            }
            case "plan":
            {
                var plan = await new Migrator(command.Settings).PlanAsync(cancel.Token);
                output.Plan(plan);
                output.Result("plan", null, clock.Elapsed, [new("toApply", plan.ToApply.Count)]);
                return 0;
            }
            case "lint":
            {
                var report = await Linter.RunAsync(command.Settings, command.AppliedThrough, cancel.Token);
                if (command.Format == "sarif") stdout.Write(Sarif.Write(report));
                else output.Lint(report);
                return output.Result("lint", report.Failure, clock.Elapsed,
                [
                    new("files", report.Files), new("findings", report.Findings.Count), new("refused", report.Refused.Count),
                    new("invalid", report.Invalid.Count),
                ]);
            }
            case "verify" when command.Trace is { } trace:
            {
                output.Note($"verify --trace: replaying what is deployed and tracing the rest of {Path.GetFullPath(command.Settings.MigrationsDirectory)} on a scratch database");
                var result = await Verifier.RunAsync(command.Settings, command.DevDatabase, output, cancel.Token, trace);
                if (result.Trace is { } report)
                {
                    if (command.Format == "sarif") stdout.Write(Sarif.Write(command.Settings.MigrationsDirectory, report));
                    else output.Trace(report);
                }
                output.Note($"verify: scratch database on {result.Server} removed");
                var traceReport = result.Trace;
                return output.Result("verify", result.Apply.Failure, clock.Elapsed,
                [
                    .. ApplyCounts(result.Apply), new("traced", traceReport?.Files.Count ?? 0), new("findings", traceReport?.Findings.Count ?? 0),
                    new("refused", traceReport?.Refused.Count ?? 0),
                ]);
            }
            case "verify":
            {
                output.Note($"verify: applying every migration in {Path.GetFullPath(command.Settings.MigrationsDirectory)} to a scratch database");
                var result = await Verifier.RunAsync(command.Settings, command.DevDatabase, output, cancel.Token);
                if (result.Status is { } report) output.Verified(report, result.Apply.Failure);
                output.Note($"verify: scratch database on {result.Server} removed");
                return output.Result("verify", result.Apply.Failure, clock.Elapsed, ApplyCounts(result.Apply));
            }
            default:
            {
                var result = await new Migrator(command.Settings).UpAsync(output, cancel.Token);
                return output.Result("up", result.Failure, clock.Elapsed, ApplyCounts(result));
            }
        }
    }
    catch (MigrationException e)
    {
        return output.Result(verb, e.Failure, clock.Elapsed, []);
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        return output.Result(verb, new Failure { Reason = ReasonCodes.Cancelled, Message = "cancelled before any migration started" }, clock.Elapsed, []);
    }
    catch (Exception e)
    {
        if (Environment.GetEnvironmentVariable("SCHEMAMIGRATE_DEBUG") == "1") stderr.WriteLine(Redactor.Redact(e.ToString()));
        var failure = new Failure { Reason = ReasonCodes.UnexpectedError, Message = Redactor.Redact($"{e.GetType().Name}: {e.Message}") };
        return output.Result(verb, failure, clock.Elapsed, []);
    }
}

static KeyValuePair<string, int>[] ApplyCounts(ApplyResult r) =>
    [new("applied", r.Applied.Count), new("alreadyApplied", r.AlreadyApplied), new("pending", r.Pending)];

static KeyValuePair<string, int>[] StatusCounts(StatusReport r) =>
    Enum.GetValues<MigrationState>()
        .Select(s => new KeyValuePair<string, int>(char.ToLowerInvariant(s.ToString()[0]) + s.ToString()[1..], r.Migrations.Count(m => m.State == s)))
        .ToArray();
