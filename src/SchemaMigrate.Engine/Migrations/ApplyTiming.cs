using SchemaMigrate.Engine.Configuration;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>How long a migration statement may wait and run (the settings sent before it), and how a retry waits.</summary>
internal static class ApplyTiming
{
    /// <summary>Waits before a retry after a lock timeout: 1, 2, 4 ... up to 30 seconds, jittered, announced to the listener.</summary>
    public static async Task BackOffAsync(MigrationSettings settings, IMigrationListener listener, string id, int attempt, string reason, CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt)) * (0.75 + 0.5 * Random.Shared.NextDouble()));
        listener.OnEvent(new MigrationRetrying(id, attempt + 1, settings.LockRetries, delay, reason));
        await Task.Delay(delay, ct);
    }

    /// <summary>
    /// lock_timeout (always set, so a stale session value never applies) and statement_timeout when configured.
    /// CONCURRENTLY statements run without the run-wide lock_timeout (see <see cref="StatementRules.IsConcurrentDdl"/>).
    /// </summary>
    public static IEnumerable<string> SessionSettings(MigrationSettings settings, MigrationFile file, bool concurrentDdl)
    {
        var lockTimeout = file.Directives.LockTimeout ?? (concurrentDdl ? TimeSpan.Zero : settings.LockTimeout);
        var statementTimeout = file.Directives.StatementTimeout ?? settings.StatementTimeout;
        yield return $"lock_timeout = '{Durations.ToPostgres(lockTimeout)}'";
        if (statementTimeout > TimeSpan.Zero || file.Directives.StatementTimeout is not null)
            yield return $"statement_timeout = '{Durations.ToPostgres(statementTimeout)}'";
    }
}
