using System.Reflection;
using System.Text.Json;
using SchemaMigrate.Engine.Azure;
using SchemaMigrate.Engine.Diagnostics;

namespace SchemaMigrate.Tests.Azure;

/// <summary>What the clients send and how they read answers, without a server.</summary>
public class AzureWireFormatTests
{
    [Fact]
    public void Log_Analytics_cells_are_typed_by_column_whether_sent_as_JSON_values_or_strings()
    {
        var result = LogAnalyticsClient.Parse(JsonDocument.Parse("""
            { "tables": [ { "name": "PrimaryResult",
                "columns": [ {"name":"TimeGenerated","type":"datetime"}, {"name":"Count","type":"long"}, {"name":"Ok","type":"bool"},
                             {"name":"Ratio","type":"real"}, {"name":"Id","type":"guid"}, {"name":"Took","type":"timespan"},
                             {"name":"Props","type":"dynamic"}, {"name":"Log_s","type":"string"} ],
                "rows": [ [ "2025-09-01T10:00:09.123Z", 42, true, 0.5, "9d1c5f9e-8c59-4a8c-9d3f-3d1a3d1c0b11", "00:00:01.5000000", {"a":1}, "hello" ],
                          [ "2025-09-01T10:00:10Z", "7", "false", "1.25", null, null, "[1]", null ] ] } ],
              "error": { "code": "PartialError", "message": "There were some errors", "details": [ { "message": "shard limit" } ] } }
            """).RootElement);

        var rows = Assert.Single(result.Tables).Rows;
        Assert.Equal(new DateTimeOffset(2025, 9, 1, 10, 0, 9, 123, TimeSpan.Zero), rows[0][0]);
        Assert.Equal(42L, rows[0][1]);
        Assert.Equal(true, rows[0][2]);
        Assert.Equal(0.5, rows[0][3]);
        Assert.Equal(Guid.Parse("9d1c5f9e-8c59-4a8c-9d3f-3d1a3d1c0b11"), rows[0][4]);
        Assert.Equal(TimeSpan.FromSeconds(1.5), rows[0][5]);
        Assert.Equal("""{"a":1}""", rows[0][6]);
        Assert.Equal("hello", rows[0][7]);
        Assert.Equal([7L, false, 1.25, null, null, "[1]", null], rows[1].Skip(1));
        Assert.Equal("PartialError: There were some errors (shard limit)", result.PartialError);
    }

    [Fact]
    public void The_start_template_sends_only_what_a_JobExecutionContainer_allows()
    {
        var template = new JobExecutionTemplate(
            [new JobContainer("migrate", "acr.test/app:2")
            {
                Command = ["dotnet"], Args = ["/app/migrate/MigrateRunner.dll", "--json"],
                Env = [new("DB_CONN", SecretRef: "db-conn"), new("MODE", "deploy")], Cpu = 0.25, Memory = "0.5Gi",
            }],
            [new JobContainer("wait-for-db", "acr.test/wait:1")]);

        Assert.Equal("""
            {"containers":[{"name":"migrate","image":"acr.test/app:2","command":["dotnet"],"args":["/app/migrate/MigrateRunner.dll","--json"],"env":[{"name":"DB_CONN","secretRef":"db-conn"},{"name":"MODE","value":"deploy"}],"resources":{"cpu":0.25,"memory":"0.5Gi"}}],"initContainers":[{"name":"wait-for-db","image":"acr.test/wait:1"}]}
            """, ContainerAppsJobClient.TemplateJson(template));
        var moved = template.WithImage("acr.test/app:3");
        Assert.Equal("acr.test/app:3", moved.Containers[0].Image);
        Assert.Equal(template.Containers[0].Env, moved.Containers[0].Env);
        Assert.Equal("acr.test/wait:1", moved.InitContainers[0].Image);
    }

    [Fact]
    public void The_log_query_names_the_job_and_execution_as_escaped_KQL_literals()
    {
        Assert.Equal(@"it\'s \\ here", JobLogQuery.Escape(@"it's \ here"));
        var query = JobLogQuery.For(new JobExecution { Subscription = "s", ResourceGroupName = "rg", JobName = "migrate", ExecutionName = "migrate-k3v9q2a" });
        Assert.Contains("let job = 'migrate';", query);
        Assert.Contains("let execution = 'migrate-k3v9q2a';", query);
        Assert.Contains("union isfuzzy=true", query);
        foreach (var table in new[] { "ContainerAppConsoleLogs_CL", "ContainerAppSystemLogs_CL", "ContainerAppConsoleLogs", "ContainerAppSystemLogs" })
            Assert.Contains($"({table}\n", query);
    }

    [Theory]
    [InlineData("Running", true, false, false)]
    [InlineData("Processing", true, false, false)]
    [InlineData("Succeeded", false, true, false)]
    [InlineData("Failed", false, true, true)]
    [InlineData("Stopped", false, true, true)]
    [InlineData("Degraded", false, true, true)]
    [InlineData("Unknown", false, false, false)]
    [InlineData(null, false, false, false)]
    [InlineData("SomethingNew", false, false, false)]
    public void Execution_states_are_classified_as_the_reference_reads_them(string? status, bool active, bool terminal, bool failure)
    {
        Assert.Equal(active, JobExecutionStatus.IsActive(status));
        Assert.Equal(terminal, JobExecutionStatus.IsTerminal(status));
        Assert.Equal(failure, JobExecutionStatus.IsFailure(status));
    }

    /// <summary>PowerShell sessions load their own Azure.Core (Az.Accounts): none may cross the engine's public edge.</summary>
    [Fact]
    public void No_Npgsql_or_Azure_SDK_type_is_on_the_engines_public_surface()
    {
        string[] forbidden = ["Npgsql", "Azure.Core", "Azure.Identity", "System.ClientModel"];
        bool Bad(Type t) =>
            forbidden.Contains(t.Assembly.GetName().Name) || t.IsGenericType && t.GetGenericArguments().Any(Bad)
            || t.HasElementType && Bad(t.GetElementType()!);
        const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offenders = new List<string>();
        foreach (var type in typeof(MigrationException).Assembly.GetExportedTypes())
        {
            if (type.BaseType is { } b && Bad(b) || type.GetInterfaces().Any(Bad)) offenders.Add(type.FullName!);
            foreach (var member in type.GetMembers(visible).Concat(type.GetMembers(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => m is MethodBase { IsFamily: true })))
            {
                var types = member switch
                {
                    PropertyInfo p => [p.PropertyType],
                    FieldInfo f => [f.FieldType],
                    MethodBase m => m.GetParameters().Select(p => p.ParameterType).Concat(m is MethodInfo mi ? [mi.ReturnType] : []),
                    EventInfo e => [e.EventHandlerType!],
                    _ => Array.Empty<Type>(),
                };
                if (types.Any(Bad)) offenders.Add($"{type.FullName}.{member.Name}");
            }
        }
        Assert.Empty(offenders);
    }
}
