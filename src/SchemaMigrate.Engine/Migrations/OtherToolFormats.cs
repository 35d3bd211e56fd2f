using System.Text.RegularExpressions;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Migrations;

/// <summary>dbmate's file layout: only the part between <c>-- migrate:up</c> and <c>-- migrate:down</c> is the migration.</summary>
/// <param name="UpStart">Offset of the <c>-- migrate:up</c> line; no statement may come before it.</param>
/// <param name="End">Offset of the <c>-- migrate:down</c> line (the rollback, never run), or the end of the text.</param>
/// <param name="NoTransactionMarker">The up line when it carries <c>transaction:false</c>, else null.</param>
internal sealed record DbmateLayout(int UpStart, int End, string? NoTransactionMarker);

/// <summary>
/// What other migration tools write into their files, read by each tool's own rule so their folders can be
/// adopted without editing applied files (which would change their checksums): the no-transaction markers of
/// morph, postgres-migrations, Atlas and dbmate, dbmate's up/down sections, and the down files and goose
/// sections that must never run as forward migrations.
/// </summary>
internal static partial class OtherToolFormats
{
    private const string Morph = "-- morph:nontransactional";
    private const string PostgresMigrations = "-- postgres-migrations disable-transaction";

    /// <summary>
    /// The marker line that makes the file no-transaction by its tool's rule, or null: morph's must open the file;
    /// postgres-migrations' may be anywhere in it; Atlas's txmode must be in the header of comment lines that a
    /// blank line separates from the statements.
    /// </summary>
    public static string? NoTransactionMarker(string text, string file)
    {
        if (text.StartsWith(Morph, StringComparison.Ordinal)) return Morph;
        if (text.Contains(PostgresMigrations, StringComparison.Ordinal)) return PostgresMigrations;
        var modes = AtlasHeader(text).Select(c => AtlasDirective().Match(c)).Where(m => m.Success && m.Groups[2].Value == "txmode")
            .Select(m => (Line: m.Value, Mode: m.Groups[3].Value)).ToList();
        if (modes.Count == 0) return null;
        if (modes.Count > 1 || modes[0].Mode is not ("none" or "file"))
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.MigrationInvalid,
                Message = $"{file}: the Atlas header says {string.Join(" and ", modes.Select(m => $"'{m.Line}'"))}; Atlas accepts one txmode, none or file, and so does SchemaMigrate",
                File = file,
            });
        return modes[0].Mode == "none" ? modes[0].Line : null;
    }

    /// <summary>The dbmate sections of a file that has a <c>-- migrate:up</c> line, or null.</summary>
    public static DbmateLayout? Dbmate(string text, string file)
    {
        var up = DbmateUp().Match(text);
        if (!up.Success) return null;
        var down = DbmateDown().Match(text);
        if (down.Success && down.Index < up.Index)
            throw new MigrationException(new Failure
            {
                Reason = ReasonCodes.MigrationInvalid,
                Message = $"{file}: '-- migrate:down' comes before '-- migrate:up'; dbmate refuses the file, and so does SchemaMigrate",
                File = file,
            });
        var upLine = text[up.Index..].Split('\n')[0].Trim();
        var transaction = upLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Split(':')).Where(pair => pair.Length == 2 && pair[0] == "transaction").Select(pair => pair[1]).LastOrDefault();
        return new DbmateLayout(up.Index, down.Success ? down.Index : text.Length, transaction == "false" ? upLine : null);
    }

    /// <summary>Why a file of another tool's layout must not run as a forward migration, or null.</summary>
    public static string? NeverForward(MigrationFile file, IReadOnlyCollection<string> folder)
    {
        if (file.Id.EndsWith(".down.sql", StringComparison.Ordinal) && folder.Contains(file.Id[..^".down.sql".Length] + ".up.sql"))
            return $"{file.Id} is the down (rollback) file of {file.Id[..^".down.sql".Length]}.up.sql, in golang-migrate's or morph's layout; SchemaMigrate runs every *.sql file forward, so it would undo that migration";
        if (GooseDown().IsMatch(file.Script.Text))
            return $"{file.Id} is a goose migration: its '-- +goose Down' section is the rollback, and SchemaMigrate does not read goose's sections, so it would run it";
        return null;
    }

    /// <summary>Atlas's file header: the leading comment lines, when a blank line follows them (or nothing does).</summary>
    private static List<string> AtlasHeader(string content)
    {
        var comments = new List<string>();
        while (content.StartsWith('#') || content.StartsWith("--", StringComparison.Ordinal))
        {
            var end = content.IndexOf('\n');
            if (end < 0) { comments.Add(content); return comments; }
            comments.Add(content[..end].Trim());
            content = content[(end + 1)..];
        }
        return content.Length == 0 || content.TrimStart(' ', '\t').StartsWith('\n') ? comments : [];
    }

    [GeneratedRegex(@"^([ -~]*)atlas:(\w+)(?: +(.+))*")]
    private static partial Regex AtlasDirective();

    [GeneratedRegex(@"^--\s*migrate:up(\s*$|\s+\S+)", RegexOptions.Multiline)]
    private static partial Regex DbmateUp();

    [GeneratedRegex(@"^--\s*migrate:down(\s*$|\s+\S+)$", RegexOptions.Multiline)]
    private static partial Regex DbmateDown();

    [GeneratedRegex(@"^--\s*\+goose\s+Down\b", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex GooseDown();
}
