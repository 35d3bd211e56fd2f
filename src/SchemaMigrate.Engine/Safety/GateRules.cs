using System.Reflection;

namespace SchemaMigrate.Engine.Safety;

/// <summary>Every gate rule, found by reflection as <c>ReasonCodes.All</c> is: a new rule class needs no registry edit.</summary>
public static class GateRules
{
    /// <summary>Where the rule pages are published (the module manifest's ProjectUri, docs/gate/).</summary>
    public const string DocsBaseUri = "https://github.com/schemamigrate/schemamigrate/blob/main/docs/gate/";

    public static IReadOnlyList<GateRule> All { get; } = typeof(GateRule).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(GateRule)) && !t.IsAbstract)
        .Select(t => (GateRule)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(r => r.Id, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The statement rules in the order they run; <see cref="Rules.OpaqueStatement"/> runs last, as it looks at what the others found.</summary>
    internal static IReadOnlyList<StatementRule> Statements { get; } = All.OfType<StatementRule>()
        .OrderBy(r => r is Rules.OpaqueStatement).ThenBy(r => r.Id, StringComparer.Ordinal).ToArray();

    public static GateRule? Find(string? id) => All.FirstOrDefault(r => r.Id == id);

    public static T Get<T>() where T : GateRule => All.OfType<T>().Single();
}
