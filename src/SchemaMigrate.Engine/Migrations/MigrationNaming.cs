using System.Globalization;
using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>One finding about a file name in a migrations folder. Errors mean the file will not run, or not where its number says.</summary>
public sealed record NamingIssue(string File, bool IsError, string Message)
{
    /// <summary>The gate rule that names this kind of problem (docs/gate/&lt;id&gt;.md).</summary>
    public string RuleId { get; init; } = "";
}

/// <summary>
/// The naming rules behind ordinal ordering (seed 003): a zero-padded numeric prefix, one width, lowercase
/// <c>.sql</c>. <see cref="Check"/> reports names that will be skipped or run out of numeric order;
/// <see cref="NextFileName"/> picks the name a new migration gets, and refuses one that would sort wrongly.
/// </summary>
public static partial class MigrationNaming
{
    public const string Extension = ".sql";
    public const int DefaultWidth = 3;

    /// <summary>True for the names a run picks up: ending in lowercase <c>.sql</c>, as MigrationDirectory.Load enumerates them.</summary>
    public static bool IsMigrationFile(string fileName) => fileName.EndsWith(Extension, StringComparison.Ordinal);

    /// <summary>Checks the names of every file in a migrations folder (not recursive).</summary>
    public static IReadOnlyList<NamingIssue> Check(IEnumerable<string> fileNames)
    {
        var names = fileNames.Order(StringComparer.Ordinal).ToList();
        var issues = new List<NamingIssue>();
        var numbered = new List<(string Name, string Digits, long Number)>();

        foreach (var name in names)
        {
            var prefix = Prefix(name);
            if (!IsMigrationFile(name))
            {
                if (name.EndsWith(Extension, StringComparison.OrdinalIgnoreCase))
                    issues.Add(Error(name, "naming-never-runs", $"{name} will never run: only names ending in lowercase '{Extension}' are migrations; rename it to {name[..^Extension.Length]}{Extension}"));
                else if (prefix is not null)
                    issues.Add(Error(name, "naming-never-runs", $"{name} looks like a migration but will never run: only *{Extension} files are migrations"));
                continue;
            }
            if (prefix is null)
            {
                issues.Add(Error(name, "naming-no-numeric-prefix", $"{name} has no numeric prefix (e.g. 004_{name}); it sorts by its first character, after every numbered file"));
                continue;
            }
            numbered.Add((name, prefix, long.Parse(prefix, CultureInfo.InvariantCulture)));
        }

        var highest = (Name: "", Number: -1L);
        foreach (var file in numbered)
        {
            if (file.Number < highest.Number)
                issues.Add(Error(file.Name, "naming-numeric-order",
                    $"{file.Name} runs after {highest.Name} although its number is lower: names sort character by character, so zero-pad the prefix " +
                    $"(e.g. {file.Number.ToString(CultureInfo.InvariantCulture).PadLeft(highest.Name.IndexOf('_'), '0')}{file.Name[file.Digits.Length..]}) if it is not applied anywhere yet"));
            else highest = (file.Name, file.Number);
        }

        var width = numbered.GroupBy(f => f.Digits.Length).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).FirstOrDefault()?.Key;
        foreach (var file in numbered.Where(f => f.Digits.Length != width))
            issues.Add(Warning(file.Name, "naming-prefix-width", $"{file.Name} has a {file.Digits.Length}-digit prefix where the folder uses {width} digits; one width keeps the order obvious"));

        var colliding = new HashSet<string>(StringComparer.Ordinal);
        foreach (var collision in Collisions(names))
        {
            colliding.UnionWith(collision.Skip(1));
            foreach (var id in collision.Skip(1)) issues.Add(Error(id, "naming-duplicate-number", CollisionMessage(collision)));
        }
        foreach (var group in numbered.GroupBy(f => f.Number).Where(g => g.Count() > 1))
        {
            var ids = group.Select(f => f.Name).ToList();
            if (ids.Skip(1).All(colliding.Contains)) continue;
            foreach (var id in ids.Skip(1))
                issues.Add(Warning(id, "naming-duplicate-number", $"{string.Join(" and ", ids)} share the number {group.Key}; they run in name order. If they came from parallel branches, renumber the one not applied anywhere yet"));
        }
        return issues.OrderBy(i => i.File, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The file name for a new migration called <paramref name="name"/> (snake_case, optionally with its own
    /// numeric prefix and .sql) in a folder holding <paramref name="fileNames"/>: the next number, zero-padded to
    /// the folder's width. Throws INVALID_ARGUMENT for a malformed name or one that would not sort after every existing file.
    /// </summary>
    public static string NextFileName(IEnumerable<string> fileNames, string name)
    {
        var existing = fileNames.Where(IsMigrationFile).Order(StringComparer.Ordinal).ToList();
        var numbers = existing.Select(Prefix).OfType<string>().ToList();
        var next = numbers.Count == 0 ? 1 : numbers.Max(p => long.Parse(p, CultureInfo.InvariantCulture)) + 1;
        var width = numbers.Count == 0 ? DefaultWidth : numbers.Max(p => p.Length);

        var trimmed = (name ?? "").Trim();
        if (trimmed.EndsWith(Extension, StringComparison.OrdinalIgnoreCase)) trimmed = trimmed[..^Extension.Length];
        var given = Prefix(trimmed);
        var description = given is null ? trimmed : trimmed[(given.Length + 1)..];
        if (!Description().IsMatch(description))
        {
            var suggestion = string.Join('_', NonWord().Split(description.ToLowerInvariant()).Where(w => w.Length > 0));
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"migration name '{name}' must be lowercase letters, digits and underscores (snake_case){(suggestion.Length > 0 ? $", e.g. {suggestion}" : "")}");
        }

        var fileName = (given ?? next.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')) + "_" + description + Extension;
        if (existing.LastOrDefault() is { } last && StringComparer.Ordinal.Compare(fileName, last) <= 0)
            throw new MigrationException(ReasonCodes.InvalidArgument, given is not null
                ? $"{fileName} would not run last: it sorts before or at {last}; leave the number out and SchemaMigrate picks the next one"
                : $"{fileName} would sort before {last}, so it would not run last; name the file yourself with a prefix that sorts after {last} (names sort character by character)");
        if (given is not null && numbers.Count > 0 && (long.Parse(given, CultureInfo.InvariantCulture) < next || given.Length != width))
            throw new MigrationException(ReasonCodes.InvalidArgument,
                $"{fileName}: the prefix must be above the folder's highest number ({next - 1}) and {width} digits wide like the others; leave the number out and SchemaMigrate picks {next.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}");
        return fileName;
    }

    /// <summary>
    /// Why a run must not apply <paramref name="toApply"/> (in run order) as named, or null: a name among them that is
    /// one with another name of the folder on a case-insensitive or Unicode-normalising file system, or a file the run
    /// would apply after one with a higher number.
    /// </summary>
    public static NamingIssue? RunBlocker(IEnumerable<string> folder, IReadOnlyList<string> toApply)
    {
        var pending = toApply.ToHashSet(StringComparer.Ordinal);
        if (Collisions(folder).FirstOrDefault(c => c.Any(pending.Contains)) is { } collision)
            return Error(collision[0], "naming-duplicate-number", CollisionMessage(collision));
        (string Name, long Number)? highest = null;
        foreach (var name in toApply)
        {
            if (Prefix(name) is not { } digits) continue;
            var number = long.Parse(digits, CultureInfo.InvariantCulture);
            if (highest is { } h && number < h.Number)
                return Error(name, "naming-numeric-order",
                    $"this run would apply {name} after {h.Name} although its number is lower: names sort character by character, so zero-pad the prefixes " +
                    $"(e.g. {number.ToString(CultureInfo.InvariantCulture).PadLeft(h.Name.IndexOf('_'), '0')}{name[digits.Length..]}) of the files not applied anywhere yet");
            highest = (name, number);
        }
        return null;
    }

    /// <summary>Names (two or more, in ordinal order) that are one name once case and Unicode normalisation are ignored.</summary>
    private static IEnumerable<List<string>> Collisions(IEnumerable<string> names) => names
        .GroupBy(n => Decomposed(n).ToUpperInvariant(), StringComparer.Ordinal)
        .Where(g => g.Count() > 1)
        .Select(g => g.Order(StringComparer.Ordinal).ToList());

    // string.Normalize needs ICU, which the runner (InvariantGlobalization) goes without: Latin-1's accented letters
    // are decomposed here, as NFD does, so 'café' written precomposed (macOS keeps names decomposed) or not is one name.
    private const string Bases = "AAAAAA CEEEEIIII NOOOOO  UUUUY";
    private static readonly int[] Accents =
        [0x300, 0x301, 0x302, 0x303, 0x308, 0x30A, 0, 0x327, 0x300, 0x301, 0x302, 0x308, 0x300, 0x301, 0x302, 0x308, 0, 0x303, 0x300, 0x301, 0x302, 0x303, 0x308, 0, 0, 0x300, 0x301, 0x302, 0x308, 0x301];

    private static string Decomposed(string name)
    {
        var text = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            var upper = c is >= '\u00C0' and <= '\u00DD' ? c - 0xC0 : c is >= '\u00E0' and <= '\u00FD' ? c - 0xE0 : -1;
            if (upper >= 0 && Bases[upper] != ' ')
                text.Append(c >= '\u00E0' ? char.ToLowerInvariant(Bases[upper]) : Bases[upper]).Append((char)Accents[upper]);
            else if (c == '\u00FF') text.Append('y').Append('\u0308');
            else text.Append(c);
        }
        return text.ToString();
    }

    private static string CollisionMessage(List<string> names) =>
        $"{string.Join(" and ", names)} are one name on a case-insensitive or Unicode-normalising file system (Windows, macOS): a checkout there keeps only one of them; "
        + "rename the one not applied anywhere yet so that every name differs in more than case or accents";

    /// <summary>The leading digits of a name when an underscore follows them, else null.</summary>
    private static string? Prefix(string name)
    {
        var m = NumericPrefix().Match(name);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static NamingIssue Error(string file, string rule, string message) => new(file, true, message) { RuleId = rule };
    private static NamingIssue Warning(string file, string rule, string message) => new(file, false, message) { RuleId = rule };

    [GeneratedRegex(@"^([0-9]+)_")]
    private static partial Regex NumericPrefix();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_]*$")]
    private static partial Regex Description();

    [GeneratedRegex(@"[^a-z0-9]+")]
    private static partial Regex NonWord();
}
