using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Engine.Configuration;

/// <summary>
/// The phases beyond expand that a run may apply (--allow contract,backfill / -Allow / SCHEMAMIGRATE_ALLOW). Expand
/// is always allowed: it is what a deploy is (seed 000).
/// </summary>
[Flags]
public enum AllowedPhases
{
    None = 0,
    Contract = 1,
    Backfill = 2,
}

public static class AllowedPhasesParser
{
    /// <summary>Parses "contract", "backfill", "contract,backfill" (case-insensitive; empty means none).</summary>
    public static AllowedPhases Parse(string text, string source)
    {
        var result = AllowedPhases.None;
        foreach (var word in text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            result |= word.ToLowerInvariant() switch
            {
                "contract" => AllowedPhases.Contract,
                "backfill" => AllowedPhases.Backfill,
                "expand" => AllowedPhases.None,
                _ => throw new MigrationException(ReasonCodes.InvalidArgument,
                    $"{source}: '{word}' is not a phase; use contract, backfill or both (contract,backfill); expand is always allowed"),
            };
        return result;
    }
}
