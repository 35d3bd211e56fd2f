using System.Globalization;
using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using Npgsql;
using SchemaMigrate.Engine.Configuration;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// Why a job execution did not succeed, from its status and its console and system rows, for any container
/// (MigrateRunner, the seed's Node runner, anything else). The most specific evidence wins; in this order:
/// <list type="number">
/// <item>The wait timed out while the execution still ran: JOB_TIMEOUT, since it is still alive and must be
/// stopped or awaited; failure evidence already in its logs is named in the message.</item>
/// <item>MigrateRunner's own result line (--json or human form): its reason code, file, line and SQLSTATE.</item>
/// <item>What a container printed: a SQLSTATE (28P01 and 28000 are DB_AUTH_FAILED), "exports is not defined in ES
/// module scope", a missing migrations folder, a segmentation fault, an unreachable database.</item>
/// <item>System rows: the image could not be pulled.</item>
/// <item>System rows: a crash exit code (139 SIGSEGV, 137 / OOMKilled) or a runtime that could not start.</item>
/// <item>System rows: DeadlineExceeded, the platform's replica timeout: JOB_TIMEOUT.</item>
/// <item>System rows: any other non-zero exit code, or BackoffLimitExceeded: JOB_EXECUTION_FAILED naming it.</item>
/// <item>The status alone: JOB_EXECUTION_FAILED, saying why the logs could not be read when they could not.</item>
/// </list>
/// Within one rank the newest row wins, so a retried execution is judged by its last attempt.
/// </summary>
public static partial class JobFailureClassifier
{
    private const int MaxEvidenceLength = 500;

    public static Failure Classify(string executionName, string? status, IReadOnlyList<JobLogEntry> logs, TimeSpan? waitTimedOutAfter = null,
        Failure? logsUnavailable = null)
    {
        // Rows of one instant keep their written order, reversed with the rest.
        var newestFirst = logs.OrderBy(e => e.Time).Reverse().ToList();
        var console = newestFirst.Where(e => !e.IsSystem).ToList();
        var system = newestFirst.Where(e => e.IsSystem).ToList();
        var subject = $"execution {executionName} {status ?? "(no status)"}";

        var evidence = FromRunner(subject, console) ?? FromConsole(subject, console) ?? FromSystem(subject, system);
        if (waitTimedOutAfter is { } timeout)
        {
            var seen = evidence is null ? "" : $"; its logs already show {evidence.ReasonCode} ({evidence.Message})";
            return new Failure
            {
                Reason = ReasonCodes.JobTimeout,
                Message = Redactor.Redact($"execution {executionName} did not finish within {Durations.Format(timeout)}: it is still {status ?? "starting"}{seen}"),
                File = evidence?.File,
                Line = evidence?.Line,
                SqlState = evidence?.SqlState,
                Detail = evidence?.Detail,
                NextStep = ReasonCodes.JobTimeout.NextStep,
            };
        }
        if (evidence is not null) return evidence;

        if (logsUnavailable is { } unavailable)
            return Make(ReasonCodes.JobExecutionFailed, subject, $"its logs could not be read, so nothing names the failure: {unavailable.Message}", null) with
            {
                NextStep = unavailable.Action,
            };
        var what = string.Equals(status, JobExecutionStatus.Stopped, StringComparison.OrdinalIgnoreCase)
            ? "it was stopped (Stop-MigrationJobExecution, the portal, or the platform) and its logs name no failure"
            : logs.Count == 0 ? "no console or system rows were found; it may never have got a replica (image, secret or start failure)"
            : "its logs name no specific failure";
        return Make(ReasonCodes.JobExecutionFailed, subject, what, null);
    }

    private static Failure? FromRunner(string subject, IReadOnlyList<JobLogEntry> console)
    {
        foreach (var row in console)
        {
            if (RunnerResult.TryParse(row.Message) is not { Succeeded: false } result) continue;
            var errorLine = console.Where(e => e.Replica == row.Replica)
                .Select(e => RunnerResult.TryParseError(e.Message))
                .FirstOrDefault(e => e?.Code == result.ReasonCode);
            var reason = result.Reason ?? errorLine?.Message ?? "no reason given";
            if (ReasonCodes.Find(result.ReasonCode) is not { } code)
                return Make(ReasonCodes.JobExecutionFailed, subject, $"MigrateRunner reported {result.ReasonCode ?? "a failure"}: {reason}", row);
            return Make(code, subject, reason, row) with
            {
                File = result.File,
                Line = result.Line,
                SqlState = result.SqlState,
                // The runner's own words: the job runs MigrateRunner, so its options are the fix.
                NextStep = result.NextStep ?? OptionNames.CommandLine.Render(code.NextStep),
            };
        }
        return null;
    }

    private static Failure? FromConsole(string subject, IReadOnlyList<JobLogEntry> console)
    {
        for (var i = 0; i < console.Count; i++)
        {
            var row = console[i];
            var text = row.Message;
            if (text.Contains("exports is not defined in ES module scope", StringComparison.Ordinal))
            {
                var (file, line) = NodeLocation(console.Where(e => e.Replica == row.Replica));
                return Make(ReasonCodes.ModuleFormatMismatch, subject,
                    $"a migration uses CommonJS (exports.up/down) in an ES module image: {text.Trim()}{(file is null ? "" : $" ({file}:{line})")}", row) with { File = file, Line = line };
            }
            if (SqlState(text) is { } state)
            {
                var reason = state switch
                {
                    ['2', '8', ..] => ReasonCodes.DbAuthFailed,
                    ['0', '8', ..] => ReasonCodes.DbUnreachable,
                    PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow => ReasonCodes.DbConnectionFailed,
                    PostgresErrorCodes.LockNotAvailable => ReasonCodes.LockTimeout,
                    PostgresErrorCodes.QueryCanceled => ReasonCodes.StatementTimeout,
                    _ => ReasonCodes.SqlApplyFailed,
                };
                var file = console.Skip(i).Where(e => e.Replica == row.Replica).Take(20)
                    .Select(e => MigrationFile().Match(e.Message)).FirstOrDefault(m => m.Success)?.Value;
                return Make(reason, subject, $"{state} {SqlMessage(console, i)}", row) with { SqlState = state, File = file };
            }
            if (MigrationsDirMissing().IsMatch(text))
                return Make(ReasonCodes.MigrationsDirNotFound, subject, text.Trim(), row);
            if (CrashText().IsMatch(text))
                return Make(ReasonCodes.RuntimeCrash, subject, text.Trim(), row);
            if (Unreachable().IsMatch(text))
                return Make(ReasonCodes.DbUnreachable, subject, text.Trim(), row);
        }
        return null;
    }

    private static Failure? FromSystem(string subject, IReadOnlyList<JobLogEntry> system)
    {
        // The row naming the image and the registry's answer beats the bare "ErrImagePull" that follows it.
        if ((system.FirstOrDefault(e => ImagePullDetail().IsMatch(e.Message)) ?? system.FirstOrDefault(e => ImagePull().IsMatch(e.Message) || ImagePull().IsMatch(e.Reason ?? ""))) is { } pull)
            return Make(ReasonCodes.ImagePullFailed, subject, $"the image could not be pulled: {pull.Message.Trim()}", pull);

        var exits = system.Select(e => (Row: e, Code: ExitCode(e.Message))).Where(e => e.Code is not null).ToList();
        if (system.FirstOrDefault(e => Is(e.Reason, "OOMKilled")) is { } oom || (oom = exits.FirstOrDefault(e => e.Code == 137).Row) is not null)
            return Make(ReasonCodes.RuntimeCrash, subject, $"the container was killed (exit code 137, usually out of memory): {oom.Message.Trim()}", oom) with
            {
                NextStep = "Raise the job's memory (resources.memory) or make the migration use less; read the last console lines for what it was doing.",
            };
        if (exits.FirstOrDefault(e => e.Code == 139).Row is { } segv)
            return Make(ReasonCodes.RuntimeCrash, subject, $"the process crashed (exit code 139, SIGSEGV): {segv.Message.Trim()}", segv);
        if (system.FirstOrDefault(e => RuntimeStartFailure().IsMatch(e.Message)) is { } oci)
            return Make(ReasonCodes.RuntimeCrash, subject, $"the container could not start: {oci.Message.Trim()}", oci);
        if (system.FirstOrDefault(e => Is(e.Reason, "DeadlineExceeded") || e.Message.Contains("longer than specified deadline", StringComparison.OrdinalIgnoreCase)) is { } deadline)
            return Make(ReasonCodes.JobTimeout, subject, $"the platform ended it at the job's replica timeout: {deadline.Message.Trim()}", deadline) with
            {
                NextStep = "Read the last console lines for what it was waiting on (a lock? a long backfill?); raise the job's replicaTimeout only if the work is legitimately long.",
            };
        if (exits.FirstOrDefault(e => e.Code != 0).Row is { } exit)
            return Make(ReasonCodes.JobExecutionFailed, subject, $"the container exited with code {ExitCode(exit.Message)}: {exit.Message.Trim()}", exit);
        if (system.FirstOrDefault(e => Is(e.Reason, "BackoffLimitExceeded")) is { } backoff)
            return Make(ReasonCodes.JobExecutionFailed, subject, $"every attempt failed (retry limit reached): {backoff.Message.Trim()}", backoff);
        return null;
    }

    private static Failure Make(ReasonCode reason, string subject, string what, JobLogEntry? evidence) => new()
    {
        Reason = reason,
        Message = Redactor.Redact($"{subject}: {what}"),
        Detail = evidence is null ? null : Redactor.Redact(Evidence(evidence)),
    };

    private static string Evidence(JobLogEntry e)
    {
        var text = $"{e.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {e.Stream} {e.Replica}: {e.Message.Trim()}";
        return text.Length <= MaxEvidenceLength ? text : text[..MaxEvidenceLength] + "...";
    }

    /// <summary>The exit code in a system row ("... terminated with exit code '139' and reason 'ProcessExited'").</summary>
    public static int? ExitCode(string message)
    {
        var m = ExitCodePattern().Match(message);
        return m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    private static string? SqlState(string text)
    {
        if (PasswordFailed().IsMatch(text)) return PostgresErrorCodes.InvalidPassword;
        var m = SqlStatePattern().Match(text);
        return m.Success ? m.Groups["state"].Value : null;
    }

    /// <summary>The error text near a SQLSTATE: node-postgres prints "error: ..." a few lines above "code: '42P01'".</summary>
    private static string SqlMessage(IReadOnlyList<JobLogEntry> newestFirst, int index)
    {
        var row = newestFirst[index];
        if (!CodeOnly().IsMatch(row.Message)) return row.Message.Trim();
        return newestFirst.Skip(index + 1).Take(20).Where(e => e.Replica == row.Replica)
            .Select(e => ErrorText().Match(e.Message)).FirstOrDefault(m => m.Success)?.Groups[1].Value.Trim() ?? row.Message.Trim();
    }

    /// <summary>Where Node reports the failing module: "file:///app/db/migrations/001_x.js:1" or "at file:///...:1:1".</summary>
    private static (string? File, int? Line) NodeLocation(IEnumerable<JobLogEntry> rows)
    {
        foreach (var row in rows.Reverse())
        {
            var m = NodeFileUrl().Match(row.Message);
            if (m.Success) return (Path.GetFileName(m.Groups["path"].Value), int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture));
        }
        return (null, null);
    }

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"exit code[^0-9-]*(-?\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ExitCodePattern();

    [GeneratedRegex(@"(?i)password authentication failed")]
    private static partial Regex PasswordFailed();

    // node-postgres `code: '28P01'`, JSON "code":"42P01", `SQLSTATE 42P01`, `sqlstate=42P01`, Npgsql `42P01: relation ...`.
    [GeneratedRegex(@"(?:(?<!exit )\b(?:(?i:sqlstate)|code)""?\s*[:=]?\s*[""']?(?<state>[0-9][0-9A-Z]{4})\b|\b(?<state>[0-9]{2}[0-9A-Z]{3}): [a-z])")]
    private static partial Regex SqlStatePattern();

    [GeneratedRegex(@"^\s*code:\s*'[0-9A-Z]{5}',?\s*$")]
    private static partial Regex CodeOnly();

    [GeneratedRegex(@"(?i)^\s*(?:\w*error:)\s*(.+)$")]
    private static partial Regex ErrorText();

    /// <summary>A migration file name: numbered, as every runner's convention has it (so "parser.js" in a stack trace is not one).</summary>
    [GeneratedRegex(@"\b\d+[\w.-]*\.(?:sql|js|mjs|cjs|ts)\b")]
    private static partial Regex MigrationFile();

    [GeneratedRegex(@"file://(?<path>/[^\s:]+):(?<line>\d+)")]
    private static partial Regex NodeFileUrl();

    [GeneratedRegex(@"(?i)ENOENT[^\n]*(?:scandir|opendir|open|stat)[^\n]*migrations|migrations? (?:dir|directory|folder)\b[^\n]*(?:not found|does not exist|missing)")]
    private static partial Regex MigrationsDirMissing();

    [GeneratedRegex(@"(?i)\b(?:segmentation fault|SIGSEGV|core dumped)\b")]
    private static partial Regex CrashText();

    [GeneratedRegex(@"\b(?:ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|getaddrinfo|Connection refused|could not connect to server|Name or service not known)\b")]
    private static partial Regex Unreachable();

    [GeneratedRegex(@"(?i)Failed to pull image|pull access denied|manifest unknown")]
    private static partial Regex ImagePullDetail();

    [GeneratedRegex(@"(?i)ErrImagePull|ImagePullBackOff|Back-off pulling image")]
    private static partial Regex ImagePull();

    [GeneratedRegex(@"(?i)OCI runtime (?:create|exec) failed|failed to create containerd task|exec format error")]
    private static partial Regex RuntimeStartFailure();
}
