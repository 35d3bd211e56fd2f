using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace SchemaMigrate.Engine.Diagnostics;

/// <summary>
/// The one redaction routine. Every secret the process learns (passwords, tokens) is registered here, and every
/// text that leaves the engine (console, JSON events, errors, artifacts) passes through <see cref="Redact"/>.
/// Known secret values are masked wherever they appear; secret-shaped fragments (Password=..., URI userinfo,
/// bearer tokens, JWTs, SAS signatures, token and API-key fields, key and code query parameters, cookies) are masked even when their value was never
/// registered.
/// </summary>
public static partial class Redactor
{
    public const string Mask = "***";
    private static readonly ConcurrentDictionary<string, byte> Secrets = new();

    /// <summary>Registers a secret value; values shorter than 4 characters are too ambiguous to mask.</summary>
    public static void Register(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4) Secrets.TryAdd(secret, 0);
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var secret in Secrets.Keys.OrderByDescending(s => s.Length))
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        text = KeyValueSecret().Replace(text, m => m.Groups[1].Value + Mask);
        text = FieldSecret().Replace(text, m => m.Groups[1].Value + Mask);
        text = QuerySecret().Replace(text, m => m.Groups[1].Value + Mask);
        text = Cookie().Replace(text, m => m.Groups[1].Value + Mask);
        text = SqlPassword().Replace(text, m => m.Groups[1].Value + "'" + Mask + "'");
        text = UriUserInfo().Replace(text, m => m.Groups[1].Value + Mask + "@");
        text = BearerToken().Replace(text, m => m.Groups[1].Value + Mask);
        text = Jwt().Replace(text, Mask);
        return text;
    }

    /// <summary>Redacts, and turns an empty text into null (for optional fields such as a SQL error's hint).</summary>
    public static string? RedactOptional(string? text) => string.IsNullOrWhiteSpace(text) ? null : Redact(text);

    [GeneratedRegex(@"(?i)\b((?:password|pwd|passwd|client_?secret|access_?token|sig|sharedkey|accountkey)""?\s*[=:]\s*""?)[^;""&\s,}]+")]
    private static partial Regex KeyValueSecret();

    /// <summary>Words that are ordinary in prose ("a token: ..."), so only as a JSON field ("token":"...") or an assignment (token=...).</summary>
    [GeneratedRegex(@"(?i)\b((?:secret|(?:refresh_?|id_?)?token|api_?key)(?:""\s*:\s*""|\s*=\s*))[^;""&\s,}]+")]
    private static partial Regex FieldSecret();

    /// <summary>
    /// Query parameters that carry a key only in a URL (?code=... an Azure Functions key, ?key=..., ?subscription-key=...):
    /// matched after ? or &amp; only, since "code=" and "key=" are ordinary elsewhere ("exit code=17").
    /// </summary>
    [GeneratedRegex(@"(?i)([?&](?:code|key|[a-z0-9]+[-_]key)=)[^&#\s""'<>;,}]+")]
    private static partial Regex QuerySecret();

    /// <summary>A Cookie or Set-Cookie header (or field) carries sessions: all of its value goes, to the end of the line or string.</summary>
    [GeneratedRegex(@"(?i)\b((?:set-)?cookie""?\s*[=:]\s*""?)[^""\r\n]+")]
    private static partial Regex Cookie();

    [GeneratedRegex(@"(?i)\b(password\s+)'(?:[^']|'')*'")]
    private static partial Regex SqlPassword();

    [GeneratedRegex(@"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@")]
    private static partial Regex UriUserInfo();

    /// <summary>
    /// A bearer token (RFC 6750 b64token), but neither an auth-param such as WWW-Authenticate's Bearer error="invalid_token"
    /// nor the prose "a bearer token is required".
    /// </summary>
    [GeneratedRegex(@"(?i)\b(bearer\s+)(?![A-Za-z0-9_-]+\s*=\s*""|tokens?\b)[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")]
    private static partial Regex Jwt();
}
