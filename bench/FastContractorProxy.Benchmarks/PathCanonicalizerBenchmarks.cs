using System.Text;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Http1;
using FastContractorProxy.Paths;

namespace FastContractorProxy.Benchmarks;

/// <summary>Measures PathCanonicalizer.Canonicalize with the strict options into a preallocated destination.</summary>
public class PathCanonicalizerBenchmarks
{
    private const string TypicalPath = "/api/items/12345/details";

    // Repeated slashes, '.' and '..' segments, an escaped unreserved character, lowercase escapes of UTF-8
    // bytes and an escaped space.
    private const string EscapedPath = "/static//./assets/%7Euser/../img/caf%c3%a9%20menu.png";
    private const string EscapedPathCanonical = "/static/assets/img/caf%C3%A9%20menu.png";

    // A traversal attempt that hides 600 '..' segments behind percent-encoding: 4,218 bytes in all.
    private static readonly string HostilePath = "/static/" + string.Concat(Enumerable.Repeat("%2e%2e/", 600)) + "etc/passwd";
    private const string HostilePathCanonical = "/etc/passwd";

    private byte[] _typical = [];
    private byte[] _escaped = [];
    private byte[] _hostile = [];
    private byte[] _destination = [];

    [GlobalSetup]
    public void Setup()
    {
        _typical = Encoding.ASCII.GetBytes(TypicalPath);
        _escaped = Encoding.ASCII.GetBytes(EscapedPath);
        _hostile = Encoding.ASCII.GetBytes(HostilePath);
        _destination = new byte[_hostile.Length];

        Verify(nameof(TypicalApiPath), _typical, TypicalPath);
        Verify(nameof(EscapesAndDotSegments), _escaped, EscapedPathCanonical);
        Verify(nameof(HostileEncodedTraversal), _hostile, HostilePathCanonical);
    }

    [Benchmark(Baseline = true)]
    public int TypicalApiPath() => Canonicalize(_typical);

    [Benchmark]
    public int EscapesAndDotSegments() => Canonicalize(_escaped);

    /// <summary>A 4,218-byte path of 600 percent-encoded '..' segments.</summary>
    [Benchmark]
    public int HostileEncodedTraversal() => Canonicalize(_hostile);

    private int Canonicalize(byte[] rawPath)
    {
        RejectReason reason = PathCanonicalizer.Canonicalize(rawPath, _destination, PathOptions.Strict, out int written);
        if (reason != RejectReason.None)
        {
            ThrowRejected(reason);
        }

        return written;
    }

    private static void ThrowRejected(RejectReason reason) =>
        throw new InvalidOperationException($"Canonicalizing a benchmark path failed: reason {reason}.");

    private void Verify(string benchmark, byte[] rawPath, string expected)
    {
        RejectReason reason = PathCanonicalizer.Canonicalize(rawPath, _destination, PathOptions.Strict, out int written);
        if (reason != RejectReason.None)
        {
            throw new InvalidOperationException($"{benchmark}: canonicalizing returned reason {reason}, expected None.");
        }

        string canonical = Encoding.ASCII.GetString(_destination, 0, written);
        if (canonical != expected)
        {
            throw new InvalidOperationException($"{benchmark}: canonical path is '{canonical}', expected '{expected}'.");
        }
    }
}
