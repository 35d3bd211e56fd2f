using System.Text;
using SchemaMigrate.Engine.Diagnostics;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Resilience;

/// <summary>
/// The bad inputs every front must name the same way (docs/reliability.md lists them). Each starts from a database
/// with <c>001_accounts.sql</c> applied unless it says otherwise, so "nothing lost" means that stays as it was.
/// </summary>
public static class BadInputCorpus
{
    private const string Accounts = "CREATE TABLE accounts (id bigint PRIMARY KEY);\n";

    private const string BigHeader = "CREATE TABLE big (id int, body text);\n";
    private static readonly string BigRow = "INSERT INTO big VALUES (1, '" + new string('x', 200) + "');\n";
    private static readonly int BigRows = (50_000_000 - BigHeader.Length + BigRow.Length - 1) / BigRow.Length;

    /// <summary>50 MB of inserts, then one whose quote never closes (on line BigRows + 2).</summary>
    private static string BigFile() =>
        new System.Text.StringBuilder(BigHeader, 50_001_000).Insert(BigHeader.Length, BigRow, BigRows).Append("INSERT INTO big VALUES (2, 'never closed);\n").ToString();

    public static readonly IReadOnlyList<BadInput> All =
    [
        // Files that cannot run as written.
        Sql("unterminated-quote", "a string literal that never closes", "002_notes.sql",
            "CREATE TABLE notes (\n  id int,\n  body text DEFAULT 'none\n);\n", ReasonCodes.MigrationInvalid, 3, "unterminated"),
        Sql("unterminated-comment", "a block comment that never closes", "002_notes.sql",
            "CREATE TABLE notes (id int);\n/* a note\nthat never ends\n", ReasonCodes.MigrationInvalid, 2, "comment"),
        Sql("syntax-error", "a misspelt keyword (the gate cannot read the statement, so it refuses it)", "002_notes.sql",
            "CREATE TABLE notes (id int);\nCREAT INDEX notes_id ON notes (id);\n", ReasonCodes.PolicyViolation, 2, "opaque-statement"),
        Sql("missing-table", "a statement on a table that does not exist", "002_notes.sql",
            "CREATE TABLE notes (id int);\nINSERT INTO note VALUES (1);\n", ReasonCodes.SqlApplyFailed, 2, "does not exist", "42P01"),
        FileBytes("latin1", "Latin-1 text (invalid UTF-8)", "002_notes.sql",
            [.. "CREATE TABLE notes (id int);\nCOMMENT ON TABLE notes IS 'caf"u8, 0xE9, .. "';\n"u8], ReasonCodes.MigrationInvalid, 2, "not valid UTF-8", "0xE9"),
        FileBytes("utf16", "UTF-16 with its byte-order mark", "002_notes.sql",
            [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("CREATE TABLE notes (id int);\n")], ReasonCodes.MigrationInvalid, 1, "UTF-16"),
        FileBytes("bom-applies", "a UTF-8 byte-order mark before a directive (accepted: the mark is not SQL)", "002_notes.sql",
            [0xEF, 0xBB, 0xBF, .. "-- schemamigrate:no-transaction\nCREATE INDEX CONCURRENTLY accounts_id ON accounts (id);\n"u8], null, null),
        FileBytes("bom-line", "a UTF-8 byte-order mark, then a failing statement: its line is still right", "002_notes.sql",
            [0xEF, 0xBB, 0xBF, .. "CREATE TABLE notes (id int);\n\nINSERT INTO note VALUES (1);\n"u8], ReasonCodes.SqlApplyFailed, 3, "does not exist"),
        Sql("crlf-applies", "Windows line endings (accepted)", "002_notes.sql",
            "-- schemamigrate:lock-timeout=3s\r\nCREATE TABLE notes (\r\n  id int\r\n);\r\n", null, null),
        Sql("crlf-line", "Windows line endings, then a failing statement: its line is still right", "002_notes.sql",
            "CREATE TABLE notes (id int);\r\n\r\n\r\nINSERT INTO note VALUES (1);\r\n", ReasonCodes.SqlApplyFailed, 4, "does not exist"),
        Sql("empty", "an empty file", "002_notes.sql", "", ReasonCodes.MigrationInvalid, null, "it is empty", "SELECT 1"),
        Sql("only-comments", "a file of only comments", "002_notes.sql",
            "-- TODO: add the notes table\n/* CREATE TABLE notes (id int); */\n", ReasonCodes.MigrationInvalid, null, "only comments"),
        Sql("nul-byte", "a NUL byte in the SQL", "002_notes.sql",
            "CREATE TABLE notes (id int);\nCOMMENT ON TABLE notes IS 'a\0b';\n", ReasonCodes.MigrationInvalid, 2, "NUL"),
        Sql("unknown-directive", "a misspelt directive", "002_notes.sql",
            "-- schemamigrate:no-transactoin\nCREATE INDEX CONCURRENTLY accounts_id ON accounts (id);\n", ReasonCodes.MigrationInvalid, 1, "unknown directive 'no-transactoin'"),
        Sql("directive-after-statement", "a directive below the first statement", "002_notes.sql",
            "CREATE TABLE notes (id int);\n-- schemamigrate:no-transaction\n", ReasonCodes.MigrationInvalid, 2, "above the first statement"),
        Sql("directive-twice", "the same directive twice", "002_notes.sql",
            "-- schemamigrate:lock-timeout=2s\n-- schemamigrate:lock-timeout=3s\nCREATE TABLE notes (id int);\n", ReasonCodes.MigrationInvalid, 2, "given twice"),
        Sql("psql-connect", "a psql \\connect meta-command", "002_notes.sql",
            "\\connect other\nCREATE TABLE notes (id int);\n", ReasonCodes.MigrationInvalid, 1, "\\connect"),
        Sql("psql-set", "a psql \\set meta-command", "002_notes.sql",
            "\\set ON_ERROR_STOP on\nCREATE TABLE notes (id int);\n", ReasonCodes.MigrationInvalid, 1, "\\set"),
        Sql("copy-from-stdin", "COPY ... FROM stdin with its data lines (a pg_dump excerpt)", "002_notes.sql",
            "CREATE TABLE notes (id int, body text);\nCOPY notes (id, body) FROM stdin;\n1\tfirst\n2\tsecond\n\\.\n", ReasonCodes.MigrationInvalid, 2, "COPY"),
        Sql("transaction-control", "COMMIT inside a transactional file", "002_notes.sql",
            "CREATE TABLE notes (id int);\nCOMMIT;\nCREATE TABLE more_notes (id int);\n", ReasonCodes.MigrationInvalid, 2, "COMMIT"),
        Sql("concurrently-in-transaction", "CREATE INDEX CONCURRENTLY without no-transaction", "002_notes.sql",
            "CREATE INDEX CONCURRENTLY accounts_id ON accounts (id);\n", ReasonCodes.MigrationInvalid, 1, "no-transaction"),
        Sql("touches-journal", "a migration that writes the journal", "002_notes.sql",
            "DELETE FROM schema_migrations WHERE id = '001_accounts.sql';\n", ReasonCodes.MigrationTouchesJournal, 1, "schema_migrations"),
        new("statement-never-ends", "a statement that never ends (statement_timeout 1s)", ReasonCodes.StatementTimeout, s =>
        {
            s.Add("002_slow.sql", "CREATE TABLE notes (id int);\nSELECT pg_sleep(600);\n");
            s.StatementTimeout = TimeSpan.FromSeconds(1);
            return Task.CompletedTask;
        }) { File = "002_slow.sql", Line = 2, Words = ["statement timeout"] },
        new("file-50mb", "a 50 MB file whose last statement never closes its quote", ReasonCodes.MigrationInvalid, s =>
        {
            s.Add("002_big.sql", BigFile());
            return Task.CompletedTask;
        }) { File = "002_big.sql", Line = BigRows + 2, Words = ["unterminated"] },
        new("files-20000", "20,000 files, the last one malformed", ReasonCodes.MigrationInvalid, s =>
        {
            for (var i = 2; i <= 20_000; i++) s.Add($"{i:D5}_step.sql", $"CREATE TABLE step_{i} (id int);\n");
            s.Add("20001_last.sql", "CREATE TABLE last (id int DEFAULT 'x);\n");
            return Task.CompletedTask;
        }) { File = "20001_last.sql", Line = 1, Words = ["unterminated"] },

        // Names.
        new("numeric-order", "names that sort out of numeric order (9 before 10)", ReasonCodes.MigrationInvalid, s =>
        {
            s.Add("9_notes.sql", "CREATE TABLE notes (id int);\n").Add("10_more.sql", "CREATE TABLE more_notes (id int);\n");
            return Task.CompletedTask;
        }) { File = "9_notes.sql", Words = ["10_more.sql", "zero-pad"] },
        new("case-collision", "names that differ only in case (one file on Windows or macOS)", ReasonCodes.MigrationInvalid, s =>
        {
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n").Add("002_Notes.sql", "CREATE TABLE notes_upper (id int);\n");
            return Task.CompletedTask;
        }) { File = "002_Notes.sql", Words = ["002_notes.sql", "rename"] },
        new("unicode-collision", "names equal after Unicode normalisation (NFC and NFD)", ReasonCodes.MigrationInvalid, s =>
        {
            s.Add("002_caf\u00e9.sql", "CREATE TABLE cafe_a (id int);\n").Add("002_cafe\u0301.sql", "CREATE TABLE cafe_b (id int);\n");
            return Task.CompletedTask;
        }) { File = "002_cafe\u0301.sql", Words = ["rename"] },

        // Folder entries.
        new("unreadable-file", "a file the runner's user may not read (runs as nobody)", ReasonCodes.MigrationUnreadable, s =>
        {
            s.Add("002_secret.sql", "CREATE TABLE notes (id int);\n");
            Chmod(s.Folder.FilePath("002_secret.sql"), UnixFileMode.None);
            OpenToOthers(s);
            s.RunAs = "nobody";
            return Task.CompletedTask;
        }) { File = "002_secret.sql", Words = ["permission denied", "nobody", "chmod"], Cmdlet = false },
        new("unreadable-folder", "a folder the runner's user may not list (runs as nobody)", ReasonCodes.MigrationUnreadable, s =>
        {
            OpenToOthers(s);
            Chmod(s.Folder.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            s.RunAs = "nobody";
            return Task.CompletedTask;
        }) { Words = ["cannot be listed", "nobody"], Cmdlet = false },
        new("folder-is-a-file", "MIGRATIONS_DIR names a file", ReasonCodes.MigrationsDirNotFound, s =>
        {
            s.MigrationsDirectory = s.Folder.FilePath("001_accounts.sql");
            return Task.CompletedTask;
        }) { Words = ["is a file"] },
        new("folder-missing", "MIGRATIONS_DIR names nothing", ReasonCodes.MigrationsDirNotFound, s =>
        {
            s.MigrationsDirectory = s.Folder.FilePath("no-such-folder");
            return Task.CompletedTask;
        }) { Words = ["no-such-folder"] },
        new("symlink-loop", "a symbolic link that points at itself", ReasonCodes.MigrationUnreadable, s =>
        {
            File.CreateSymbolicLink(s.Folder.FilePath("002_loop.sql"), s.Folder.FilePath("002_loop.sql"));
            return Task.CompletedTask;
        }) { File = "002_loop.sql", Words = ["symbolic link", "loop"] },
        new("symlink-dangling", "a symbolic link to a file that is gone", ReasonCodes.MigrationUnreadable, s =>
        {
            File.CreateSymbolicLink(s.Folder.FilePath("002_gone.sql"), s.Folder.FilePath("../no-such-file.sql"));
            return Task.CompletedTask;
        }) { File = "002_gone.sql", Words = ["does not exist"] },
        new("directory-named-sql", "a directory named 002_notes.sql", ReasonCodes.MigrationUnreadable, s =>
        {
            Directory.CreateDirectory(s.Folder.FilePath("002_notes.sql"));
            return Task.CompletedTask;
        }) { File = "002_notes.sql", Words = ["is a directory"] },

        // Connections.
        Connection("malformed-connection-string", "a connection string that does not parse", _ => "Host=127.0.0.1;Port=5432;Database", ReasonCodes.InvalidArgument, "not a valid connection string"),
        Connection("truncated-uri", "a URI cut off after the port's colon", s => $"postgres://postgres:{s.Db.Password}@127.0.0.1:", ReasonCodes.InvalidArgument, "port"),
        Connection("bad-port", "a port that is not a number", s => $"Host=127.0.0.1;Port=54x2;Username=postgres;Password={s.Db.Password};Database={s.Db.Name}", ReasonCodes.InvalidArgument, "54x2"),
        Connection("duplicated-connection-string", "the connection string pasted twice", s => s.Db.ConnectionString + ";" + s.Db.ConnectionString, ReasonCodes.InvalidArgument, "twice"),
        Connection("duplicated-uri", "two URIs in DB_CONN", s => $"{Uri(s)} {Uri(s)}", ReasonCodes.InvalidArgument, "connection string"),
        Connection("unknown-host", "a host name that does not resolve", s => s.Db.ConnectionString.Replace("127.0.0.1", "no-such-host.invalid"), ReasonCodes.DbUnreachable, "no-such-host.invalid"),
        Connection("refused-port", "a port where nothing listens", s => $"Host=127.0.0.1;Port=1;Username=postgres;Password={s.Db.Password};Database={s.Db.Name};Timeout=5", ReasonCodes.DbUnreachable, "refused"),
        Connection("wrong-database", "a database that does not exist", s => s.Db.ConnectionString.Replace(s.Db.Name, "no_such_db"), ReasonCodes.DbConnectionFailed, "no_such_db"),
        Connection("wrong-password", "a wrong password", s => s.Db.As("postgres", "wrong-" + Guid.NewGuid().ToString("N")), ReasonCodes.DbAuthFailed, "password authentication failed"),
        new("read-only-user", "a user whose sessions are read-only", ReasonCodes.SqlApplyFailed, async s =>
        {
            var role = await RoleAsync(s, "SET default_transaction_read_only = on");
            await s.Db.ExecuteAsync($"GRANT ALL ON SCHEMA public TO {role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}");
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
            s.ConnectionString = s.Db.As(role, "pw-" + role);
        }) { File = "002_notes.sql", Line = 1, Words = ["read-only transaction", "25006"] },
        new("no-create-user", "a user without CREATE on public (PostgreSQL 15's default) and no journal yet", ReasonCodes.JournalAccessFailed, async s =>
        {
            var role = await RoleAsync(s, null);
            await s.Db.ExecuteAsync("DROP TABLE public.schema_migrations");
            s.ConnectionString = s.Db.As(role, "pw-" + role);
        }) { Words = ["CREATE", "GRANT"] },
        new("no-create-user-migration", "a user without CREATE on public whose migration creates a table", ReasonCodes.SqlApplyFailed, async s =>
        {
            var role = await RoleAsync(s, null);
            await s.Db.ExecuteAsync($"GRANT SELECT, INSERT ON public.schema_migrations TO {role}");
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
            s.ConnectionString = s.Db.As(role, "pw-" + role);
        }) { File = "002_notes.sql", Line = 1, Words = ["permission denied for schema public", "42501"] },

        // Journals.
        Journal("journal-golang-migrate", "a schema_migrations of golang-migrate (version, dirty)",
            "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (1, false)",
            ReasonCodes.JournalIncompatible, "version, dirty", "schemamigrate_journal"),
        Journal("journal-view", "a view named schema_migrations",
            "CREATE VIEW schema_migrations AS SELECT 'x'::text AS id, 'y'::text AS checksum, now() AS applied_at",
            ReasonCodes.JournalIncompatible, "is a view"),
        Journal("journal-wrong-types", "a schema_migrations whose id is an integer",
            "CREATE TABLE schema_migrations (id int PRIMARY KEY, checksum text, applied_at timestamptz)",
            ReasonCodes.JournalIncompatible, "id is integer"),
        Journal("journal-extra-required-column", "a schema_migrations with a further NOT NULL column",
            "CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL, installed_by text NOT NULL)",
            ReasonCodes.JournalIncompatible, "installed_by"),
        new("journal-row-file-gone", "a journal row whose file is gone (accepted: an older image may run after a newer one; the row is kept)", null, async s =>
        {
            await s.Db.ExecuteAsync("INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ('000_gone.sql', repeat('a', 64), now())");
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
        }) { Words = ["000_gone.sql is recorded as applied but no such file"], Journal = ["000_gone.sql", "001_accounts.sql", "002_notes.sql"] },
        new("journal-checksum-not-hex", "a journal checksum edited by hand, not hex (--strict)", ReasonCodes.IntegrityCheckFailed, async s =>
        {
            await s.Db.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited by hand'");
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
            s.Strict = true;
        }) { File = "001_accounts.sql", Words = ["not a SHA-256", "edited by hand", "SET checksum"] },
        Journal("journal-null-applied-at", "a journal row with a NULL applied_at",
            "CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text, applied_at timestamptz); "
            + "INSERT INTO schema_migrations VALUES ('001_accounts.sql', repeat('a', 64), NULL)",
            ReasonCodes.JournalIncompatible, "has no applied_at", "UPDATE"),

        // Targets and integrity.
        new("to-already-applied", "--to a file that is already applied (accepted: nothing up to it is pending, and the output says so)", null, s =>
        {
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
            s.Target = "001_accounts.sql";
            return Task.CompletedTask;
        }) { Words = ["is already applied: nothing up to it is pending", "after it stay pending"], Journal = ["001_accounts.sql"] },
        new("to-unknown", "--to a file that does not exist", ReasonCodes.TargetNotFound, s =>
        {
            s.Target = "002_nope.sql";
            return Task.CompletedTask;
        }) { Words = ["002_nope.sql", "no such migration"] },
        new("applied-file-edited", "an applied file edited afterwards (--strict)", ReasonCodes.IntegrityCheckFailed, s =>
        {
            s.Add("001_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, name text);\n");
            s.Strict = true;
            return Task.CompletedTask;
        }) { File = "001_accounts.sql", Words = ["Modified"] },
    ];

    private static BadInput Sql(string name, string input, string file, string sql, ReasonCode? code, int? line, params string[] words) =>
        new(name, input, code, s =>
        {
            s.Add(file, sql);
            return Task.CompletedTask;
        }) { File = code is null ? null : file, Line = line, Words = words };

    private static BadInput FileBytes(string name, string input, string file, byte[] bytes, ReasonCode? code, int? line, params string[] words) =>
        new(name, input, code, s =>
        {
            s.Folder.AddBytes(file, bytes);
            return Task.CompletedTask;
        }) { File = code is null ? null : file, Line = line, Words = words };

    private static BadInput Connection(string name, string input, Func<BadInputSetup, string> connection, ReasonCode code, params string[] words) =>
        new(name, input, code, s =>
        {
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
            s.ConnectionString = connection(s);
            return Task.CompletedTask;
        }) { Words = words };

    private static BadInput Journal(string name, string input, string setupSql, ReasonCode code, params string[] words) =>
        new(name, input, code, async s =>
        {
            await s.Db.ExecuteAsync("DROP TABLE public.schema_migrations; " + setupSql);
            s.Add("002_notes.sql", "CREATE TABLE notes (id int);\n");
        }) { Words = words };

    private static string Uri(BadInputSetup s) => $"postgres://postgres:{s.Db.Password}@127.0.0.1:{new Npgsql.NpgsqlConnectionStringBuilder(s.Db.ConnectionString).Port}/{s.Db.Name}";

    /// <summary>A login role with CONNECT and USAGE only, as a locked-down deploy user has; its password is pw-&lt;name&gt;.</summary>
    private static async Task<string> RoleAsync(BadInputSetup s, string? setting)
    {
        var role = "bad_" + Guid.NewGuid().ToString("N")[..10];
        await s.Db.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'; GRANT CONNECT ON DATABASE {s.Db.Name} TO {role}");
        if (setting is not null) await s.Db.ExecuteAsync($"ALTER ROLE {role} {setting}");
        return role;
    }

    /// <summary>The folder and its files readable by others, so that only the entry a case closes is closed.</summary>
    private static void OpenToOthers(BadInputSetup s)
    {
        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                   | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Chmod(s.Folder.Path, open);
        foreach (var file in Directory.GetFiles(s.Folder.Path).Where(f => new FileInfo(f).UnixFileMode != UnixFileMode.None))
            Chmod(file, open & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
    }

    private static void Chmod(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }
}
