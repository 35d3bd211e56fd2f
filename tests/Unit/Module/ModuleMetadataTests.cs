using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SchemaMigrate.Cmdlets;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Azure.Smoke;
using SchemaMigrate.Engine.Configuration;
using SchemaMigrate.Engine.Migrations;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Module;

/// <summary>
/// The published module (out/SchemaMigrate) read as metadata: the PSCmdlet classes cannot run without PowerShell,
/// but their attributes, the manifest, the help and the format views can be checked against each other.
/// </summary>
public class ModuleMetadataTests : IDisposable
{
    private static readonly string ModuleDirectory = Path.Combine(Repo.Root, "out", "SchemaMigrate");
    private const string Sma = "System.Management.Automation.";
    private readonly MetadataLoadContext _metadata;
    private readonly Assembly _root;

    public ModuleMetadataTests()
    {
        var root = Path.Combine(ModuleDirectory, "SchemaMigrate.Cmdlets.dll");
        Assert.True(File.Exists(root), $"{root} is missing: run `dotnet publish src/SchemaMigrate.Cmdlets -c Release` (./test.sh does) first");
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(Path.Combine(ModuleDirectory, "Dependencies"), "*.dll"))
            .Append(Path.Combine(AppContext.BaseDirectory, "metadata", "System.Management.Automation.dll"))
            .Append(root);
        _metadata = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        _root = _metadata.LoadFromAssemblyPath(root);
    }

    public void Dispose() => _metadata.Dispose();

    private sealed record CmdletInfo(Type Type, string Verb, string Noun, CustomAttributeData Attribute)
    {
        public string Name => $"{Verb}-{Noun}";
        public bool SupportsShouldProcess => Attribute.NamedArguments.Any(a => a.MemberName == "SupportsShouldProcess" && (bool)a.TypedValue.Value!);

        public IEnumerable<PropertyInfo> Parameters => Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == Sma + "ParameterAttribute"));

        public List<Type> OutputTypes => Type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(a => (Type)a.Value!).ToList();

        /// <summary>The parameters that bind from the properties of piped objects, with the names they answer to (their own and aliases).</summary>
        public IEnumerable<(PropertyInfo Parameter, string[] Names)> ByPropertyName => Parameters
            .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == Sma + "ParameterAttribute"
                && a.NamedArguments.Any(n => n.MemberName == "ValueFromPipelineByPropertyName" && (bool)n.TypedValue.Value!)))
            .Select(p => (p, p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "AliasAttribute")
                .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
                .Select(a => (string)a.Value!).Prepend(p.Name).ToArray()));
    }

    private List<CmdletInfo> Cmdlets() => _root.GetExportedTypes()
        .Select(t => (Type: t, Attribute: t.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute")))
        .Where(c => c.Attribute is not null)
        .Select(c => new CmdletInfo(c.Type, (string)c.Attribute!.ConstructorArguments[0].Value!, (string)c.Attribute.ConstructorArguments[1].Value!, c.Attribute))
        .ToList();

    private static string Manifest => File.ReadAllText(Path.Combine(ModuleDirectory, "SchemaMigrate.psd1"));

    private static List<string> ManifestList(string key)
    {
        var m = Regex.Match(Manifest, key + @"\s*=\s*@\(([^)]*)\)");
        Assert.True(m.Success, $"{key} not found in the manifest");
        return Regex.Matches(m.Groups[1].Value, "'([^']+)'").Select(x => x.Groups[1].Value).ToList();
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_the_assembly_implements()
    {
        Assert.Equal(Cmdlets().Select(c => c.Name).Order(), ManifestList("CmdletsToExport").Order());
        Assert.Equal(
            ["Get-MigrationJobExecution", "Get-MigrationJobLog", "Get-SchemaMigrationStatus", "Invoke-ApiSmokeTest", "Invoke-SchemaMigration",
             "New-SchemaMigration", "Start-MigrationJob", "Stop-MigrationJobExecution", "Test-SchemaMigration"],
            Cmdlets().Select(c => c.Name).Order());
        Assert.Matches(@"RootModule\s*=\s*'SchemaMigrate.Cmdlets.dll'", Manifest);
        Assert.Matches(@"PowerShellVersion\s*=\s*'7.4'", Manifest);
        Assert.Equal(["Core"], ManifestList("CompatiblePSEditions"));
        Assert.DoesNotMatch(new Regex(@"^\s*RequiredAssemblies\s*=", RegexOptions.Multiline), Manifest);
        Assert.All(ManifestList("FormatsToProcess"), f => Assert.True(File.Exists(Path.Combine(ModuleDirectory, f)), f));
    }

    [Fact]
    public void The_engine_and_its_dependencies_sit_in_Dependencies_never_beside_the_root_assembly()
    {
        Assert.Equal(["SchemaMigrate.Cmdlets.dll"], Directory.GetFiles(ModuleDirectory, "*.dll").Select(Path.GetFileName));
        foreach (var name in new[] { "SchemaMigrate.Engine", "Npgsql", "Azure.Core", "Azure.Identity", "System.Text.Json" })
            Assert.True(File.Exists(Path.Combine(ModuleDirectory, "Dependencies", name + ".dll")), name);
        Assert.True(File.Exists(Path.Combine(ModuleDirectory, "en-US", "about_SchemaMigrate.help.txt")));
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_declares_its_output_and_asks_before_changing_anything()
    {
        var sma = _metadata.LoadFromAssemblyName("System.Management.Automation");
        var approved = sma.GetExportedTypes().Where(t => t.Name.StartsWith("Verbs"))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            .Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        Assert.Contains("Invoke", approved);

        foreach (var cmdlet in Cmdlets())
        {
            Assert.True(approved.Contains(cmdlet.Verb), $"{cmdlet.Name}: '{cmdlet.Verb}' is not an approved verb");
            var outputs = cmdlet.OutputTypes;
            Assert.True(outputs.Count > 0, $"{cmdlet.Name} declares no OutputType");
            // PowerShell cannot name a type from the engine's private load context: outputs are this assembly's or the BCL's.
            Assert.All(outputs, t => Assert.True(t.Assembly == _root || t.Assembly.GetName().Name == "System.Private.CoreLib" || t.Namespace == "System.IO", $"{cmdlet.Name} outputs {t.FullName}"));
            if (cmdlet.Verb is "New" or "Invoke" or "Set" or "Remove" or "Start" or "Stop")
                Assert.True(cmdlet.SupportsShouldProcess, $"{cmdlet.Name} changes state but does not support ShouldProcess");
            Assert.All(cmdlet.Parameters, p => Assert.False(p.PropertyType.Assembly.GetName().Name == "SchemaMigrate.Engine", $"{cmdlet.Name} -{p.Name} has an engine type"));
        }
        // What changes the database asks by default; a pipeline passes -Confirm:$false.
        foreach (var name in new[] { "Invoke-SchemaMigration", "Start-MigrationJob" })
        {
            var attribute = Cmdlets().Single(c => c.Name == name).Attribute;
            Assert.Equal(3 /* ConfirmImpact.High */, (int)attribute.NamedArguments.Single(a => a.MemberName == "ConfirmImpact").TypedValue.Value!);
        }
    }

    [Fact]
    public void Job_executions_pipe_by_property_name_into_every_job_cmdlet_and_never_bind_their_own_name_as_the_jobs()
    {
        var jobCmdlets = Cmdlets().Where(c => c.Noun.StartsWith("MigrationJob")).ToList();
        var producers = jobCmdlets.Where(c => c.OutputTypes.Any(t => t.Name == "MigrationJobExecution")).Select(c => c.Name).Order();
        Assert.Equal(["Get-MigrationJobExecution", "Start-MigrationJob", "Stop-MigrationJobExecution"], producers);
        var execution = _root.GetType("SchemaMigrate.Cmdlets.MigrationJobExecution")!;
        // A Name property would bind an execution's name to -Name, which is the job's.
        Assert.Null(execution.GetProperty("Name"));

        foreach (var receiver in jobCmdlets)
        {
            var bound = new Dictionary<string, string>();
            foreach (var (parameter, names) in receiver.ByPropertyName)
            {
                var matches = execution.GetProperties().Where(p => names.Contains(p.Name, StringComparer.OrdinalIgnoreCase)).ToList();
                Assert.True(matches.Count == 1, $"{receiver.Name} -{parameter.Name} ({string.Join(", ", names)}) matches {matches.Count} properties of the executions piped in");
                Assert.Equal(parameter.PropertyType.FullName, matches[0].PropertyType.FullName);
                bound[parameter.Name] = matches[0].Name;
            }
            var expected = new Dictionary<string, string> { ["ResourceGroupName"] = "ResourceGroupName", ["Name"] = "JobName", ["Subscription"] = "Subscription" };
            if (receiver.Name != "Start-MigrationJob") expected["ExecutionName"] = "ExecutionName";
            Assert.Equal(expected.OrderBy(e => e.Key), bound.OrderBy(e => e.Key));
        }
    }

    [Fact]
    public void Every_cmdlet_has_help_with_synopsis_description_an_example_and_each_of_its_parameters()
    {
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10", maml = "http://schemas.microsoft.com/maml/2004/10",
            dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        var help = XDocument.Load(Path.Combine(ModuleDirectory, "en-US", "SchemaMigrate.Cmdlets.dll-Help.xml"));
        var entries = help.Root!.Elements(command + "command").ToDictionary(c => c.Element(command + "details")!.Element(command + "name")!.Value);

        foreach (var cmdlet in Cmdlets())
        {
            Assert.True(entries.TryGetValue(cmdlet.Name, out var entry), $"no help for {cmdlet.Name}");
            Assert.False(string.IsNullOrWhiteSpace(entry.Element(command + "details")!.Element(maml + "description")?.Value), $"{cmdlet.Name}: no synopsis");
            Assert.False(string.IsNullOrWhiteSpace(entry.Element(maml + "description")?.Value), $"{cmdlet.Name}: no description");
            var examples = entry.Element(command + "examples")?.Elements(command + "example").ToList() ?? [];
            Assert.True(examples.Count > 0 && examples.All(e => e.Element(dev + "code")?.Value.Contains(cmdlet.Name) == true), $"{cmdlet.Name}: every example must show the cmdlet");

            var documented = entry.Element(command + "parameters")!.Elements(command + "parameter").Select(p => p.Element(maml + "name")!.Value).ToHashSet();
            var declared = cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.SupportsShouldProcess ? ["WhatIf", "Confirm"] : []).ToHashSet();
            Assert.True(declared.SetEquals(documented), $"{cmdlet.Name}: declared [{string.Join(", ", declared.Order())}] but documented [{string.Join(", ", documented.Order())}]");
        }
        Assert.Equal(Cmdlets().Count, entries.Count);
    }

    [Fact]
    public void Format_views_select_this_assemblys_output_types_and_name_real_properties()
    {
        var views = XDocument.Load(Path.Combine(ModuleDirectory, "SchemaMigrate.Format.ps1xml")).Descendants("View").ToList();
        var viewed = new List<string>();
        foreach (var view in views)
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var type = _root.GetType(typeName);
            Assert.True(type is { IsPublic: true }, $"view {view.Element("Name")!.Value} selects {typeName}, not a public type of the module");
            var columns = view.Descendants("TableColumnItem").ToList();
            Assert.Equal(view.Descendants("TableColumnHeader").Count(), columns.Count);
            // A script block column is rendered by the Pester suite, in pwsh; a property column names a real property.
            Assert.All(columns.Select(i => i.Element("PropertyName")?.Value).OfType<string>(), c => Assert.NotNull(type!.GetProperty(c)));
            viewed.Add(typeName);
        }
        Assert.Equal(
            ["SchemaMigrate.Cmdlets.ApiSmokeAssertion", "SchemaMigrate.Cmdlets.MigrationJobExecution", "SchemaMigrate.Cmdlets.MigrationJobLogEntry", "SchemaMigrate.Cmdlets.SchemaMigrationResult",
             "SchemaMigrate.Cmdlets.SchemaMigrationStatus", "SchemaMigrate.Cmdlets.SchemaMigrationTestResult"],
            viewed.Order());
    }

    [Fact]
    public void PowerShell_facing_types_stay_in_step_with_the_engine()
    {
        // Every state the engine reports must have a PowerShell name (the mapping parses by name).
        Assert.Empty(Enum.GetNames<MigrationState>().Except(Enum.GetNames<SchemaMigrationState>()));
        // The file's path is FullName in PowerShell (as on a FileInfo): a Path property would bind to Invoke-SchemaMigration -Path.
        var missing = typeof(MigrationStatus).GetProperties().Select(p => p.Name).Except(["Path"]).Except(typeof(SchemaMigrationStatus).GetProperties().Select(p => p.Name));
        Assert.Empty(missing);

        Assert.Equal(Enum.GetNames<AuthMode>(), ValidateSet("Invoke-SchemaMigration", "Auth"));
        Assert.Equal(Enum.GetNames<AzureCloud>(), ValidateSet("Start-MigrationJob", "Cloud"));
        // -Allow names the phases beyond expand; a finding shows what the engine's does.
        Assert.Equal(Enum.GetNames<AllowedPhases>().Except(["None"]), ValidateSet("Invoke-SchemaMigration", "Allow"));
        Assert.Equal(Enum.GetNames<AllowedPhases>().Except(["None"]), ValidateSet("Test-SchemaMigration", "Allow"));
        Assert.Empty(typeof(SchemaMigrate.Engine.Safety.Finding).GetProperties().Select(p => p.Name).Except(["Rule", "Refused", "Page"])
            .Except(typeof(SchemaMigrationFinding).GetProperties().Select(p => p.Name)));
        Assert.Empty(typeof(SchemaMigrate.Engine.Safety.Trace.TracedStatement).GetProperties().Select(p => p.Name)
            .Except(typeof(SchemaMigrationTracedStatement).GetProperties().Select(p => p.Name)));
        Assert.Equal(Enum.GetNames<AzureCredentialKind>(), ValidateSet("Get-MigrationJobLog", "CredentialSource"));
        Assert.Equal(Enum.GetNames<AzureCredentialKind>(), ValidateSet("Invoke-ApiSmokeTest", "CredentialSource"));
        Assert.Equal(Enum.GetNames<AzureCloud>(), ValidateSet("Invoke-ApiSmokeTest", "Cloud"));
        Assert.Equal(Enum.GetNames<SmokeOutcome>(), Enum.GetNames<ApiSmokeOutcome>());
        // An execution shows what the engine knows of it (Job and Id are the engine's own handles).
        var shown = typeof(MigrationJobExecution).GetProperties().Select(p => p.Name);
        Assert.Empty(typeof(JobExecution).GetProperties().Select(p => p.Name).Except(["Job", "Id"]).Except(shown));
        Assert.Empty(typeof(JobLogEntry).GetProperties().Select(p => p.Name).Except(["IsSystem", "SourceTable"]).Except(typeof(MigrationJobLogEntry).GetProperties().Select(p => p.Name)));
    }

    private IEnumerable<string> ValidateSet(string cmdlet, string parameter) =>
        ((IEnumerable<CustomAttributeTypedArgument>)Cmdlets().Single(c => c.Name == cmdlet).Type.GetProperty(parameter)!.GetCustomAttributesData()
            .Single(a => a.AttributeType.FullName == Sma + "ValidateSetAttribute").ConstructorArguments[0].Value!).Select(a => (string)a.Value!);
}
