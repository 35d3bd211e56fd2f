namespace SchemaMigrate.Engine.Safety.Rules;

/// <summary>ADD COLUMN whose value PostgreSQL must compute per row: a volatile default, serial, identity or a stored generated column.</summary>
public sealed class AddingFieldWithDefault() : StatementRule("adding-field-with-default", StatementClass.Blocked,
    "Adding a column whose default must be computed for every row",
    "ACCESS EXCLUSIVE on the table for the whole rewrite: blocks every read and write",
    "PostgreSQL 11+ stores a non-volatile default in the catalog, but a volatile one (gen_random_uuid(), random(), clock_timestamp(), nextval via serial), an identity or a STORED generated column makes it rewrite the table and its indexes while traffic waits.",
    "Add the column without the default (or with a constant one), SET DEFAULT for new rows, backfill existing rows in batches in a backfill job, then add NOT NULL in a contract step.")
{
    /// <summary>Functions a default may call without a rewrite: STABLE or IMMUTABLE built-ins people put in defaults.</summary>
    private static readonly HashSet<string> NonVolatile = new(StringComparer.Ordinal)
    {
        "NOW", "TRANSACTION_TIMESTAMP", "STATEMENT_TIMESTAMP", "CURRENT_SETTING", "LOWER", "UPPER", "COALESCE", "CONCAT", "LENGTH",
        "JSONB_BUILD_OBJECT", "JSON_BUILD_OBJECT", "JSONB_BUILD_ARRAY", "JSON_BUILD_ARRAY", "MAKE_INTERVAL", "TO_JSONB", "ARRAY_FILL", "TO_TIMESTAMP",
        "DATE_TRUNC", "TIMEZONE", "ROUND", "ABS", "GREATEST", "LEAST", "NULLIF", "ARRAY",
    };

    public override string PgVersions => "11+ (before 11 every default rewrites)";

    public override Trace.RulePrediction Predicts(StatementClass @class) => new(Trace.LockMode.AccessExclusiveLock, Rewrite: true);

    public override void Check(StatementContext context)
    {
        foreach (var action in context.ActionsOnExistingTable)
        {
            if (ColumnDefinition.Of(action) is not { } column) continue;
            if (column.Serial)
                context.Report(this, column.Type, 0, $"column {column.Name} is {column.Type[0].ToLowerInvariant()}: every existing row gets a nextval(), which rewrites the table");
            else if (column.Clauses.Has("GENERATED") && column.Clauses.Has("IDENTITY"))
                context.Report(this, column.Clauses, column.Clauses.Find("GENERATED"), $"identity column {column.Name} fills every existing row, which rewrites the table");
            else if (column.Clauses.Has("GENERATED") && column.Clauses.Has("STORED"))
                context.Report(this, column.Clauses, column.Clauses.Find("GENERATED"), $"stored generated column {column.Name} is computed for every existing row, which rewrites the table");
            else if (column.Default is { } value && VolatileCall(value) is { } call)
                context.Report(this, value, call, $"column {column.Name} has the default {value[call].ToLowerInvariant()}(), which PostgreSQL cannot prove non-volatile, so every existing row is rewritten");
        }
    }

    /// <summary>The position of the first call that is not known to be non-volatile; casts like ::varchar(10) are not calls.</summary>
    private static int? VolatileCall(TokenRange value)
    {
        for (int i = 0; i + 1 < value.Count; i++)
        {
            if (value[i + 1] != "(" || value.Kind(i) != Sql.SqlTokenKind.Word) continue;
            if (i > 0 && value[i - 1] == ":") continue;
            if (!NonVolatile.Contains(value[i])) return i;
        }
        return null;
    }
}
