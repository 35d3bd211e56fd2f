using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>
/// The module in a process where another Azure.Core is already loaded and in use in the default load context, as
/// in an Azure DevOps AzurePowerShell task after Az.Accounts. tests/AlcProbe plays that host.
/// </summary>
public class DependencyIsolationTests
{
    private static async Task<JsonElement> ProbeAsync(params string[] options)
    {
        var configuration = typeof(DependencyIsolationTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var probe = Path.Combine(Repo.Root, "tests", "AlcProbe", "bin", configuration, "net10.0", "AlcProbe.dll");
        var module = Path.Combine(Repo.Root, "out", "SchemaMigrate");
        Assert.True(File.Exists(Path.Combine(module, "SchemaMigrate.Cmdlets.dll")), "publish the module first: dotnet publish src/SchemaMigrate.Cmdlets -c Release");

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { probe, module }.Concat(options)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonDocument.Parse(await stdout).RootElement;
    }

    [Fact]
    public async Task With_an_older_AzureCore_in_the_default_context_the_engine_runs_with_its_own_copies()
    {
        var report = await ProbeAsync();

        Assert.Equal("1.44.1.0", report.GetProperty("defaultContext").GetProperty("azureCoreVersion").GetString());
        Assert.Equal("Default", report.GetProperty("defaultContext").GetProperty("azureCoreContext").GetString());
        Assert.Equal("UNEXPECTED_ERROR", report.GetProperty("reasonCode").GetString()); // module code ran against the engine
        var engine = report.GetProperty("engine").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal(["SchemaMigrate.Engine", "Npgsql", "Azure.Core", "Azure.Identity", "System.Text.Json"], engine.Keys);
        Assert.All(engine.Values, d =>
        {
            Assert.Equal("SchemaMigrate", d.GetProperty("loadContext").GetString());
            Assert.StartsWith(Path.Combine(Repo.Root, "out", "SchemaMigrate", "Dependencies"), d.GetProperty("location").GetString());
        });
        Assert.Equal("1.53.0", engine["Azure.Core"].GetProperty("version").GetString());
    }

    [Fact]
    public async Task Without_the_modules_load_context_the_same_host_breaks_the_engine()
    {
        var report = await ProbeAsync("--without-module-loader");

        Assert.Contains("Azure.Core, Version=1.53.0.0", report.GetProperty("error").GetString());
        Assert.Empty(report.GetProperty("engine").EnumerateArray());
    }
}
