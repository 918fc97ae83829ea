using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// Measures one request head from bytes to a parsed <see cref="RequestHead"/>: HeadBuffer.Accumulate, Attach and
/// RequestHeadParser.Parse, then Reset, the steps a connection takes for each request. The buffer and the head are
/// reused, so steady state allocates nothing.
/// </summary>
public class Http1ParserBenchmarks
{
    // Limits passed to Accumulate: the defaults of ClientLimits.MaxRequestLineBytes and MaxHeaderBytes, copied
    // here so that the benchmark does not depend on the configuration code.
    private const int MaxStartLineBytes = 8 * 1024;
    private const int MaxSectionBytes = 32 * 1024;

    private const int PipelinedRequestCount = 16;
    private const int FirstOrderId = 84213;

    private readonly HeadBuffer _buffer = new();
    private readonly RequestHead _head = new();

    private ReadOnlySequence<byte> _apiRequest;
    private ReadOnlySequence<byte> _browserRequest;
    private ReadOnlySequence<byte> _pipelinedApiRequests;
    private ReadOnlySequence<byte> _splitBrowserRequest;

    [GlobalSetup]
    public void Setup()
    {
        byte[] browser = Encoding.ASCII.GetBytes(SampleRequests.Browser);
        _browserRequest = new ReadOnlySequence<byte>(browser);
        _apiRequest = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(SampleRequests.CreateApi(FirstOrderId)));

        var batch = new StringBuilder();
        for (int i = 0; i < PipelinedRequestCount; i++)
        {
            batch.Append(SampleRequests.CreateApi(FirstOrderId + i));
        }

        _pipelinedApiRequests = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(batch.ToString()));

        // Three reads that end inside the target, between the CR and LF of the User-Agent line, and inside the
        // Cookie value.
        int userAgentLineEnd = SampleRequests.Browser.IndexOf("\r\n", SampleRequests.Browser.IndexOf("User-Agent:", StringComparison.Ordinal), StringComparison.Ordinal);
        int cookieValue = SampleRequests.Browser.IndexOf("cart_token=", StringComparison.Ordinal) + 7;
        _splitBrowserRequest = SequenceBuilder.Split(browser, 13, userAgentLineEnd + 1, cookieValue);
        if (_splitBrowserRequest.IsSingleSegment || _splitBrowserRequest.Length != browser.Length)
        {
            throw new InvalidOperationException("The split browser request is not a multi-segment copy of the browser request.");
        }

        VerifySingle(nameof(SmallApiRequest), _apiRequest, $"{SampleRequests.ApiPathPrefix}{FirstOrderId}", SampleRequests.ApiFieldCount);
        VerifySingle(nameof(BrowserRequest), _browserRequest, SampleRequests.BrowserPath, SampleRequests.BrowserFieldCount);
        VerifySingle(nameof(BrowserRequestInThreeSegments), _splitBrowserRequest, SampleRequests.BrowserPath, SampleRequests.BrowserFieldCount);
        VerifyPipelined();
    }

    [GlobalCleanup]
    public void Cleanup() => _buffer.Dispose();

    [Benchmark(Baseline = true)]
    public int SmallApiRequest() => ParseAndReset(_apiRequest);

    [Benchmark]
    public int BrowserRequest() => ParseAndReset(_browserRequest);

    // NOTE: Accumulate copies all the input it is given up to MaxSectionBytes, not only the current head, so this
    // figure includes copying the rest of the batch for every request: 112,608 bytes per 16 requests.

    /// <summary>Sixteen API requests that arrived in one read. The reported time is per request.</summary>
    [Benchmark(OperationsPerInvoke = PipelinedRequestCount)]
    public int PipelinedApiRequests()
    {
        ReadOnlySequence<byte> remaining = _pipelinedApiRequests;
        int fieldCount = 0;
        for (int i = 0; i < PipelinedRequestCount; i++)
        {
            fieldCount += ParseAndReset(remaining, out int consumed);
            remaining = remaining.Slice(consumed);
        }

        return fieldCount;
    }

    [Benchmark]
    public int BrowserRequestInThreeSegments() => ParseAndReset(_splitBrowserRequest);

    private int ParseAndReset(in ReadOnlySequence<byte> input) => ParseAndReset(input, out _);

    private int ParseAndReset(in ReadOnlySequence<byte> input, out int consumed)
    {
        ParseStatus status = Parse(input, out consumed, out RejectReason reason);
        _buffer.Reset();
        if (status != ParseStatus.Done || reason != RejectReason.None)
        {
            ThrowParseFailed(status, reason);
        }

        return _head.FieldCount;
    }

    // Leaves the section in the buffer so that the caller can inspect the head before Reset.
    private ParseStatus Parse(in ReadOnlySequence<byte> input, out int consumed, out RejectReason reason)
    {
        ParseStatus status = _buffer.Accumulate(input, MaxStartLineBytes, MaxSectionBytes, out consumed, out reason);
        if (status != ParseStatus.Done)
        {
            return status;
        }

        _head.Attach(_buffer.Buffer, _buffer.LeadingBytes, _buffer.SectionLength);
        reason = RequestHeadParser.Parse(_head);
        return status;
    }

    private static void ThrowParseFailed(ParseStatus status, RejectReason reason) =>
        throw new InvalidOperationException($"Parsing a benchmark request failed: status {status}, reason {reason}.");

    private void VerifySingle(string benchmark, ReadOnlySequence<byte> input, string expectedPath, int expectedFieldCount)
    {
        VerifyNext(benchmark, input, expectedPath, expectedFieldCount, out int consumed);
        if (consumed != input.Length)
        {
            throw new InvalidOperationException($"{benchmark}: Accumulate consumed {consumed} of {input.Length} bytes, expected the whole request head.");
        }
    }

    private void VerifyPipelined()
    {
        ReadOnlySequence<byte> remaining = _pipelinedApiRequests;
        for (int i = 0; i < PipelinedRequestCount; i++)
        {
            string benchmark = $"{nameof(PipelinedApiRequests)} request {i}";
            VerifyNext(benchmark, remaining, $"{SampleRequests.ApiPathPrefix}{FirstOrderId + i}", SampleRequests.ApiFieldCount, out int consumed);
            remaining = remaining.Slice(consumed);
        }

        if (remaining.Length != 0)
        {
            throw new InvalidOperationException($"{nameof(PipelinedApiRequests)}: {remaining.Length} bytes are left after {PipelinedRequestCount} requests, expected 0.");
        }
    }

    private void VerifyNext(string benchmark, ReadOnlySequence<byte> input, string expectedPath, int expectedFieldCount, out int consumed)
    {
        ParseStatus status = Parse(input, out consumed, out RejectReason reason);
        try
        {
            if (status != ParseStatus.Done || reason != RejectReason.None)
            {
                throw new InvalidOperationException($"{benchmark}: parsing returned status {status} and reason {reason}, expected Done and None.");
            }

            string method = Encoding.ASCII.GetString(_head[_head.MethodRange]);
            if (_head.Method != KnownMethod.Get || method != "GET")
            {
                throw new InvalidOperationException($"{benchmark}: method is {method} ({_head.Method}), expected GET.");
            }

            string path = Encoding.ASCII.GetString(_head[_head.Path]);
            if (path != expectedPath)
            {
                throw new InvalidOperationException($"{benchmark}: path is '{path}', expected '{expectedPath}'.");
            }

            if (_head.FieldCount != expectedFieldCount)
            {
                throw new InvalidOperationException($"{benchmark}: {_head.FieldCount} field lines were parsed, expected {expectedFieldCount}.");
            }
        }
        finally
        {
            _buffer.Reset();
        }
    }
}
