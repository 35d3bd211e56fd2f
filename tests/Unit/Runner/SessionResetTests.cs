using System.Text.RegularExpressions;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Runner;

/// <summary>
/// Issue 9, case 3: every file starts from the session a new connection has, so the same folder gives the same
/// schema however many runs apply it, and the same schema psql gives applying each file on its own.
/// </summary>
public class SessionResetTests
{
    [Fact]
    public async Task A_search_path_set_in_one_file_does_not_reach_the_next_in_one_run_or_in_two()
    {
        await using var one = await TestDatabase.CreateAsync();
        await using var two = await TestDatabase.CreateAsync();
        using var folder = new MigrationFolder().Add("001_s.sql", "CREATE SCHEMA s;\nSET search_path = s, public;\n").Add("002_t.sql", "CREATE TABLE t (a int);\n");

        var single = await RunnerProcess.RunAsync(one.ConnectionString, folder.Path);
        var first = await RunnerProcess.RunAsync(two.ConnectionString, folder.Path, "--to", "001_s.sql");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal(["001_s.sql"], (await two.JournalAsync()).Select(j => j.Id));
        var second = await RunnerProcess.RunAsync(two.ConnectionString, folder.Path);

        Assert.True(single.ExitCode == 0 && second.ExitCode == 0, single.Output + second.Output);
        foreach (var db in new[] { one, two })
        {
            Assert.True(await db.TableExistsAsync("public.t"));
            Assert.False(await db.TableExistsAsync("s.t"));
        }
    }

    /// <summary>What each probing file saw of its session, as a row of public.probe (a backfill to the gate once probe exists).</summary>
    private const string Probe =
        "-- schemamigrate:allow backfilling-existing-rows records what the session looks like\n"
        + "INSERT INTO public.probe SELECT '{0}', current_setting('search_path'), current_user::text, session_user::text, current_setting('TimeZone'),\n"
        + "  coalesce(current_setting('myapp.flag', true), ''), to_regclass('pg_temp.scratch') IS NOT NULL, EXISTS (SELECT 1 FROM pg_catalog.pg_listening_channels());\n";

    private static MigrationFolder LeakyFolder() => new MigrationFolder()
        .Add("001_setup.sql", "CREATE SCHEMA app;\nCREATE TABLE public.probe (file text, search_path text, who text, login text, tz text, flag text, temp_table boolean, listening boolean);\n")
        .Add("002_leaks.sql", "SET search_path = app, public;\nSET TIME ZONE 'Asia/Tokyo';\nSET myapp.flag = 'leaked';\nCREATE TEMP TABLE scratch (x int);\nLISTEN somewhere;\nSET ROLE pg_database_owner;\n")
        .Add("003_table.sql", string.Format(Probe, "003") + "CREATE TABLE t (a int, at timestamptz DEFAULT '2020-01-01 00:00');\n")
        .Add("004_role_default.sql", "ALTER ROLE CURRENT_USER SET search_path = app, public;\n")
        .Add("005_after.sql", string.Format(Probe, "005") + "CREATE TABLE u (a int);\n")
        .Add("006_index.sql", "-- schemamigrate:no-transaction\nSET search_path = public;\nSET TIME ZONE 'America/Lima';\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n")
        .Add("007_last.sql", string.Format(Probe, "007") + "CREATE TABLE v (at timestamptz DEFAULT '2020-01-01 00:00');\n");

    [Fact]
    public async Task One_run_and_one_run_per_file_give_the_same_pg_dump_and_each_file_sees_a_new_sessions_state()
    {
        await using var oneDb = await TestDatabase.CreateAsync();
        await using var oneRole = await TestRole.CreateAsync(oneDb);
        await using var perFileDb = await TestDatabase.CreateAsync();
        await using var perFileRole = await TestRole.CreateAsync(perFileDb);
        using var folder = LeakyFolder();
        var ids = Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        var single = await RunnerProcess.RunAsync(oneRole.ConnectionString, folder.Path);
        Assert.True(single.ExitCode == 0, single.Output);
        foreach (var id in ids)
        {
            var run = await RunnerProcess.RunAsync(perFileRole.ConnectionString, folder.Path, "--to", id!);
            Assert.True(run.ExitCode == 0, run.Output);
        }

        string Normalized(string dump, TestRole role) => Regex.Replace(dump, $@"\b{role.Name}\b", "ROLE");
        Assert.Equal(Normalized(await SchemaDump.OfAsync(perFileRole.ConnectionString), perFileRole), Normalized(await SchemaDump.OfAsync(oneRole.ConnectionString), oneRole));

        const string probes = "SELECT file, search_path, who = login, tz, flag, temp_table, listening FROM public.probe ORDER BY file";
        var seen = await oneDb.RowsAsync(probes);
        Assert.Equal((await perFileDb.RowsAsync(probes)).Select(r => string.Join("|", r)), seen.Select(r => string.Join("|", r)));
        var serverZone = await oneDb.ScalarAsync<string>("SELECT current_setting('TimeZone')");
        Assert.Equal([$"003|\"$user\", public|True|{serverZone}||False|False", $"005|app, public|True|{serverZone}||False|False", $"007|app, public|True|{serverZone}||False|False"],
            seen.Select(r => string.Join("|", r)));
        Assert.True(await oneDb.TableExistsAsync("public.t"));
        Assert.True(await oneDb.TableExistsAsync("app.u")); // the role default 004 set applies from the next file on, as in a new session
        Assert.True(await oneDb.TableExistsAsync("app.v"));
    }

    [Fact]
    public async Task A_file_that_ends_as_another_role_is_still_recorded_and_the_next_file_runs_as_the_login_role()
    {
        await using var db = await TestDatabase.CreateAsync();
        var other = db.Name + "_app";
        await db.ExecuteAsync($"CREATE ROLE {other} NOLOGIN; GRANT CREATE ON SCHEMA public TO {other}");
        try
        {
            using var folder = new MigrationFolder()
                .Add("001_as_app.sql", $"SET ROLE {other};\nCREATE TABLE app_owned (id int);\n")
                .Add("002_as_app_too.sql", $"SET SESSION AUTHORIZATION {other};\nCREATE TABLE also_app_owned (id int);\n")
                .Add("003_mine.sql", "CREATE TABLE mine (id int);\n");

            var run = await RunnerProcess.RunAsync(db.ConnectionString, folder.Path);

            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Equal(3, (await db.JournalAsync()).Count);
            Assert.Equal([other, other, "postgres"], (await db.RowsAsync(
                "SELECT tableowner::text FROM pg_tables WHERE tablename IN ('app_owned', 'also_app_owned', 'mine') ORDER BY array_position(ARRAY['app_owned', 'also_app_owned', 'mine'], tablename::text)"))
                .Select(r => (string)r[0]!));
        }
        finally
        {
            await db.DisposeAsync();
            await PostgresServer.ExecuteAsync($"DROP ROLE IF EXISTS {other}");
        }
    }
}
