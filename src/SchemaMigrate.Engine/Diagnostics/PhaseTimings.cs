using System.Diagnostics;
using System.Globalization;

namespace SchemaMigrate.Engine.Diagnostics;

/// <summary>
/// Where a run's time goes, for bench/ and for anyone profiling: with SCHEMAMIGRATE_TIMINGS=1 the engine marks
/// the end of each phase (files read, connected, lock taken, journal read, gate, apply) and MigrateRunner prints
/// them on stderr as one <c>timings:</c> line. Off, a mark costs one branch.
/// </summary>
public static class PhaseTimings
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("SCHEMAMIGRATE_TIMINGS") == "1";
    private static readonly List<(string Phase, long Ticks)> Marks = [];
    private static long _last = Stopwatch.GetTimestamp();

    /// <summary>Ends the phase named <paramref name="phase"/> (the time since the previous mark, summed when a phase repeats).</summary>
    public static void Mark(string phase)
    {
        if (!Enabled) return;
        var now = Stopwatch.GetTimestamp();
        lock (Marks) Marks.Add((phase, now - _last));
        _last = now;
    }

    /// <summary>
    /// <c>timings: runtime=41ms files=12ms ...</c>: runtime is from the process's start to the engine's first use
    /// (runtime start, assembly loading, the front's own set-up), then each phase in the order first marked.
    /// </summary>
    public static string Report()
    {
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var inEngine = Stopwatch.GetElapsedTime(StartTimestamp);
        var parts = new List<string> { $"runtime={Ms(sinceStart - inEngine)}" };
        lock (Marks)
            parts.AddRange(Marks.GroupBy(m => m.Phase).Select(g => $"{g.Key}={Ms(TimeSpan.FromTicks(g.Sum(m => m.Ticks) * TimeSpan.TicksPerSecond / Stopwatch.Frequency))}"));
        parts.Add($"total={Ms(sinceStart)}");
        parts.Add($"jit={System.Runtime.JitInfo.GetCompiledMethodCount()} methods in {Ms(System.Runtime.JitInfo.GetCompilationTime())}");
        parts.Add($"gc={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "?").ToList();
        parts.Add($"assemblies={loaded.Count} ({string.Join(',', loaded.Where(n => !n.StartsWith("System", StringComparison.Ordinal) && n != "netstandard").Order(StringComparer.Ordinal))})");
        parts.Add(Memory());
        return "timings: " + string.Join(' ', parts);
    }

    private static readonly long StartTimestamp = _last;

    /// <summary>Resident memory now, split as Linux counts it: anonymous (heaps, JIT code) and file-backed (mapped assemblies).</summary>
    private static string Memory()
    {
        if (!File.Exists("/proc/self/status")) return "";
        var fields = File.ReadLines("/proc/self/status").Select(l => l.Split(':', 2)).Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => f[1].Trim().Replace(" kB", "", StringComparison.Ordinal));
        string Mb(string key) => fields.TryGetValue(key, out var kb) ? (long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) : "?";
        return $"rss={Mb("VmHWM")}MB peak (anon {Mb("RssAnon")}MB, files {Mb("RssFile")}MB now) gcheap={(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture)}MB";
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + "ms";
}
