using Npgsql;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>
/// Where the journal is: one schema-qualified table, found the same way on every run and never through the
/// session's search_path, which ALTER ROLE/DATABASE ... SET search_path or a file's SET can change. With a journal
/// schema configured it is that schema's table. Without one it is the one table of the journal's name, in any
/// schema, that has the journal's columns (so a journal the seed's runner created is adopted where it is), and
/// public's when there is none yet. The progress table sits beside it and the lock key is its name.
/// </summary>
internal sealed record JournalLocation
{
    public const string DefaultSchema = "public";
    private static readonly string[] Columns = ["id", "checksum", "applied_at"];

    public required string Schema { get; init; }
    public required string Table { get; init; }
    /// <summary>The qualified name as SQL takes it and as output shows it (format('%I.%I')).</summary>
    public required string Name { get; init; }
    public required string QuotedSchema { get; init; }
    /// <summary>The progress table's qualified name (SQL).</summary>
    public required string ProgressName { get; init; }
    public required string ProgressTable { get; init; }
    public required bool Exists { get; init; }
    /// <summary>Whether the schema was configured (else found or defaulted).</summary>
    public required bool Configured { get; init; }
    public required bool SchemaExists { get; init; }
    /// <summary>Whether this role may create the journal where it belongs (the schema too, when configured and missing).</summary>
    public required bool CanCreate { get; init; }
    /// <summary>The role the run works as (quoted when it must be), for advice about privileges.</summary>
    public required string User { get; init; }

    public static async Task<JournalLocation> ResolveAsync(NpgsqlConnection conn, MigrationSettings settings, CancellationToken ct)
    {
        var table = settings.JournalTable;
        var all = await CandidatesAsync(conn, table, ct);
        var everywhere = all.Where(c => c.HasJournalColumns).ToList();
        var candidates = settings.JournalSchema is { } pinned ? all.Where(c => c.Schema == pinned).ToList() : all;
        var journals = candidates.Where(c => c.HasJournalColumns).ToList();
        if (journals.Count > 1)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.JournalAmbiguous,
                Message = $"no journal schema is set and {journals.Count} schemas hold a journal named {table}: {await DescribeAsync(conn, journals, ct)}; "
                          + "SchemaMigrate will not guess which one records this database's migrations",
            });
        // A journal schema set over a journal that lives elsewhere would start an empty journal: everything would run again.
        if (settings.JournalSchema is { } set && journals.Count == 0 && everywhere.Count > 0)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.JournalAmbiguous,
                Message = $"the journal schema is set to {set}, which holds no journal named {table}, but {await DescribeAsync(conn, everywhere, ct)} does; "
                          + "an empty journal would make every migration run again",
                NextStep = $"Move the journal there first (ALTER TABLE {everywhere[0].Name} SET SCHEMA ...), or set the journal schema to the one that holds it; nothing was applied.",
            });

        var schema = settings.JournalSchema ?? journals.FirstOrDefault()?.Schema ?? DefaultSchema;
        if (journals.Count == 0 && candidates.FirstOrDefault(c => c.Schema == schema) is { } foreign)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.JournalIncompatible,
                Message = foreign.Kind is not ('r' or 'p')
                    ? $"{foreign.Unusable()}; SchemaMigrate's journal must be a table of its own"
                    : $"{foreign.Name} exists but is not a SchemaMigrate journal: it has {string.Join(", ", foreign.Columns)} "
                      + $"where a journal has {string.Join(", ", Columns)}{OtherTool(foreign.Columns)}",
            });
        if (journals.Count == 1 && journals[0].Unusable() is { } unusable)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.JournalIncompatible,
                Message = $"{unusable}; SchemaMigrate adopts a journal as it is and never alters it",
            });

        await using var cmd = new NpgsqlCommand(
            """
            SELECT format('%I.%I', $1::text, $2::text), format('%I', $1::text), format('%I.%I', $1::text, $3::text),
                   n.oid IS NOT NULL,
                   CASE WHEN n.oid IS NULL THEN has_database_privilege(current_database(), 'CREATE') ELSE has_schema_privilege(n.oid, 'CREATE') END,
                   format('%I', current_user)
            FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = $1::text
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = schema });
        cmd.Parameters.Add(new NpgsqlParameter { Value = table });
        cmd.Parameters.Add(new NpgsqlParameter { Value = MigrationSettings.ProgressTableFor(table) });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new JournalLocation
        {
            Schema = schema,
            Table = table,
            Name = reader.GetString(0),
            QuotedSchema = reader.GetString(1),
            ProgressName = reader.GetString(2),
            ProgressTable = MigrationSettings.ProgressTableFor(table),
            Exists = journals.Count == 1,
            Configured = settings.JournalSchema is not null,
            SchemaExists = reader.GetBoolean(3),
            CanCreate = reader.GetBoolean(4) && (reader.GetBoolean(3) || settings.JournalSchema is not null),
            User = reader.GetString(5),
        };
    }

    /// <summary>Where the journal is taken to be when there is no database to ask (Test-SchemaMigration, lint).</summary>
    public static JournalLocation Assumed(MigrationSettings settings)
    {
        var schema = settings.JournalSchema ?? DefaultSchema;
        return new JournalLocation
        {
            Schema = schema,
            Table = settings.JournalTable,
            Name = Quote(schema) + "." + Quote(settings.JournalTable),
            QuotedSchema = Quote(schema),
            ProgressName = Quote(schema) + "." + Quote(MigrationSettings.ProgressTableFor(settings.JournalTable)),
            ProgressTable = MigrationSettings.ProgressTableFor(settings.JournalTable),
            Exists = false,
            Configured = settings.JournalSchema is not null,
            SchemaExists = true,
            CanCreate = true,
            User = "current_user",
        };
    }

    /// <summary>An identifier as format('%I') writes it, for names that need no server to quote.</summary>
    private static string Quote(string name) =>
        name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '$')
            ? name : "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>Fails, before anything runs, when `up` could not create the journal where it belongs.</summary>
    public void EnsureCreatable()
    {
        var user = User;
        if (Exists || CanCreate) return;
        var (message, nextStep) = !SchemaExists && !Configured
            ? ($"the journal {Name} does not exist yet and cannot be created: schema {QuotedSchema} does not exist",
               $"Set {{journal-schema}} (default SCHEMAMIGRATE_JOURNAL_SCHEMA) to the schema the journal should live in (it is created if missing), or create schema {QuotedSchema}.")
            : !SchemaExists
                ? ($"the journal {Name} does not exist yet and {user} may not create its schema {QuotedSchema} (no CREATE privilege on the database)",
                   $"Create the schema for it (CREATE SCHEMA {QuotedSchema} AUTHORIZATION {user}), or grant {user} CREATE on the database.")
                : ($"the journal {Name} does not exist yet and {user} may not create tables in schema {QuotedSchema}"
                   + (Schema == DefaultSchema ? " (since PostgreSQL 15 only the database owner may, unless granted)" : ""),
                   $"GRANT CREATE ON SCHEMA {QuotedSchema} TO {user}; or set {{journal-schema}} (default SCHEMAMIGRATE_JOURNAL_SCHEMA) to a schema {user} may create tables in.");
        throw new MigrationException(new Failure { Reason = ReasonCodes.JournalAccessFailed, Message = message, NextStep = nextStep });
    }

    /// <param name="Kind">pg_class.relkind: r and p are tables; anything else (a view, say) cannot be the journal.</param>
    /// <param name="Types">The type of each of <paramref name="Columns"/> (format_type).</param>
    /// <param name="Required">Columns besides the journal's that an insert of id, checksum and applied_at would leave NULL against a NOT NULL.</param>
    private sealed record Candidate(string Schema, string Name, char Kind, string[] Columns, string[] Types, string[] Required)
    {
        public bool HasJournalColumns => Kind is 'r' or 'p' && JournalLocation.Columns.All(Columns.Contains);

        /// <summary>Why a relation with the journal's columns still cannot be the journal, or null when it can.</summary>
        public string? Unusable()
        {
            if (Kind is not ('r' or 'p')) return $"{Name} is {KindName(Kind)}, not a table";
            var wrong = JournalLocation.Columns.Select(c => (Column: c, Type: Types[Array.IndexOf(Columns, c)]))
                .Where(c => !AcceptedTypes[c.Column].Contains(c.Type.Split('(')[0]))
                .Select(c => $"{c.Column} is {c.Type} where a journal's is {AcceptedTypes[c.Column][0]}")
                .ToList();
            if (wrong.Count > 0) return $"{Name} has the journal's columns, but {string.Join(", ", wrong)}";
            if (Required.Length > 0)
                return $"{Name} has the column{(Required.Length == 1 ? "" : "s")} {string.Join(", ", Required)} that must be set (NOT NULL, no default), and SchemaMigrate writes only id, checksum and applied_at";
            return null;
        }

        private static string KindName(char kind) => kind switch
        {
            'v' => "a view", 'm' => "a materialized view", 'f' => "a foreign table", 'S' => "a sequence", 'i' or 'I' => "an index", 'c' => "a composite type", _ => $"a relation of kind '{kind}'",
        };
    }

    /// <summary>The types a journal column may have (the first is the one SchemaMigrate creates); others would not round-trip an id or a time.</summary>
    private static readonly Dictionary<string, string[]> AcceptedTypes = new()
    {
        ["id"] = ["text", "character varying"],
        ["checksum"] = ["text", "character varying", "character"],
        ["applied_at"] = ["timestamp with time zone", "timestamp without time zone", "text", "character varying"],
    };

    /// <summary>Every relation of that name, in any schema (temporary ones aside): a table, or what stands where one would be created.</summary>
    private static async Task<List<Candidate>> CandidatesAsync(NpgsqlConnection conn, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT n.nspname, format('%I.%I', n.nspname, c.relname), c.relkind::text,
                   array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
                   array(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
                   array(SELECT a.attname::text FROM pg_attribute a
                         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull AND NOT a.atthasdef
                           AND a.attidentity = '' AND a.attgenerated = '' AND a.attname NOT IN ('id', 'checksum', 'applied_at')
                         ORDER BY a.attnum)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = $1 AND c.relkind NOT IN ('i', 'I', 'S', 't', 'c') AND n.nspname !~ '^pg_(toast_)?temp_'
            ORDER BY n.nspname COLLATE "C"
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var found = new List<Candidate>();
        while (await reader.ReadAsync(ct))
            found.Add(new Candidate(reader.GetString(0), reader.GetString(1), reader.GetString(2)[0], reader.GetFieldValue<string[]>(3),
                reader.GetFieldValue<string[]>(4), reader.GetFieldValue<string[]>(5)));
        return found;
    }

    /// <summary>"one.schema_migrations (3 rows, newest 003_x.sql); two.schema_migrations (...)".</summary>
    private static async Task<string> DescribeAsync(NpgsqlConnection conn, IEnumerable<Candidate> journals, CancellationToken ct)
    {
        var described = new List<string>();
        foreach (var journal in journals)
        {
            try
            {
                await using var cmd = new NpgsqlCommand($"SELECT count(*), max(id COLLATE \"C\") FROM {journal.Name}", conn);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                described.Add($"{journal.Name} ({reader.GetInt64(0)} rows{(reader.IsDBNull(1) ? "" : ", newest " + reader.GetString(1))})");
            }
            catch (PostgresException e)
            {
                described.Add($"{journal.Name} (unreadable: {e.SqlState} {Redactor.Redact(e.MessageText)})");
            }
        }
        return string.Join("; ", described);
    }

    private static string OtherTool(string[] columns) =>
        columns.Contains("version") && columns.Contains("dirty") ? " (version, dirty is golang-migrate's journal)"
        : columns.SequenceEqual(["version"]) ? " (a lone version column is dbmate's journal)"
        : "";
}
