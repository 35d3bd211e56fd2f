using System.Text.RegularExpressions;

namespace SchemaMigrate.Engine.Diagnostics;

/// <summary>
/// How a front spells the options and commands that engine texts name surface-neutrally, in braces: "{to}",
/// "{lock-retries}", "{dev-database}", "{help}", "{parameter}" (the failure's own <see cref="Failure.Parameter"/>).
/// The catalogue's next steps and the engine's messages are written once with these names; MigrateRunner renders
/// them as --to, the cmdlets as -To. A brace word that is not a known name is left as it is.
/// </summary>
public sealed partial class OptionNames(Func<string, string?> spell)
{
    /// <summary>Every name a text may use: the run settings' options, the connection, the help and status commands.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "to", "strict", "lock-timeout", "lock-wait", "lock-retries", "statement-timeout", "migrations-dir", "auth",
        "connection", "connection-string", "dev-database", "allow", "journal-schema", "journal-table", "help", "status",
        "require-trace", "applied-through", "app-queries", "current-app-queries",
    };

    /// <summary>MigrateRunner's spelling: --name, the connection as DB_CONN, the commands as MigrateRunner's own.</summary>
    public static OptionNames CommandLine { get; } = new(name => name switch
    {
        "connection" => "DB_CONN or --connection",
        "connection-string" => "--connection",
        "help" => "`MigrateRunner --help`",
        "status" => "`MigrateRunner status`",
        _ => "--" + name,
    });

    public static string Mark(string name) => "{" + name + "}";

    public string Render(string text, string? parameter = null) =>
        Token().Replace(text, m => m.Groups[1].Value switch
        {
            "parameter" => spell(parameter ?? "connection") ?? m.Value,
            var name when Known.Contains(name) => spell(name) ?? m.Value,
            _ => m.Value,
        });

    [GeneratedRegex(@"\{([a-z][a-z-]*)\}")]
    private static partial Regex Token();
}
