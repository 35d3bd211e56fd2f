using Npgsql;
using SchemaMigrate.Engine.Sql;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// What `verify --trace` hands the tracer: the pending files in run order (with checksums), the gate's report on
/// them (its findings and predictions), how the run judges, and the two app images' queries.
/// </summary>
internal sealed record TraceInput(IReadOnlyList<GateFile> Pending, GateReport Gate, GateOptions Options)
{
    public IReadOnlyList<AppQuery> RollbackQueries { get; init; } = [];
    public IReadOnlyList<AppQuery> CurrentQueries { get; init; } = [];

    /// <summary>A statement PostgreSQL refuses inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...).</summary>
    public required Func<SqlStatement, bool> MustRunAlone { get; init; }

    /// <summary>
    /// How a no-transaction file's statements commit, as `up` runs them: [Start, End) is one statement in autocommit,
    /// or, when InTransaction, a transaction the file opens and ends itself (BEGIN ... COMMIT). Default: each alone.
    /// </summary>
    public Func<IReadOnlyList<SqlStatement>, IReadOnlyList<(int Start, int End, bool InTransaction)>> Units { get; init; } =
        statements => statements.Select((_, i) => (i, i + 1, false)).ToArray();

    /// <summary>
    /// A statement that changes the defaults a new session gets (ALTER ROLE/DATABASE ... SET): after its file the trace
    /// continues on a new connection, as `up` does, so the next file sees them. Default: none does.
    /// </summary>
    public Func<SqlStatement, bool> ChangesSessionDefaults { get; init; } = _ => false;

    /// <summary>Runs on the traced session after a file's last statement, inside its transaction when it has one: the journal row.</summary>
    public required Func<NpgsqlConnection, GateFile, CancellationToken, Task> Record { get; init; }
}
