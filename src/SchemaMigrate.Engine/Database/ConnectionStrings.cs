using Npgsql;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Database;

/// <summary>Turns DB_CONN (an Npgsql connection string or a postgres:// URI) into Npgsql's builder.</summary>
internal static class ConnectionStrings
{
    public static NpgsqlConnectionStringBuilder Parse(string? value, string source = "DB_CONN")
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"{source} is not set: set it to an Npgsql connection string or a postgres:// URI (or pass {{connection-string}}).");
        value = value.Trim();
        try
        {
            var builder = value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
                          || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                ? FromUri(value, source)
                : new NpgsqlConnectionStringBuilder(CheckKeywords(value, source));
            Redactor.Register(builder.Password);
            Validate(builder, source);
            return builder;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException or OverflowException)
        {
            Redactor.Register(TryPassword(value));
            throw new MigrationException(ReasonCodes.InvalidArgument, $"{source} is not a valid connection string: {Redactor.Redact(e.Message)}");
        }
    }

    /// <summary>Host, port, database and user: what may be shown of a target. Never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder b) =>
        $"{b.Host}:{(b.Port == 0 ? 5432 : b.Port)}/{b.Database ?? b.Username} as {b.Username ?? "(default user)"}";

    /// <summary>
    /// A keyword string Npgsql would take with a key given twice (the last one silently wins, as when a string is
    /// pasted twice) or a port that is not a number (which Npgsql names only as "Couldn't set port") is refused.
    /// </summary>
    private static string CheckKeywords(string value, string source)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, val) in Pairs(value))
        {
            var name = key.Replace(" ", "").ToLowerInvariant() switch
            {
                "server" or "host" => "host",
                "user" or "userid" or "username" or "uid" => "username",
                "db" or "database" => "database",
                "pwd" or "password" or "psw" => "password",
                var other => other,
            };
            // Every password given is a secret from here on, not only the one Npgsql would keep.
            if (name == "password") Redactor.Register(val);
            if (seen.TryGetValue(name, out var first))
                throw Invalid(source, $"{key} is given twice ({first}=... and {key}=...); is the string pasted twice? Give each key once");
            seen[name] = key;
            if (name == "port" && !int.TryParse(val, out _))
                throw Invalid(source, $"{key}='{val}' is not a number between 1 and 65535");
        }
        return value;
    }

    /// <summary>The key=value pairs of a keyword string; a value in single or double quotes may hold ';'.</summary>
    private static IEnumerable<(string Key, string Value)> Pairs(string value)
    {
        int i = 0;
        while (i < value.Length)
        {
            int eq = value.IndexOf('=', i);
            if (eq < 0) yield break;
            var key = value[i..eq].Trim().TrimStart(';').Trim();
            int start = eq + 1;
            while (start < value.Length && value[start] == ' ') start++;
            int end;
            string val;
            if (start < value.Length && value[start] is '\'' or '"')
            {
                var quote = value[start];
                end = start + 1;
                while (end < value.Length && !(value[end] == quote && (end + 1 >= value.Length || value[end + 1] != quote))) end += value[end] == quote ? 2 : 1;
                val = value[(start + 1)..Math.Min(end, value.Length)];
                end = value.IndexOf(';', Math.Min(end, value.Length));
            }
            else
            {
                end = value.IndexOf(';', start);
                val = value[start..(end < 0 ? value.Length : end)].Trim();
            }
            if (key.Length > 0) yield return (key, val);
            if (end < 0) yield break;
            i = end + 1;
        }
    }

    // libpq URI: postgres://user:password@host1:port1,host2:port2/dbname?param=value&...
    private static NpgsqlConnectionStringBuilder FromUri(string uri, string source)
    {
        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        if (rest.Any(char.IsWhiteSpace) || rest.Contains("://", StringComparison.Ordinal))
            throw Invalid(source, "the URI holds a space or a second '://': is it two connection strings, or one pasted twice? Give one URI, with spaces percent-encoded (%20)");
        string? query = null;
        int q = rest.IndexOf('?');
        if (q >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }

        var b = new NpgsqlConnectionStringBuilder();
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            int colon = userInfo.IndexOf(':');
            b.Username = Uri.UnescapeDataString(colon >= 0 ? userInfo[..colon] : userInfo);
            if (colon >= 0)
            {
                b.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
                Redactor.Register(b.Password);
            }
        }

        int slash = rest.IndexOf('/');
        var hosts = slash >= 0 ? rest[..slash] : rest;
        if (slash >= 0 && slash + 1 < rest.Length) b.Database = Uri.UnescapeDataString(rest[(slash + 1)..]);
        if (hosts.Length > 0) b.Host = Uri.UnescapeDataString(hosts);

        foreach (var pair in (query ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq >= 0 ? pair[..eq] : pair);
            var val = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..]) : "";
            switch (key)
            {
                case "sslmode":
                    b.SslMode = Enum.TryParse<SslMode>(val.Replace("-", ""), ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode
                        : throw Invalid(source, $"URI parameter sslmode='{val}' is not one of disable, allow, prefer, require, verify-ca, verify-full");
                    break;
                case "sslrootcert": b.RootCertificate = val; break;
                case "sslcert": b.SslCertificate = val; break;
                case "sslkey": b.SslKey = val; break;
                case "application_name": b.ApplicationName = val; break;
                case "connect_timeout": b.Timeout = Number(val, "URI parameter connect_timeout", source); break;
                case "target_session_attrs": b.TargetSessionAttributes = val; break;
                case "options": b.Options = val; break;
                case "user": b.Username = val; break;
                case "password": b.Password = val; Redactor.Register(val); break;
                case "dbname": b.Database = val; break;
                case "host": b.Host = val; break;
                case "port": b.Port = Number(val, "URI parameter port", source); break;
                default:
                    throw new MigrationException(ReasonCodes.InvalidArgument,
                        $"{source}: URI parameter '{key}' is not supported; use sslmode, sslrootcert, sslcert, sslkey, application_name, connect_timeout, target_session_attrs, options, or an Npgsql connection string.");
            }
        }
        // A single host:port in the URI; Npgsql's Host also accepts host1:port1,host2:port2 as is.
        if (b.Host is { } h && !h.Contains(',') && h.LastIndexOf(':') is var c and > 0 && !h.StartsWith('[') && int.TryParse(h[(c + 1)..], out var port))
        {
            b.Host = h[..c];
            b.Port = port;
        }
        return b;
    }

    /// <summary>
    /// What Npgsql would otherwise reject only when it connects, with an exception that names nothing: a missing
    /// host, a port out of range, a host:port whose port is not a number.
    /// </summary>
    private static void Validate(NpgsqlConnectionStringBuilder b, string source)
    {
        if (string.IsNullOrWhiteSpace(b.Host))
            throw Invalid(source, "no host is given (Host=... or postgres://user@host/db)");
        if (b.Port is < 1 or > 65535)
            throw Invalid(source, $"port {b.Port} is not between 1 and 65535");
        foreach (var host in b.Host.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = host.LastIndexOf(':');
            if (colon <= 0 || host.StartsWith('[') || host.EndsWith(']')) continue;
            var port = host[(colon + 1)..];
            if (!int.TryParse(port, out var n) || n is < 1 or > 65535)
                throw Invalid(source, $"host '{host}' has port '{port}', which is not a number between 1 and 65535");
        }
    }

    private static int Number(string value, string what, string source) =>
        int.TryParse(value, out var n) && n >= 0 ? n : throw Invalid(source, $"{what}='{value}' is not a whole number");

    private static MigrationException Invalid(string source, string message) =>
        new(ReasonCodes.InvalidArgument, $"{source} is not a valid connection string: {Redactor.Redact(message)}");

    private static string? TryPassword(string value)
    {
        try { return new NpgsqlConnectionStringBuilder(value).Password; }
        catch (ArgumentException) { return null; }
    }
}
