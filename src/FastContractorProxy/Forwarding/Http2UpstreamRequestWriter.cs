using System.Buffers;
using FastContractorProxy.Http1;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Forwarding;

/// <summary>
/// Writes the HTTP/1.1 request head for a validated HTTP/2 request, with the same rules as
/// <see cref="RequestWriter"/>: origin-form with the canonical path, Host from the authority that was routed on,
/// the client's fields minus hop-by-hop, identity and stripped ones, then the proxy's own fields, then framing
/// chosen by the proxy. Cookie crumbs are joined into one field (RFC 9113 section 8.2.3).
/// </summary>
internal static class Http2UpstreamRequestWriter
{
    /// <param name="hasBody">The request has DATA to follow: Content-Length frames it when content-length is known, else chunked.</param>
    public static void WriteHead(IBufferWriter<byte> output, Http2RequestHead head, FieldFilter filter, scoped in ForwardedValues values, bool hasBody, KnownMethod method)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(filter);
        HeaderFieldList fields = head.Fields;
        ReadOnlySpan<byte> authority = head.HasAuthority ? head.Authority : head.Host;

        output.Write(head.Method);
        output.Write(" "u8);
        output.Write(values.CanonicalPath);
        ReadOnlySpan<byte> target = head.Path;
        int query = target.IndexOf((byte)'?');
        if (query >= 0)
        {
            output.Write(target[query..]);
        }

        output.Write(" HTTP/1.1\r\n"u8);
        HeadWriter.WriteField(output, "Host"u8, authority);

        bool keepForwardedFor = values.PeerIsTrustedProxy;
        bool anyForwardedFor = false;
        for (int i = head.FirstRegularFieldIndex; i < fields.Count; i++)
        {
            ReadOnlySpan<byte> name = fields.GetName(i);
            if (IsForwardedFor(name))
            {
                anyForwardedFor = true;
                continue;
            }

            if (!ShouldForward(name, filter, values.StripAuthorization))
            {
                continue;
            }

            HeadWriter.WriteField(output, name, fields.GetValue(i));
        }

        if (head.CookieFieldCount > 0 && !filter.ShouldStrip("cookie"u8))
        {
            HeadWriter.WriteField(output, "cookie"u8, head.Cookie);
        }

        WriteForwardedFor(output, fields, head.FirstRegularFieldIndex, keepForwardedFor && anyForwardedFor, values.PeerAddress);
        RequestWriter.WriteProxyFields(output, authority, filter, values);

        if (head.ContentLength >= 0)
        {
            HeadWriter.WriteNumberField(output, "Content-Length"u8, head.ContentLength);
        }
        else if (hasBody)
        {
            output.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (method is KnownMethod.Post or KnownMethod.Put or KnownMethod.Patch)
        {
            // An HTTP/1.1 request of a method that defines content states its length, even when it is empty.
            output.Write("Content-Length: 0\r\n"u8);
        }

        output.Write("\r\n"u8);
    }

    // Fields the proxy writes itself (Host, framing, request id, forwarding fields, cookie), hop-by-hop fields,
    // identity and strip-list fields, and Authorization when the route does not forward credentials are left out.
    private static bool ShouldForward(ReadOnlySpan<byte> name, FieldFilter filter, bool stripAuthorization)
    {
        FieldKind kind = FieldSectionParser.Classify(name);
        if (kind is FieldKind.Host or FieldKind.ContentLength or FieldKind.TransferEncoding or FieldKind.Connection or
            FieldKind.Upgrade or FieldKind.HopByHop or FieldKind.RequestId or FieldKind.Expect)
        {
            return false;
        }

        if (kind == FieldKind.Authorization && stripAuthorization)
        {
            return false;
        }

        return !name.SequenceEqual("cookie"u8) && !IsSetByProxy(name) && !filter.ShouldStrip(name);
    }

    // A trusted peer's chain is kept, each entry checked as an IP address; the peer is always appended last.
    private static void WriteForwardedFor(IBufferWriter<byte> output, HeaderFieldList fields, int firstRegularField, bool keepChain, ReadOnlySpan<byte> peer)
    {
        output.Write("X-Forwarded-For: "u8);
        if (keepChain)
        {
            for (int i = firstRegularField; i < fields.Count; i++)
            {
                if (!IsForwardedFor(fields.GetName(i)))
                {
                    continue;
                }

                RequestWriter.WriteForwardedForEntries(output, fields.GetValue(i));
            }
        }

        output.Write(peer);
        output.Write("\r\n"u8);
    }

    private static bool IsForwardedFor(ReadOnlySpan<byte> name) =>
        FieldSectionParser.NamesMatch(name, "x-forwarded-for"u8);

    private static bool IsSetByProxy(ReadOnlySpan<byte> name) =>
        FieldSectionParser.NamesMatch(name, "x-forwarded-proto"u8) ||
        FieldSectionParser.NamesMatch(name, "x-forwarded-host"u8);
}
