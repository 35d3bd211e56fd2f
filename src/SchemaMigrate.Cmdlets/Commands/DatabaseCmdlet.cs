using System.Management.Automation;
using SchemaMigrate.Cmdlets.Operations;

namespace SchemaMigrate.Cmdlets;

/// <summary>Base of the cmdlets that open the database: how to reach it, as MigrateRunner's DB_CONN and --auth.</summary>
public abstract class DatabaseCmdlet : SchemaMigrateCmdlet
{
    /// <summary>Npgsql connection string or postgres:// URI; default DB_CONN.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>Overrides the connection string's user and password.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateSet("Password", "Entra")]
    public string? Auth { get; set; }

    /// <summary>The journal's schema; default SCHEMAMIGRATE_JOURNAL_SCHEMA, else where the journal is, else public.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalSchema { get; set; }

    /// <summary>The journal's table; default SCHEMAMIGRATE_JOURNAL_TABLE, else schema_migrations.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JournalTable { get; set; }

    internal SettingsParameters ConnectionParameters(string? path)
    {
        var credential = Credential == PSCredential.Empty ? null : Credential;
        return new SettingsParameters
        {
            Path = path,
            ConnectionString = ConnectionString,
            UserName = credential?.UserName,
            Password = credential?.GetNetworkCredential().Password,
            Auth = Auth,
            JournalSchema = JournalSchema,
            JournalTable = JournalTable,
        };
    }
}
