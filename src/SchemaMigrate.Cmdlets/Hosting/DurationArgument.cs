using System.Globalization;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>
/// -LockTimeout and -LockWait accept what MigrateRunner and the directives accept (5s, 500ms, 2min, 0), a number
/// of seconds, or a [TimeSpan]. A bare number means seconds, not PowerShell's default of ticks.
/// </summary>
internal static class DurationArgument
{
    public static TimeSpan Parse(object? value)
    {
        var result = value switch
        {
            TimeSpan t => t,
            string s when Durations.TryParse(s, out var d) => d,
            string s when TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t) => t,
            byte or short or int or long or float or double or decimal => TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            _ => (TimeSpan?)null,
        };
        if (result is not { } duration || duration < TimeSpan.Zero)
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"'{value}' is not a duration; use e.g. 5s, 500ms, 2min, a number of seconds, or a [TimeSpan] (0 disables)");
        return duration;
    }
}
