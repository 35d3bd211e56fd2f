namespace SchemaMigrate.Engine.Migrations;

public enum MigrationState
{
    /// <summary>Recorded in the journal with the file's checksum.</summary>
    Applied,
    /// <summary>Not yet recorded; `up` will apply it.</summary>
    Pending,
    /// <summary>Recorded, but the file's checksum differs from the recorded one.</summary>
    Modified,
    /// <summary>Recorded, but no file has that name (normal when an older image runs after a newer one).</summary>
    Missing,
    /// <summary>Pending, but sorts before the newest applied migration (e.g. after merging parallel branches).</summary>
    OutOfOrder,
    /// <summary>A no-transaction migration that stopped part-way in an earlier run; `up` resumes it.</summary>
    Incomplete,
}

/// <summary>One migration as `status` reports it.</summary>
public sealed record MigrationStatus
{
    public required string Id { get; init; }
    public required MigrationState State { get; init; }
    /// <summary>Checksum of the file on disk (null when Missing).</summary>
    public string? Checksum { get; init; }
    /// <summary>Checksum recorded in the journal (null unless applied).</summary>
    public string? AppliedChecksum { get; init; }
    public DateTimeOffset? AppliedAt { get; init; }
    public IReadOnlyList<string> Directives { get; init; } = [];
    /// <summary>Another tool's no-transaction marker the file is read by, or null.</summary>
    public string? Marker { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public string? Path { get; init; }

    /// <summary>
    /// Joins the folder and the journal: every file and every journal row becomes one entry, in id order.
    /// </summary>
    public static IReadOnlyList<MigrationStatus> Build(IReadOnlyList<MigrationFile> files, IReadOnlyList<JournalEntry> journal) =>
        Build(files, journal, new Dictionary<string, StatementProgress>());

    internal static IReadOnlyList<MigrationStatus> Build(
        IReadOnlyList<MigrationFile> files, IReadOnlyList<JournalEntry> journal, IReadOnlyDictionary<string, StatementProgress> progress)
    {
        var applied = journal.ToDictionary(j => j.Id, StringComparer.Ordinal);
        var newestApplied = journal.Select(j => j.Id).Order(StringComparer.Ordinal).LastOrDefault();
        var result = new List<MigrationStatus>();

        foreach (var file in files)
        {
            var entry = new MigrationStatus
            {
                Id = file.Id,
                State = MigrationState.Pending,
                Checksum = file.Checksum,
                Directives = file.Directives.Names,
                Marker = file.Directives.Marker,
                Path = file.Path,
            };
            if (applied.TryGetValue(file.Id, out var row))
            {
                entry = entry with { AppliedChecksum = row.Checksum, AppliedAt = row.AppliedAt };
                if (string.Equals(row.Checksum, file.Checksum, StringComparison.OrdinalIgnoreCase))
                    entry = entry with { State = MigrationState.Applied };
                else
                    entry = entry with
                    {
                        State = MigrationState.Modified,
                        Warnings = [string.Equals(row.Checksum, file.NormalizedChecksum, StringComparison.OrdinalIgnoreCase)
                            ? $"{file.Id} differs from the applied file only in line endings or a byte-order mark (a CRLF checkout?); add '*.sql text eol=lf' to .gitattributes"
                            : !Checksums.IsSha256Hex(row.Checksum)
                                ? $"{file.Id}'s journal checksum is '{Short(row.Checksum)}', not a SHA-256 in hex: the row was edited by hand. If the file is the one applied, record its checksum: "
                                  + $"UPDATE <journal> SET checksum = '{file.Checksum}' WHERE id = '{file.Id}'"
                                : $"{file.Id} was changed after it was applied (journal {Short(row.Checksum)}, file {Short(file.Checksum)}); edits to applied migrations are not re-run: add a new migration instead"],
                    };
            }
            else if (progress.TryGetValue(file.Id, out var partial))
            {
                entry = entry with { State = MigrationState.Incomplete, Warnings = [partial.Describe(file)] };
            }
            else if (newestApplied is not null && StringComparer.Ordinal.Compare(file.Id, newestApplied) < 0)
            {
                entry = entry with
                {
                    State = MigrationState.OutOfOrder,
                    Warnings = [$"{file.Id} is pending but sorts before {newestApplied}, which is already applied; it will run after it (rename it to sort last to keep one order everywhere)"],
                };
            }
            result.Add(entry);
        }

        var fileIds = files.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var row in journal.Where(j => !fileIds.Contains(j.Id)))
            result.Add(new MigrationStatus
            {
                Id = row.Id,
                State = MigrationState.Missing,
                AppliedChecksum = row.Checksum,
                AppliedAt = row.AppliedAt,
                Warnings = [$"{row.Id} is recorded as applied but no such file is in the folder (normal when an older image runs after a newer one)"],
            });

        result.Sort((a, b) => StringComparer.Ordinal.Compare(a.Id, b.Id));
        return result;
    }

    private static string Short(string checksum) => checksum.Length > 12 ? checksum[..12] : checksum;
}
