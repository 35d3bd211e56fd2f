using System.Globalization;
using System.Text.RegularExpressions;

namespace SchemaMigrate.Engine.Configuration;

/// <summary>Durations as operators write them in options, env settings and directives: 500ms, 5s, 2min, 1h, or 0.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var m = Pattern().Match(text?.Trim() ?? "");
        if (!m.Success) return false;
        var amount = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        value = m.Groups[2].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "" or "s" or "sec" => TimeSpan.FromSeconds(amount),
            "m" or "min" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => TimeSpan.Zero,
        };
        return true;
    }

    /// <summary>The form PostgreSQL settings accept, e.g. "5000ms".</summary>
    public static string ToPostgres(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    public static string Format(TimeSpan value) =>
        value == TimeSpan.Zero ? "0" :
        value.TotalMilliseconds < 1000 || value.Milliseconds != 0 ? $"{(long)value.TotalMilliseconds}ms" :
        value.TotalSeconds < 60 || value.Seconds != 0 ? $"{(long)value.TotalSeconds}s" :
        value.TotalMinutes < 60 || value.Minutes != 0 ? $"{(long)value.TotalMinutes}min" : $"{(long)value.TotalHours}h";

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
