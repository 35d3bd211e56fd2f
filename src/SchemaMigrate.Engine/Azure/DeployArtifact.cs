using System.Collections;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure;

/// <summary>
/// What the deploy artifacts of seed 000 (migration.json, api-smoke.json) share: the place
/// `.artifacts/deploy/&lt;sha&gt;/&lt;file&gt;`, a write that is whole or not at all, and JSON in which every string has
/// passed through <see cref="Redactor"/>, times are UTC with milliseconds and durations are milliseconds.
/// </summary>
public static partial class DeployArtifact
{
    public const string DefaultRoot = ".artifacts/deploy";

    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>&lt;root&gt;/&lt;sha&gt;/&lt;fileName&gt;; the sha defaults to GITHUB_SHA or BUILD_SOURCEVERSION (Azure DevOps).</summary>
    public static string PathFor(string? root, string? commitSha, string fileName, IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var sha = commitSha ?? environment["GITHUB_SHA"] as string ?? environment["BUILD_SOURCEVERSION"] as string;
        if (string.IsNullOrWhiteSpace(sha))
            throw new MigrationException(ReasonCodes.InvalidArgument, $"{fileName} needs the commit: pass -CommitSha (or set GITHUB_SHA / BUILD_SOURCEVERSION)");
        if (!ShaPattern().IsMatch(sha))
            throw new MigrationException(ReasonCodes.InvalidArgument, $"-CommitSha '{sha}' is not a commit id (letters, digits, '.', '_', '-')");
        return Path.GetFullPath(Path.Combine(root ?? DefaultRoot, sha, fileName));
    }

    /// <summary>The commit an artifact at <paramref name="path"/> belongs to: the name of its folder.</summary>
    public static string CommitOf(string path) => Path.GetFileName(Path.GetDirectoryName(path)!);

    /// <summary>
    /// Writes <paramref name="json"/> to <paramref name="path"/> through a temporary file renamed into place. A folder
    /// that cannot be written is reported (a warning, and the INVALID_ARGUMENT failure returned), never thrown: the
    /// outcome of the run the artifact describes still reaches the operator.
    /// </summary>
    internal static async Task<Failure?> TryWriteAsync(string path, string json, IJobListener listener)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            await File.WriteAllTextAsync(temporary, json);
            File.Move(temporary, path, overwrite: true);
            listener.OnEvent(new JobNote($"wrote {path}"));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failure = new Failure
            {
                Reason = ReasonCodes.InvalidArgument,
                Message = Redactor.Redact($"could not write {path}: {e.Message}"),
                NextStep = "Pass an -ArtifactPath the pipeline can write to; the deploy gate needs the artifact.",
            };
            listener.OnEvent(new JobWarning(failure.Message));
            return failure;
        }
    }

    /// <summary>An indented JSON document (one object), ending in a newline.</summary>
    internal static string Render(Action<Utf8JsonWriter> writeProperties)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Options))
        {
            w.WriteStartObject();
            writeProperties(w);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>A string, redacted; null as null.</summary>
    internal static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, Redactor.Redact(value));
    }

    /// <summary>An array's string, redacted; null as null.</summary>
    internal static void StrValue(Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(Redactor.Redact(value));
    }

    internal static void Time(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } t) w.WriteString(name, t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        else w.WriteNull(name);
    }

    internal static void Ms(Utf8JsonWriter w, string name, TimeSpan? value)
    {
        if (value is { } t) w.WriteNumber(name, (long)t.TotalMilliseconds);
        else w.WriteNull(name);
    }

    [GeneratedRegex(@"^(?!\.+$)[0-9A-Za-z._-]{1,100}$")]
    private static partial Regex ShaPattern();
}
