using System.Reflection;
using System.Runtime.Loader;

namespace SchemaMigrate.Engine.Diagnostics;

/// <summary>One library the engine is bound to, and the assembly load context that supplied it.</summary>
public sealed record LoadedDependency(string Name, string Version, string LoadContext, string Location)
{
    public override string ToString() => $"{Name} {Version} from load context '{LoadContext}' ({Location})";
}

/// <summary>
/// The engine's own view of its libraries. PowerShell sessions often hold another Azure.Core (Az.Accounts loads
/// one first), so support output (-Debug) and the isolation test ask the engine which copies it actually runs with.
/// </summary>
public static class EngineDependencies
{
    public static IReadOnlyList<LoadedDependency> Describe() =>
    [
        Of(typeof(EngineDependencies).Assembly),
        Of(typeof(Npgsql.NpgsqlDataSource).Assembly),
        Of(typeof(Azure.Core.TokenCredential).Assembly),
        Of(typeof(Azure.Identity.DefaultAzureCredential).Assembly),
        // Azure.Identity must see the same Azure.Core as the engine, or its credentials are not the engine's TokenCredential.
        Of(BaseTypes(typeof(Azure.Identity.DefaultAzureCredential)).Single(t => t.FullName == "Azure.Core.TokenCredential").Assembly, "Azure.Core (as bound by Azure.Identity)"),
        Of(typeof(System.Text.Json.JsonSerializer).Assembly),
    ];

    private static LoadedDependency Of(Assembly assembly, string? name = null)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return new LoadedDependency(
            name ?? assembly.GetName().Name!,
            informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "?",
            AssemblyLoadContext.GetLoadContext(assembly)?.Name ?? "?",
            assembly.Location);
    }

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType) yield return t;
    }
}
