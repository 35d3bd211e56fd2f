using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("SchemaMigrate.Tests.Support.ReliabilityTestFramework", "SchemaMigrate.Tests")]

namespace SchemaMigrate.Tests.Support;

/// <summary>
/// xunit's own framework, plus a look at every result: when the assembly has run, the counts of passed test cases
/// by <see cref="Reliability"/> trait go to out/reliability.txt at the repository root (test.sh prints it).
/// </summary>
public sealed class ReliabilityTestFramework(IMessageSink diagnostics) : XunitTestFramework(diagnostics)
{
    public static string SummaryPath => Path.Combine(Repo.Root, "out", "reliability.txt");

    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assembly, ISourceInformationProvider sources, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(assembly, sources, diagnostics)
    {
        protected override void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions) =>
            base.RunTestCases(testCases, new CountingSink(executionMessageSink), executionOptions);
    }

    private sealed class CountingSink(IMessageSink inner) : LongLivedMarshalByRefObject, IMessageSink
    {
        private readonly ReliabilitySummary _summary = new();

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestPassed m: _summary.Record(m.TestCase.Traits, m.Test.DisplayName, ReliabilitySummary.Passed); break;
                case ITestFailed m: _summary.Record(m.TestCase.Traits, m.Test.DisplayName, ReliabilitySummary.Failed); break;
                case ITestSkipped m: _summary.Record(m.TestCase.Traits, m.Test.DisplayName, ReliabilitySummary.Skipped); break;
                case ITestAssemblyFinished:
                    Directory.CreateDirectory(Path.GetDirectoryName(SummaryPath)!);
                    File.WriteAllText(SummaryPath, _summary.Render());
                    break;
            }
            return inner.OnMessage(message);
        }
    }
}
