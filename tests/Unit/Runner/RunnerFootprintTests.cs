using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>What a run loads and reports about its own cost (SCHEMAMIGRATE_TIMINGS=1), as bench/ reads it.</summary>
public class RunnerFootprintTests
{
    [Fact]
    public async Task A_password_run_loads_no_Azure_Identity_a_no_op_run_no_Azure_library_and_the_timings_line_names_each_phase()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_first.sql", "CREATE TABLE first_done (id int);\n");
        var env = new Dictionary<string, string?> { ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path, ["SCHEMAMIGRATE_TIMINGS"] = "1" };

        var apply = await RunnerProcess.RunAsync(env, "up");
        var rerun = await RunnerProcess.RunAsync(env, "up");

        Assert.True(apply.ExitCode == 0, apply.Output);
        Assert.True(rerun.ExitCode == 0, rerun.Output);
        var applied = apply.Stderr.Split('\n').Single(l => l.StartsWith("timings: ", StringComparison.Ordinal));
        var nothing = rerun.Stderr.Split('\n').Single(l => l.StartsWith("timings: ", StringComparison.Ordinal));
        foreach (var phase in new[] { "runtime=", " files=", " open=", " lock=", " journal=", " gate=", " connect=", " apply=", " total=", " jit=", " assemblies=", " rss=" })
            Assert.Contains(phase, applied);
        // Nothing to apply: the lock's session reads the journal, and no work connection is opened.
        Assert.DoesNotContain(" connect=", nothing);
        Assert.DoesNotContain(" apply=", nothing);
        // Azure.Identity is for --auth entra only; a run with nothing to apply loads no Azure library at all (the
        // deploy gate's rule discovery reflects over every engine type, which loads Azure.Core, when it judges files).
        Assert.DoesNotContain("Azure.Identity", applied);
        Assert.DoesNotContain("Azure.", nothing);
        Assert.Contains("Npgsql", nothing);
        Assert.DoesNotContain("timings:", apply.Stdout);
    }
}
