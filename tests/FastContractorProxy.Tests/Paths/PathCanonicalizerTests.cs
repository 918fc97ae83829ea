using System.Text;
using FastContractorProxy.Http1;
using FastContractorProxy.Paths;

namespace FastContractorProxy.Tests.Paths;

public class PathCanonicalizerTests
{
    private static (RejectReason Reason, string Path) Canonicalize(string rawPath, PathOptions options)
    {
        byte[] raw = Encoding.Latin1.GetBytes(rawPath);
        byte[] destination = new byte[raw.Length];
        RejectReason reason = PathCanonicalizer.Canonicalize(raw, destination, options, out int written);
        return (reason, Encoding.Latin1.GetString(destination, 0, written));
    }

    private static (RejectReason Reason, string Path) Canonicalize(string rawPath) => Canonicalize(rawPath, PathOptions.Strict);

    private static RejectReason Reject(string rawPath, PathOptions options)
    {
        (RejectReason reason, string path) = Canonicalize(rawPath, options);
        Assert.Equal("", path);
        return reason;
    }

    [Theory]
    [InlineData("/public/../admin/users")]
    [InlineData("/public/%2e%2e/admin/users")]
    [InlineData("/public/%2E%2e/admin/users")]
    [InlineData("/public/.%2e/admin/users")]
    [InlineData("/public/%2e./admin/users")]
    [InlineData("/./admin/users")]
    [InlineData("/%2e/admin/users")]
    [InlineData("//admin/users")]
    [InlineData("/admin//users")]
    [InlineData("/admin/./users")]
    [InlineData("/../admin/users")]
    [InlineData("/../../admin/users")]
    [InlineData("/a/b/../../admin/users")]
    [InlineData("/%61dmin/users")]
    [InlineData("/admin/us%65rs")]
    public void DotSegmentsAndEscapes_ResolveToAdmin(string raw)
    {
        (RejectReason reason, string path) = Canonicalize(raw);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal("/admin/users", path);
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/public/a/../ok", "/public/ok")]
    [InlineData("/a/b/c", "/a/b/c")]
    [InlineData("/..", "/")]
    [InlineData("/../..", "/")]
    [InlineData("/.", "/")]
    [InlineData("//", "/")]
    [InlineData("///a", "/a")]
    [InlineData("/a/..", "/")]
    [InlineData("/a/../", "/")]
    [InlineData("/a/b/..", "/a/")]
    [InlineData("/a/b/.", "/a/b/")]
    [InlineData("/a/b/./", "/a/b/")]
    [InlineData("/a/", "/a/")]
    [InlineData("/a//", "/a/")]
    [InlineData("/a/b/", "/a/b/")]
    [InlineData("/a/.b", "/a/.b")]
    [InlineData("/a/..b", "/a/..b")]
    [InlineData("/a/b..", "/a/b..")]
    [InlineData("/a/...", "/a/...")]
    [InlineData("/a/.../b", "/a/.../b")]
    public void DotSegmentsAndSlashes_Resolved(string raw, string expected)
    {
        (RejectReason reason, string path) = Canonicalize(raw);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(expected, path);
    }

    [Theory]
    [InlineData("/%41", "/A")]
    [InlineData("/%7e%2D%5f%2E%30", "/~-_.0")]
    [InlineData("/a%20b", "/a%20b")]
    [InlineData("/a%3fb", "/a%3Fb")]
    [InlineData("/a%3Bb", "/a%3Bb")]
    [InlineData("/a%25", "/a%25")]
    [InlineData("/%C3%A9", "/%C3%A9")]
    [InlineData("/%c3%a9", "/%C3%A9")]
    [InlineData("/%E2%82%AC", "/%E2%82%AC")]
    [InlineData("/%F0%9F%98%80", "/%F0%9F%98%80")]
    [InlineData("/a%2a", "/a%2A")]
    public void Escapes_UnreservedDecodedOthersUppercased(string raw, string expected)
    {
        (RejectReason reason, string path) = Canonicalize(raw);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(expected, path);
    }

    [Fact]
    public void Escapes_DecodedOnlyOnce()
    {
        (RejectReason reason, string path) = Canonicalize("/public/%252e%252e/admin/users");

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal("/public/%252e%252e/admin/users", path);
    }

    [Fact]
    public void Escapes_CanonicalOutputIsStable()
    {
        (_, string once) = Canonicalize("/public/%252e%252e/./a%2a/%C3%a9/../b%7e");

        (RejectReason reason, string twice) = Canonicalize(once);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(once, twice);
    }

    [Theory]
    [InlineData("/admin%2Fusers")]
    [InlineData("/admin%2fusers")]
    [InlineData("/public%2F..%2Fadmin/users")]
    [InlineData("/admin%5Cusers")]
    [InlineData("/admin%5cusers")]
    public void EncodedSlash_Rejected(string raw)
    {
        RejectReason reason = Reject(raw, PathOptions.Strict);

        Assert.Equal(RejectReason.EncodedSlashInPath, reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(reason));
    }

    [Fact]
    public void EncodedSlash_AllowedByRoute_KeptOpaque()
    {
        (RejectReason reason, string path) = Canonicalize("/public%2f..%2Fadmin/users", new PathOptions(true, false));

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal("/public%2F..%2Fadmin/users", path);
    }

    [Fact]
    public void EncodedBackslash_AllowedSlashRoute_StillRejected()
    {
        Assert.Equal(RejectReason.EncodedSlashInPath, Reject("/admin%5Cusers", new PathOptions(true, false)));
    }

    [Fact]
    public void RawBackslash_Rejected()
    {
        Assert.Equal(RejectReason.BackslashInPath, Reject("/admin\\users", PathOptions.Strict));
    }

    [Theory]
    [InlineData("/%00")]
    [InlineData("/a%0a")]
    [InlineData("/a%0D%0Ab")]
    [InlineData("/a%09")]
    [InlineData("/a%1f")]
    [InlineData("/a%7F")]
    [InlineData("/%zz")]
    [InlineData("/%g1")]
    [InlineData("/%1g")]
    [InlineData("/%4")]
    [InlineData("/%")]
    [InlineData("/a%%41")]
    [InlineData("/%C3")]
    [InlineData("/%C3/")]
    [InlineData("/%FF")]
    [InlineData("/%C0%AE")]
    [InlineData("/%E2%82")]
    [InlineData("/%ED%A0%80")]
    [InlineData("/%A9")]
    [InlineData("/a b")]
    [InlineData("/a\tb")]
    [InlineData("/a\u007f")]
    [InlineData("/caf\u00e9")]
    [InlineData("/a\u0000")]
    public void InvalidBytesOrEscapes_Rejected(string raw)
    {
        RejectReason reason = Reject(raw, PathOptions.Strict);

        Assert.Equal(RejectReason.InvalidPath, reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(reason));
    }

    [Fact]
    public void LongPathWithMultibyteEscapes_Validated()
    {
        string valid = "/" + string.Concat(Enumerable.Repeat("%C3%A9", 200));
        string invalid = valid + "%C3";

        Assert.Equal(RejectReason.None, Canonicalize(valid).Reason);
        Assert.Equal(RejectReason.InvalidPath, Canonicalize(invalid).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("admin")]
    [InlineData("*")]
    public void NoLeadingSlash_Rejected(string raw)
    {
        Assert.Equal(RejectReason.InvalidRequestTarget, Reject(raw, PathOptions.Strict));
    }

    [Theory]
    [InlineData("/admin;jsessionid=1/users")]
    [InlineData("/admin/..;/users")]
    [InlineData("/;")]
    public void PathParameter_RejectedByDefault(string raw)
    {
        RejectReason reason = Reject(raw, PathOptions.Strict);

        Assert.Equal(RejectReason.PathParameterInPath, reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(reason));
    }

    [Theory]
    [InlineData("/admin;jsessionid=1/users", "/admin;jsessionid=1/users")]
    [InlineData("/a/..;/b", "/a/..;/b")]
    [InlineData("/a/b;x/../c", "/a/c")]
    public void PathParameter_AllowedByRoute_Kept(string raw, string expected)
    {
        (RejectReason reason, string path) = Canonicalize(raw, new PathOptions(false, true));

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(expected, path);
    }

    [Fact]
    public void Destination_ExactRawLength_Suffices()
    {
        byte[] raw = "/a/b/"u8.ToArray();
        byte[] destination = new byte[raw.Length];

        RejectReason reason = PathCanonicalizer.Canonicalize(raw, destination, PathOptions.Strict, out int written);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal("/a/b/", Encoding.ASCII.GetString(destination, 0, written));
    }
}
