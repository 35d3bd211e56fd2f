using System.Reflection;
using System.Runtime.Loader;

namespace SchemaMigrate.Cmdlets.Loading;

/// <summary>
/// The module's private load context. It serves the engine and everything beside it in Dependencies/ (Npgsql,
/// Azure.Core, Azure.Identity, MSAL, their System.* closure), so another module's copies in the default
/// context (Az.Accounts' Azure.Core, say) never meet ours. Anything not in Dependencies/ (the runtime itself)
/// comes from the default context. No PowerShell type is used here, so the isolation can be tested without a host.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    public const string ContextName = "SchemaMigrate";
    public const string EngineAssemblyName = "SchemaMigrate.Engine";

    private static readonly Lazy<EngineLoadContext> Instance = new(() => new EngineLoadContext(DefaultDirectory));
    private static readonly object Gate = new();
    private static bool _registered;

    private readonly string _directory;
    private readonly AssemblyDependencyResolver _resolver;

    private EngineLoadContext(string directory) : base(ContextName)
    {
        _directory = directory;
        // The engine's deps.json knows the RID-specific copies (runtimes/win/...) a plain folder probe would miss.
        _resolver = new AssemblyDependencyResolver(Path.Combine(directory, EngineAssemblyName + ".dll"));
    }

    /// <summary>Dependencies/ beside the module's root assembly.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)!, "Dependencies");

    /// <summary>
    /// Lets the default context find the engine (and only the engine) through this context. Called when the module
    /// is imported; importing again (-Force) keeps the one registration.
    /// </summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            Default.Resolving += ResolveEngine;
            _registered = true;
        }
    }

    /// <summary>Called when the module is removed. Loaded assemblies stay (a load context of this kind cannot unload).</summary>
    public static void Unregister()
    {
        lock (Gate)
        {
            Default.Resolving -= ResolveEngine;
            _registered = false;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? Instance.Value.LoadFromAssemblyName(name) : null;

    protected override Assembly? Load(AssemblyName name)
    {
        var path = _resolver.ResolveAssemblyToPath(name) ?? Path.Combine(_directory, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
