using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Cmdlets.Hosting;

/// <summary>How the cmdlets spell the options engine texts name (OptionNames): -To, -LockRetries, -DevDatabase, Get-Help.</summary>
internal static class PowerShellOptionNames
{
    public static OptionNames For(string command) => new(name => name switch
    {
        // Test-SchemaMigration has no -ConnectionString: only DB_CONN points it at a journal.
        "connection" => command == "Test-SchemaMigration" ? "DB_CONN" : "-ConnectionString or DB_CONN",
        "connection-string" => "-ConnectionString",
        "migrations-dir" => "-Path",
        // No cmdlet parameter: the environment sets it for the cmdlets as for the runner.
        "statement-timeout" => "SCHEMAMIGRATE_STATEMENT_TIMEOUT",
        "help" => $"`Get-Help {command} -Parameter *`",
        "status" => "Get-SchemaMigrationStatus",
        _ => "-" + string.Concat(name.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..])),
    });
}
