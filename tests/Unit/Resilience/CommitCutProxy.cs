using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SchemaMigrate.Tests.Resilience;

/// <summary>
/// A TCP proxy in front of PostgreSQL that cuts one connection at its COMMIT: the first connection that sends
/// <see cref="Marker"/> has its next COMMIT either dropped before the server sees it, or delivered and the server's
/// answer dropped (the server committed; the client never hears so). Every other connection passes untouched, unless
/// <c>cutOthersFirst</c>: then every other connection open at that moment (the lock's session) is cut first, a second
/// before the COMMIT, so the client has seen it break by the time it asks what became of the COMMIT.
/// </summary>
public sealed class CommitCutProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly bool _deliverCommit;
    private readonly bool _cutOthersFirst;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<CancellationTokenSource, bool> _open = new();
    private int _armed;

    /// <param name="deliverCommit">True: the server gets the COMMIT and its answer is lost; false: the COMMIT is lost.</param>
    public CommitCutProxy(int upstreamPort, string marker, bool deliverCommit, bool cutOthersFirst = false)
    {
        _upstreamPort = upstreamPort;
        Marker = marker;
        _deliverCommit = deliverCommit;
        _cutOthersFirst = cutOthersFirst;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Marker { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>True once a COMMIT was cut.</summary>
    public bool Cut { get; private set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            _open[cut] = true;
            var silenced = new System.Runtime.CompilerServices.StrongBox<bool>();
            var up = PumpUpAsync(client.GetStream(), server.GetStream(), cut, silenced);
            var down = PumpDownAsync(server.GetStream(), client.GetStream(), silenced, cut.Token);
            await Task.WhenAny(up, down);
            _open.TryRemove(cut, out bool gone);
            await cut.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    /// <summary>Client to server, watching for the marker and then the COMMIT query message.</summary>
    private async Task PumpUpAsync(NetworkStream from, NetworkStream to, CancellationTokenSource cut, System.Runtime.CompilerServices.StrongBox<bool> silenced)
    {
        var buffer = new byte[64 * 1024];
        var seen = "";
        var mine = false;
        while (true)
        {
            var n = await from.ReadAsync(buffer, cut.Token);
            if (n == 0) return;
            seen = (seen + Encoding.Latin1.GetString(buffer, 0, n))[^Math.Min(seen.Length + n, 4096)..];
            if (!mine && seen.Contains(Marker, StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 1) == 0)
            {
                mine = true;
                seen = seen[seen.LastIndexOf(Marker, StringComparison.Ordinal)..]; // an earlier file's COMMIT is not the one
            }
            if (mine && !Cut && seen.Contains("COMMIT\0", StringComparison.Ordinal))
            {
                Cut = true;
                silenced.Value = true;
                if (_cutOthersFirst)
                {
                    foreach (var other in _open.Keys.Where(c => c != cut)) await other.CancelAsync();
                    await Task.Delay(TimeSpan.FromSeconds(1)); // the lock watcher's next look finds its session broken
                }
                if (_deliverCommit)
                {
                    await to.WriteAsync(buffer.AsMemory(0, n), cut.Token);
                    await Task.Delay(TimeSpan.FromSeconds(1)); // the server commits; its answer is never relayed
                }
                await cut.CancelAsync();
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, n), cut.Token);
        }
    }

    /// <summary>Server to client, until the connection is silenced at its COMMIT.</summary>
    private static async Task PumpDownAsync(NetworkStream from, NetworkStream to, System.Runtime.CompilerServices.StrongBox<bool> silenced, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await from.ReadAsync(buffer, ct);
            if (n == 0) return;
            if (silenced.Value) continue;
            await to.WriteAsync(buffer.AsMemory(0, n), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _stop.Dispose();
    }
}
