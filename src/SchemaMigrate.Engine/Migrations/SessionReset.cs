using Npgsql;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Every file starts from the session state a new connection has, as when psql applies each file: whatever a
/// file changes (SET search_path, SET ROLE, SET SESSION AUTHORIZATION, timezone and any other SET, temporary
/// tables, sequence state, LISTEN, session advisory locks) is undone at its end, before its journal row is
/// written and in the same round trip, inside its transaction. Unlike DISCARD ALL these may run in a transaction
/// block and in a batch. Role and database defaults (ALTER ROLE/DATABASE ... SET) only reach a session when it
/// starts, so after a file that changes them the run opens a new connection. Not undone: prepared statements
/// and WITH HOLD cursors a file leaves behind.
/// </summary>
internal static class SessionReset
{
    // RESET ALL skips role and session_authorization; RESET SESSION AUTHORIZATION returns to the login role.
    private static readonly string[] Statements =
        ["RESET ALL", "RESET SESSION AUTHORIZATION", "RESET ROLE", "DISCARD TEMP", "DISCARD SEQUENCES", "UNLISTEN *", "SELECT pg_catalog.pg_advisory_unlock_all()"];

    public static IEnumerable<NpgsqlBatchCommand> Commands() => Statements.Select(s => new NpgsqlBatchCommand(s));

    /// <summary>Whether a statement changes the defaults a new session gets (ALTER ROLE/USER/DATABASE ... SET or RESET).</summary>
    public static bool ChangesSessionDefaults(SqlStatement s) =>
        s.StartsWith("ALTER") && s.Keywords.Count > 1 && s.Keywords[1] is "ROLE" or "USER" or "DATABASE" && (s.Contains("SET") || s.Contains("RESET"));
}
