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
    public static IReadOnlyList<LoadedDependency> Describe()
    {
        var engine = typeof(EngineDependencies).Assembly;
        var context = AssemblyLoadContext.GetLoadContext(engine) ?? AssemblyLoadContext.Default;
        return
        [
            Of(engine),
            Of(typeof(Npgsql.NpgsqlDataSource).Assembly),
            Of(typeof(global::Azure.Core.TokenCredential).Assembly),
            // Its credential types are forwarded to Azure.Core, so ask the engine's context for the assembly itself.
            Of(context.LoadFromAssemblyName(new AssemblyName("Azure.Identity"))),
            Of(typeof(System.Text.Json.JsonSerializer).Assembly),
        ];
    }

    private static LoadedDependency Of(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return new LoadedDependency(
            assembly.GetName().Name!,
            informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "?",
            AssemblyLoadContext.GetLoadContext(assembly)?.Name ?? "?",
            assembly.Location);
    }
}
