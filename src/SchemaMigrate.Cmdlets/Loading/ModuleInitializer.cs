using System.Management.Automation;

namespace SchemaMigrate.Cmdlets.Loading;

/// <summary>PowerShell calls this when the module is imported and removed: it wires up the private load context.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => EngineLoadContext.Register();

    public void OnRemove(PSModuleInfo psModuleInfo) => EngineLoadContext.Unregister();
}
