using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>Applied, Pending, Modified, Missing and OutOfOrder against a real journal; --strict refuses before anything runs.</summary>
public class IntegrityTests
{
    [Fact]
    public async Task Status_reports_every_state_strict_refuses_Modified_and_OutOfOrder_and_Missing_is_never_fatal()
    {
        await using var db = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder()
            .Add("001_accounts.sql", "CREATE TABLE accounts (id int);\n")
            .Add("002_orders.sql", "CREATE TABLE orders (id int);\n")
            .Add("004_audit.sql", "CREATE TABLE audit (id int);\n")
            .Add("005_notes.sql", "CREATE TABLE notes (id int);\n");
        var first = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(first.ExitCode == 0, first.Output);

        // After deploys from parallel branches and a Windows checkout: 001 edited, 002 gone (an older image),
        // 004 only re-saved with CRLF, 003 merged late, 006 new.
        folder.Add("001_accounts.sql", "CREATE TABLE accounts (id bigint);\n");
        File.Delete(folder.FilePath("002_orders.sql"));
        folder.Add("004_audit.sql", "CREATE TABLE audit (id int);\r\n");
        folder.Add("003_late.sql", "CREATE TABLE late (id int);\n");
        folder.Add("006_new.sql", "CREATE TABLE fresh (id int);\n");
        var journalBefore = await db.JournalAsync();

        var status = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "status", "--json");
        Assert.True(status.ExitCode == 0, status.Output);
        var rows = status.EventsOf("status").ToDictionary(r => r.GetProperty("id").GetString()!, r => r);
        Assert.Equal(
            [("001_accounts.sql", "Modified"), ("002_orders.sql", "Missing"), ("003_late.sql", "OutOfOrder"), ("004_audit.sql", "Modified"),
             ("005_notes.sql", "Applied"), ("006_new.sql", "Pending")],
            rows.Select(r => (r.Key, r.Value.GetProperty("state").GetString())));
        Assert.Contains("was changed after it was applied", rows["001_accounts.sql"].GetProperty("warnings")[0].GetString());
        Assert.Contains("only in line endings or a byte-order mark", rows["004_audit.sql"].GetProperty("warnings")[0].GetString());
        Assert.Contains("no such file", rows["002_orders.sql"].GetProperty("warnings")[0].GetString());
        Assert.Contains("sorts before 005_notes.sql", rows["003_late.sql"].GetProperty("warnings")[0].GetString());
        var text = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "status");
        Assert.Contains("Missing     002_orders.sql", text.Stdout);
        Assert.Contains("OutOfOrder  003_late.sql", text.Stdout);

        var strict = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path, "--strict", "--json");
        Assert.Equal(ReasonCodes.IntegrityCheckFailed.ExitCode, strict.ExitCode);
        var reason = strict.Result.GetProperty("reason").GetString()!;
        Assert.StartsWith("--strict: nothing was applied because 001_accounts.sql is Modified", reason);
        Assert.Contains("003_late.sql is OutOfOrder", reason);
        Assert.Contains("004_audit.sql is Modified", reason);
        Assert.DoesNotContain("002_orders.sql", reason);
        Assert.Equal(journalBefore, await db.JournalAsync());
        Assert.False(await db.TableExistsAsync("late"));
        Assert.False(await db.TableExistsAsync("fresh"));
        var strictPlan = await RunnerProcess.RunAsync(new Dictionary<string, string?> { ["DB_CONN"] = db.ConnectionString, ["MIGRATIONS_DIR"] = folder.Path, ["SCHEMAMIGRATE_STRICT"] = "true" }, "plan");
        Assert.Equal(ReasonCodes.IntegrityCheckFailed.ExitCode, strictPlan.ExitCode);

        // Without --strict: warn and apply, as the seed's runner does; Missing is reported, never fatal.
        var lenient = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);
        Assert.True(lenient.ExitCode == 0, lenient.Output);
        Assert.Contains("warning Missing: 002_orders.sql is recorded as applied but no such file", lenient.Stderr);
        Assert.Contains("warning OutOfOrder: 003_late.sql", lenient.Stderr);
        Assert.Contains("applied=2 alreadyApplied=4 pending=0", lenient.Stdout);
        Assert.True(await db.TableExistsAsync("late"));
        Assert.True(await db.TableExistsAsync("fresh"));
        Assert.DoesNotContain(db.Password, status.Output + text.Output + strict.Output + lenient.Output);
    }
}
