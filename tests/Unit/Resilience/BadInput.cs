using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Resilience;

/// <summary>
/// One case of the bad-input corpus: what is set up (<see cref="Arrange"/>), the reason code every front must give
/// (null: the input is accepted and applied), the file and line it must name, and words its message or next step
/// must hold (for an accepted input: words its output must hold, a warning's).
/// </summary>
public sealed record BadInput(string Name, string Input, ReasonCode? Expected, Func<BadInputSetup, Task> Arrange)
{
    public string? File { get; init; }
    public int? Line { get; init; }
    public string[] Words { get; init; } = [];
    /// <summary>For an accepted input: the journal's ids after the runs (each front finds the work done by the first).</summary>
    public string[] Journal { get; init; } = ["001_accounts.sql", "002_notes.sql"];

    /// <summary>False where a front cannot meet the input, with why (documented in docs/reliability.md).</summary>
    public bool Cmdlet { get; init; } = true;
    public bool Job { get; init; } = true;

    public override string ToString() => Name;
}

/// <summary>What a case's arrangement sets: the database and folder it gets, and how the fronts are pointed at them.</summary>
public sealed class BadInputSetup(TestDatabase db, MigrationFolder folder)
{
    public TestDatabase Db { get; } = db;
    public MigrationFolder Folder { get; } = folder;
    public string ConnectionString { get; set; } = db.ConnectionString;
    public string MigrationsDirectory { get; set; } = folder.Path;
    public string? Target { get; set; }
    public TimeSpan StatementTimeout { get; set; }
    public bool Strict { get; set; }
    /// <summary>The user the runner runs as (root reads any file): <c>nobody</c> for permission cases.</summary>
    public string? RunAs { get; set; }

    public BadInputSetup Add(string name, string sql)
    {
        Folder.Add(name, sql);
        return this;
    }

    /// <summary>Applies what the folder holds now, as an earlier deploy would have, before the bad input arrives.</summary>
    public async Task ApplyAsync()
    {
        var result = await new Migrator(Settings()).UpAsync(NullListener.Instance);
        Assert.True(result.Failure is null, result.Failure?.Message);
    }

    public MigrationSettings Settings() => new()
    {
        ConnectionString = ConnectionString, MigrationsDirectory = MigrationsDirectory, TargetId = Target,
        StatementTimeout = StatementTimeout, Strict = Strict,
    };

    /// <summary>The runner's options for the same settings (DB_CONN and MIGRATIONS_DIR come from the environment).</summary>
    public string[] RunnerArgs() =>
    [
        "--json",
        .. Target is null ? [] : new[] { "--to", Target },
        .. StatementTimeout == TimeSpan.Zero ? [] : new[] { "--statement-timeout", $"{StatementTimeout.TotalMilliseconds}ms" },
        .. Strict ? ["--strict"] : Array.Empty<string>(),
    ];
}
