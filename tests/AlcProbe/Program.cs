// Usage: AlcProbe <published module folder> [--without-module-loader]. Prints one JSON object saying which Azure.Core
// the default load context holds and which copies the module's engine runs with. --without-module-loader loads the
// engine straight into the default context instead (what a module without its own load context gets), as a control.
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

var moduleDirectory = args[0];

// What Az.Accounts does in an Azure DevOps AzurePowerShell task: another Azure.Core, in the default context, in use.
var conflicting = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(AppContext.BaseDirectory, "conflicting", "Azure.Core.dll"));
var region = conflicting.GetType("Azure.Core.AzureLocation", throwOnError: true)!.GetProperty("WestEurope")!.GetValue(null)!.ToString();

object? reasonCode = null;
Assembly engine;
if (args.Contains("--without-module-loader"))
{
    engine = Assembly.LoadFrom(Path.Combine(moduleDirectory, "Dependencies", "SchemaMigrate.Engine.dll"));
}
else
{
    // What pwsh does on Import-Module: load the root assembly into the default context and call OnImport, whose
    // PowerShell-free half is EngineLoadContext.Register.
    var root = Assembly.LoadFrom(Path.Combine(moduleDirectory, "SchemaMigrate.Cmdlets.dll"));
    root.GetType("SchemaMigrate.Cmdlets.Loading.EngineLoadContext", throwOnError: true)!
        .GetMethod("Register", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null);

    // What a cmdlet does: run module code that uses engine types, so the default context has to resolve the engine.
    var failure = root.GetType("SchemaMigrate.Cmdlets.Hosting.FailureText", throwOnError: true)!
        .GetMethod("Unexpected", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [new InvalidOperationException("probe")])!;
    reasonCode = failure.GetType().GetProperty("ReasonCode")!.GetValue(failure);
    engine = failure.GetType().Assembly;
}

object[] dependencies;
string? error = null;
try
{
    dependencies = ((System.Collections.IEnumerable)engine.GetType("SchemaMigrate.Engine.Diagnostics.EngineDependencies", throwOnError: true)!
        .GetMethod("Describe")!.Invoke(null, null)!).Cast<object>().ToArray();
}
catch (TargetInvocationException e)
{
    dependencies = [];
    error = e.InnerException!.GetType().Name + ": " + e.InnerException.Message;
}

var report = new
{
    defaultContext = new
    {
        azureCoreVersion = conflicting.GetName().Version!.ToString(),
        azureCoreContext = AssemblyLoadContext.GetLoadContext(conflicting)!.Name,
        region,
    },
    reasonCode,
    error,
    engine = dependencies.Select(d => new
    {
        name = (string)d.GetType().GetProperty("Name")!.GetValue(d)!,
        version = (string)d.GetType().GetProperty("Version")!.GetValue(d)!,
        loadContext = (string)d.GetType().GetProperty("LoadContext")!.GetValue(d)!,
        location = (string)d.GetType().GetProperty("Location")!.GetValue(d)!,
    }),
};
Console.WriteLine(JsonSerializer.Serialize(report));
