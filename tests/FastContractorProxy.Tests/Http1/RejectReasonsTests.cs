using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

public class RejectReasonsTests
{
    [Theory]
    [InlineData(nameof(RejectReason.InvalidRequestLine), 400)]
    [InlineData(nameof(RejectReason.InvalidMethod), 400)]
    [InlineData(nameof(RejectReason.InvalidRequestTarget), 400)]
    [InlineData(nameof(RejectReason.RequestLineTooLong), 414)]
    [InlineData(nameof(RejectReason.UnsupportedHttpVersion), 505)]
    [InlineData(nameof(RejectReason.ConnectNotSupported), 405)]
    [InlineData(nameof(RejectReason.AsteriskFormNotOptions), 400)]
    [InlineData(nameof(RejectReason.UserInfoInTarget), 400)]
    [InlineData(nameof(RejectReason.UnsupportedScheme), 400)]
    [InlineData(nameof(RejectReason.InvalidFieldName), 400)]
    [InlineData(nameof(RejectReason.WhitespaceBeforeColon), 400)]
    [InlineData(nameof(RejectReason.InvalidFieldValue), 400)]
    [InlineData(nameof(RejectReason.ObsoleteLineFolding), 400)]
    [InlineData(nameof(RejectReason.BareLineFeed), 400)]
    [InlineData(nameof(RejectReason.BareCarriageReturn), 400)]
    [InlineData(nameof(RejectReason.HeaderSectionTooLarge), 431)]
    [InlineData(nameof(RejectReason.TooManyFields), 431)]
    [InlineData(nameof(RejectReason.MissingHost), 400)]
    [InlineData(nameof(RejectReason.MultipleHost), 400)]
    [InlineData(nameof(RejectReason.InvalidHost), 400)]
    [InlineData(nameof(RejectReason.MultipleAuthorization), 400)]
    [InlineData(nameof(RejectReason.AuditUnavailable), 503)]
    [InlineData(nameof(RejectReason.HostMismatch), 400)]
    [InlineData(nameof(RejectReason.InvalidContentLength), 400)]
    [InlineData(nameof(RejectReason.ConflictingContentLength), 400)]
    [InlineData(nameof(RejectReason.ContentLengthWithTransferEncoding), 400)]
    [InlineData(nameof(RejectReason.TransferEncodingInHttp10), 400)]
    [InlineData(nameof(RejectReason.ChunkedNotFinal), 400)]
    [InlineData(nameof(RejectReason.InvalidTransferCoding), 400)]
    [InlineData(nameof(RejectReason.UnsupportedTransferCoding), 501)]
    [InlineData(nameof(RejectReason.InvalidChunkSize), 400)]
    [InlineData(nameof(RejectReason.ChunkSizeTooLarge), 400)]
    [InlineData(nameof(RejectReason.InvalidChunkExtension), 400)]
    [InlineData(nameof(RejectReason.MissingChunkTerminator), 400)]
    [InlineData(nameof(RejectReason.InvalidTrailer), 400)]
    [InlineData(nameof(RejectReason.TrailerSectionTooLarge), 431)]
    [InlineData(nameof(RejectReason.RequestBodyTooLarge), 413)]
    [InlineData(nameof(RejectReason.UnexpectedEndOfBody), 400)]
    [InlineData(nameof(RejectReason.UnsupportedExpectation), 417)]
    [InlineData(nameof(RejectReason.InvalidUpgrade), 400)]
    [InlineData(nameof(RejectReason.InvalidPath), 400)]
    [InlineData(nameof(RejectReason.EncodedSlashInPath), 400)]
    [InlineData(nameof(RejectReason.BackslashInPath), 400)]
    [InlineData(nameof(RejectReason.PathParameterInPath), 400)]
    [InlineData(nameof(RejectReason.NoRoute), 404)]
    [InlineData(nameof(RejectReason.RequestHeadersTimeout), 408)]
    [InlineData(nameof(RejectReason.RequestBodyTimeout), 408)]
    [InlineData(nameof(RejectReason.UpstreamConnectFailed), 502)]
    [InlineData(nameof(RejectReason.UpstreamConnectTimeout), 504)]
    [InlineData(nameof(RejectReason.UpstreamResponseTimeout), 504)]
    [InlineData(nameof(RejectReason.UpstreamInvalidResponse), 502)]
    [InlineData(nameof(RejectReason.UpstreamClosed), 502)]
    public void Reason_MapsToStatusCode(string reasonName, int expected)
    {
        RejectReason reason = Enum.Parse<RejectReason>(reasonName);

        Assert.Equal(expected, RejectReasons.GetStatusCode(reason));
    }

    [Fact]
    public void EveryRejection_HasErrorStatusAndMessage()
    {
        foreach (RejectReason reason in Enum.GetValues<RejectReason>().Where(r => r != RejectReason.None))
        {
            int status = RejectReasons.GetStatusCode(reason);
            Assert.True(status is >= 400 and <= 599, $"{reason} maps to {status}");
            Assert.False(string.IsNullOrWhiteSpace(RejectReasons.GetMessage(reason)), $"{reason} has no message");
        }
    }

    [Fact]
    public void EveryRejection_ListedInStatusTable()
    {
        int listed = typeof(RejectReasonsTests).GetMethod(nameof(Reason_MapsToStatusCode))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Length;

        Assert.Equal(Enum.GetValues<RejectReason>().Length - 1, listed);
    }
}
