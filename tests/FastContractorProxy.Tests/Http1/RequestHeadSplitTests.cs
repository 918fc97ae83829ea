using FastContractorProxy.Http1;
using static FastContractorProxy.Tests.Http1.TestSequences;

namespace FastContractorProxy.Tests.Http1;

/// <summary>A head must parse the same however the transport splits its bytes into segments and reads.</summary>
public class RequestHeadSplitTests
{
    private const string Single =
        "POST /orders/42?expand=items&x=%2F HTTP/1.1\r\n" +
        "Host: shop.example:8080\r\n" +
        "Content-Length: 5\r\n" +
        "Connection: keep-alive, X-Trace\r\n" +
        "X-Trace: abc\r\n" +
        "Expect: 100-continue\r\n" +
        "X-Request-Id: req-1\r\n" +
        "\r\n";

    // The second head follows an empty line, which a server skips before a request line (RFC 9112 section 2.2).
    private const string Pipelined =
        "GET /a HTTP/1.1\r\n" +
        "Host: one.example\r\n" +
        "\r\n" +
        "\r\n" +
        "HEAD http://two.example/b?c HTTP/1.1\r\n" +
        "Host: two.example\r\n" +
        "Connection: close\r\n" +
        "\r\n";

    [Fact]
    public void SingleHead_OneSegment_ParsesExpectedValues()
    {
        ParsedRequest request = RequestHeads.Parse(Single);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(KnownMethod.Post, request.Head.Method);
        Assert.Equal("/orders/42", request.Path);
        Assert.Equal("expand=items&x=%2F", request.Text(request.Head.Query));
        Assert.Equal("shop.example:8080", request.Authority);
        Assert.Equal(5, request.Head.ContentLength);
        Assert.True(request.Head.Expect100Continue);
        Assert.True(request.IsDropped("X-Trace"));
        Assert.Equal(5, request.Head.RequestIdField);
        Assert.Equal(Single.Length, request.Consumed);
    }

    [Fact]
    public void SingleHead_EverySplit_ParsesIdentically()
    {
        byte[] bytes = Bytes(Single);
        string expected = string.Join('\n', RequestHeads.Feed([bytes]));

        for (int split = 1; split < bytes.Length; split++)
        {
            string actual = string.Join('\n', RequestHeads.Feed(SplitAt(bytes, split)));
            Assert.Equal($"split {split}: {expected}", $"split {split}: {actual}");
        }
    }

    [Fact]
    public void SingleHead_OneBytePerSegment_ParsesIdentically()
    {
        byte[] bytes = Bytes(Single);
        List<string> expected = RequestHeads.Feed([bytes]);

        List<string> actual = RequestHeads.Feed(OneBytePerSegment(bytes));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Pipelined_OneSegment_ParsesBothHeads()
    {
        List<string> outcomes = RequestHeads.Feed([Bytes(Pipelined)]);

        Assert.Equal(3, outcomes.Count);
        Assert.StartsWith("consumed=38 GET (Get) /a Http11", outcomes[0], StringComparison.Ordinal);
        Assert.StartsWith("consumed=80 HEAD (Head) http://two.example/b?c Http11 form=Absolute path=/b query=c authority=two.example", outcomes[1], StringComparison.Ordinal);
        Assert.Contains("keepAlive=False", outcomes[1], StringComparison.Ordinal);
        Assert.Equal("unconsumed=0", outcomes[2]);
    }

    [Fact]
    public void Pipelined_EverySplit_ParsesIdentically()
    {
        byte[] bytes = Bytes(Pipelined);
        string expected = string.Join('\n', RequestHeads.Feed([bytes]));

        for (int split = 1; split < bytes.Length; split++)
        {
            string actual = string.Join('\n', RequestHeads.Feed(SplitAt(bytes, split)));
            Assert.Equal($"split {split}: {expected}", $"split {split}: {actual}");
        }
    }

    [Fact]
    public void Pipelined_EveryTwoSplits_ParsesIdentically()
    {
        byte[] bytes = Bytes(Pipelined);
        string expected = string.Join('\n', RequestHeads.Feed([bytes]));

        for (int first = 1; first < bytes.Length; first += 3)
        {
            for (int second = first + 1; second < bytes.Length; second++)
            {
                string actual = string.Join('\n', RequestHeads.Feed(SplitAt(bytes, first, second)));
                Assert.Equal($"split {first},{second}: {expected}", $"split {first},{second}: {actual}");
            }
        }
    }

    [Fact]
    public void Pipelined_OneBytePerSegment_ParsesIdentically()
    {
        byte[] bytes = Bytes(Pipelined);
        List<string> expected = RequestHeads.Feed([bytes]);

        List<string> actual = RequestHeads.Feed(OneBytePerSegment(bytes));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Incomplete_EverySplit_NeedsMoreData()
    {
        byte[] bytes = Bytes(Single[..^2]);

        for (int split = 1; split < bytes.Length; split++)
        {
            List<string> outcomes = RequestHeads.Feed(SplitAt(bytes, split));
            Assert.Equal($"split {split}: unconsumed={bytes.Length}", $"split {split}: {Assert.Single(outcomes)}");
        }
    }

    [Fact]
    public void InvalidHead_EverySplit_RejectedIdentically()
    {
        byte[] bytes = Bytes("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n");

        for (int split = 1; split < bytes.Length; split++)
        {
            List<string> outcomes = RequestHeads.Feed(SplitAt(bytes, split));
            Assert.Equal($"split {split}: rejected WhitespaceBeforeColon", $"split {split}: {outcomes[0]}");
        }
    }
}
