using System.Text.RegularExpressions;
using SchemaMigrate.Tests.Support;

namespace SchemaMigrate.Tests.Architecture;

/// <summary>
/// The engine's public API is tracked in PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt (the build fails when a
/// public signature changes without them). The module loads the engine with Npgsql and the Azure SDK in a load
/// context of its own, so no type of theirs may appear in that API: the cmdlets could not name it.
/// </summary>
public sealed partial class PublicApiTests
{
    private static readonly string EngineRoot = Path.Combine(Repo.Root, "src", "SchemaMigrate.Engine");

    [Fact]
    public void The_engine_public_api_names_no_Npgsql_or_Azure_SDK_type()
    {
        var lines = new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(f => File.ReadAllLines(Path.Combine(EngineRoot, f)))
            .ToList();
        Assert.Contains(lines, l => l.StartsWith("SchemaMigrate.Engine.Migrations.Migrator.Migrator(", StringComparison.Ordinal));
        var leaks = lines.Where(l => ForeignType().IsMatch(l)).ToList();
        Assert.True(leaks.Count == 0, "public engine members that expose a dependency's type:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void The_check_tells_a_dependency_type_from_the_engine_own_Azure_folder()
    {
        Assert.Matches(ForeignType(), "SchemaMigrate.Engine.Database.DatabaseTarget.Open() -> Npgsql.NpgsqlConnection!");
        Assert.Matches(ForeignType(), "SchemaMigrate.Engine.Azure.AzureSettings.Credential.get -> Azure.Core.TokenCredential!");
        Assert.DoesNotMatch(ForeignType(), "SchemaMigrate.Engine.Azure.JobRun.Execution.get -> SchemaMigrate.Engine.Azure.JobExecution?");
    }

    [GeneratedRegex(@"(?<![\w.])(Npgsql|Azure|Microsoft\.Identity)\.\w")]
    private static partial Regex ForeignType();
}
