using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Azure.Smoke;

/// <summary>What one GET came back with: the answer, or why there was none.</summary>
internal sealed record SmokeExchange(SmokeResponse? Response, string? Error, TimeSpan Duration);

/// <summary>
/// Plain GETs for the smoke test: no redirects followed (a sign-in redirect is an answer), no cookies kept between
/// calls, each call bounded by the request timeout, its body included. Answers are captured bounded and redacted.
/// </summary>
internal sealed class SmokeClient : IDisposable
{
    public const int MaxTextChars = 1024;
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxHeaderChars = 256;
    private const int MaxHeaders = 32;
    // A header whose name says it carries a credential or a session is kept by name only.
    private static readonly string[] SecretHeaderParts = ["authorization", "cookie", "token", "secret", "key", "session", "signature"];

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public SmokeClient(TimeSpan timeout, SslClientAuthenticationOptions? tls)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = timeout,
            AutomaticDecompression = DecompressionMethods.All,
        };
        if (tls is not null) handler.SslOptions = tls;
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("SchemaMigrate", typeof(SmokeClient).Assembly.GetName().Version?.ToString(3)));
        _timeout = timeout;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>One GET, with the token as a bearer when given. Only <paramref name="ct"/> throws; a timeout is an answerless exchange.</summary>
    public async Task<SmokeExchange> GetAsync(Uri url, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/json, */*;q=0.5");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var (body, complete) = await ReadBoundedAsync(response.Content, deadline.Token);
            return new SmokeExchange(Capture(response, body, complete), null, clock.Elapsed);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new SmokeExchange(null, $"no answer within {Durations.Format(_timeout)}", clock.Elapsed);
        }
        catch (HttpRequestException e)
        {
            return new SmokeExchange(null, Describe(e), clock.Elapsed);
        }
        catch (IOException e)
        {
            return new SmokeExchange(null, Redactor.Redact($"the connection broke: {e.Message}"), clock.Elapsed);
        }
    }

    private static async Task<(byte[] Body, bool Complete)> ReadBoundedAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[MaxBodyBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0) read += n;
        return (buffer[..Math.Min(read, MaxBodyBytes)], read <= MaxBodyBytes);
    }

    private static SmokeResponse Capture(HttpResponseMessage response, byte[] body, bool complete)
    {
        var headers = response.Headers.Concat(response.Content.Headers)
            .Take(MaxHeaders)
            .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), HeaderValue(h.Key, string.Join(", ", h.Value))))
            .ToList();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        string text;
        var truncated = !complete;
        if (body.Length == 0) text = "";
        else if (!IsText(mediaType)) text = $"({body.Length}{(complete ? "" : "+")} bytes of {mediaType})";
        else
        {
            // Redacted whole, then cut: a cut first could split a secret so that no rule recognises its rest.
            text = Redactor.Redact(Encoding.UTF8.GetString(body));
            if (text.Length > MaxTextChars)
            {
                text = text[..MaxTextChars];
                truncated = true;
            }
        }
        return new SmokeResponse((int)response.StatusCode, response.ReasonPhrase ?? "", headers, text, truncated);
    }

    private static string HeaderValue(string name, string value)
    {
        if (SecretHeaderParts.Any(p => name.Contains(p, StringComparison.OrdinalIgnoreCase))) return Redactor.Mask;
        value = Redactor.Redact(value);
        return value.Length > MaxHeaderChars ? value[..MaxHeaderChars] + "…" : value;
    }

    private static bool IsText(string? mediaType) =>
        mediaType is null || mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
        || new[] { "json", "xml", "javascript", "html", "x-www-form-urlencoded" }.Any(t => mediaType.Contains(t, StringComparison.OrdinalIgnoreCase));

    private static string Describe(HttpRequestException e)
    {
        var what = e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "the host name did not resolve",
            HttpRequestError.ConnectionError => "could not connect",
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse => "the server did not answer HTTP",
            _ => "the request failed",
        };
        Exception inner = e;
        while (inner.InnerException is { } next) inner = next;
        return Redactor.Redact($"{what}: {inner.Message.Split('\n')[0].Trim()}");
    }
}
