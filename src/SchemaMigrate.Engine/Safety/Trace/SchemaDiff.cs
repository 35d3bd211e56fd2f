using System.Text.RegularExpressions;

namespace SchemaMigrate.Engine.Safety.Trace;

/// <summary>
/// The changes between two schema snapshots, and which of them break a client of the old schema: a dropped or
/// renamed table, view, column, function, sequence or enum label, a dropped primary key or unique constraint or
/// index (ON CONFLICT needs it), a type that is not a plain widening, a new NOT NULL on an existing column, a new
/// NOT NULL column without a default, a dropped default of a NOT NULL column.
/// </summary>
internal static partial class SchemaDiff
{
    /// <param name="madeBy">The file and line of the statement that changed an object of this owner (a table, a function).</param>
    public static IEnumerable<SchemaChange> Compare(SchemaSnapshot before, SchemaSnapshot after, Func<string, (string File, int Line)> madeBy)
    {
        var afterByIdentity = after.Entries.Values.ToDictionary(e => e.Kind + " " + e.Identity, StringComparer.Ordinal);
        var beforeByIdentity = before.Entries.Values.ToDictionary(e => e.Kind + " " + e.Identity, StringComparer.Ordinal);
        var relationNow = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var relation in before.Entries.Values.Where(e => e.Kind == "relation"))
            relationNow[relation.Name] = afterByIdentity.TryGetValue("relation " + relation.Identity, out var now) ? now.Name : null;

        SchemaChange Change(SchemaSnapshot.Entry e, SchemaChangeKind change, string? was, string? now, string? breaks)
        {
            var (file, line) = madeBy(e.Owner);
            return new(e.Kind, e.Name, change, was, now, file, line) { Breaks = breaks };
        }

        foreach (var old in before.Entries.Values)
        {
            var ownerNow = relationNow.GetValueOrDefault(old.Owner, old.Owner);
            var isChild = old.Kind is "column" or "constraint" or "index";
            if (isChild && ownerNow is null) continue; // its table was dropped: reported once, as the table
            if (afterByIdentity.TryGetValue(old.Kind + " " + old.Identity, out var current))
            {
                var renamed = current.Name != old.Name && !(isChild && ownerNow != old.Owner && current.Name == ownerNow + old.Name[old.Owner.Length..]);
                if (renamed)
                    yield return Change(old, SchemaChangeKind.Renamed, old.Name, current.Name, old.Kind is "index" or "constraint" ? null
                        : "the previous image still uses the old name");
                else if (current.Definition != old.Definition)
                    yield return Change(old, SchemaChangeKind.Changed, old.Definition, current.Definition, Breaks(old, current));
                continue;
            }
            var breaksIfGone = old.Kind switch
            {
                "index" => old.Definition.StartsWith("CREATE UNIQUE", StringComparison.Ordinal) ? "a unique index the previous image's ON CONFLICT may name is gone" : null,
                "constraint" => old.Definition[0] is 'p' or 'u' ? "a primary key or unique constraint the previous image's ON CONFLICT may name is gone" : null,
                _ => "the previous image may still use it",
            };
            yield return Change(old, SchemaChangeKind.Dropped, old.Definition, null, breaksIfGone);
        }

        foreach (var added in after.Entries.Values.Where(e => !beforeByIdentity.ContainsKey(e.Kind + " " + e.Identity)))
        {
            var onExistingTable = added.Kind == "column" && beforeByIdentity.ContainsKey("relation " + added.Identity.Split(':')[0]);
            var breaks = onExistingTable && added.Definition.Contains(" NOT NULL", StringComparison.Ordinal)
                         && !added.Definition.Contains(" DEFAULT ", StringComparison.Ordinal) && !added.Definition.EndsWith(" GENERATED", StringComparison.Ordinal)
                ? "a new NOT NULL column without a default: the previous image's inserts omit it and fail"
                : null;
            yield return Change(added, SchemaChangeKind.Added, null, added.Definition, breaks);
        }
    }

    private static string? Breaks(SchemaSnapshot.Entry old, SchemaSnapshot.Entry now)
    {
        if (old.Kind == "function") return $"returns {now.Definition} instead of {old.Definition}";
        if (old.Kind != "column") return null;
        var (oldType, oldNotNull, oldDefault) = Column(old.Definition);
        var (newType, newNotNull, newDefault) = Column(now.Definition);
        if (oldType != newType && !Widens(oldType, newType))
            return $"type changes from {oldType} to {newType}: the previous image reads and writes {oldType}";
        if (newNotNull && !oldNotNull) return "becomes NOT NULL: the previous image may still write NULL";
        if (newNotNull && oldDefault && !newDefault) return "loses its default while NOT NULL: the previous image's inserts that omit it fail";
        return null;
    }

    private static (string Type, bool NotNull, bool Default) Column(string definition)
    {
        var generated = definition.EndsWith(" GENERATED", StringComparison.Ordinal);
        var d = generated ? definition[..^" GENERATED".Length] : definition;
        var at = d.IndexOf(" DEFAULT ", StringComparison.Ordinal);
        var hasDefault = at >= 0 || generated;
        if (at >= 0) d = d[..at];
        var notNull = d.EndsWith(" NOT NULL", StringComparison.Ordinal);
        return (notNull ? d[..^" NOT NULL".Length] : d, notNull, hasDefault);
    }

    /// <summary>Type changes that keep every old value and every old client working: a longer varchar, varchar or char to text, more numeric precision.</summary>
    private static bool Widens(string from, string to)
    {
        if (to == "text" && (from.StartsWith("character varying", StringComparison.Ordinal) || from.StartsWith("character(", StringComparison.Ordinal))) return true;
        if (to == "character varying" && from.StartsWith("character varying", StringComparison.Ordinal)) return true;
        var a = Sized().Match(from);
        var b = Sized().Match(to);
        if (!a.Success || !b.Success || a.Groups["t"].Value != b.Groups["t"].Value) return false;
        var scaleSame = a.Groups["s"].Value == b.Groups["s"].Value;
        return scaleSame && int.Parse(b.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) >= int.Parse(a.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<t>character varying|numeric|bit varying)\((?<n>\d+)(,(?<s>\d+))?\)$")]
    private static partial Regex Sized();
}
