using System.Buffers;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Forwarding;

/// <summary>What the proxy adds to a request, computed by the connection before the head is written.</summary>
internal ref struct ForwardedValues
{
    /// <summary>The canonical path that was authorized. It is the only path sent to the upstream.</summary>
    public ReadOnlySpan<byte> CanonicalPath;

    /// <summary>The client's address as text, appended to X-Forwarded-For.</summary>
    public ReadOnlySpan<byte> PeerAddress;

    /// <summary>True when the peer is a trusted proxy, so the client's X-Forwarded-For chain is kept in front of the peer.</summary>
    public bool PeerIsTrustedProxy;

    public ReadOnlySpan<byte> Scheme;

    public ReadOnlySpan<byte> RequestId;

    /// <summary>Remove the client's Authorization field; the route does not forward credentials.</summary>
    public bool StripAuthorization;

    /// <summary>Values for the identity fields, from the validated credential; null leaves a field out.</summary>
    public string? ContractorId;

    public string? Organization;

    public string? Scopes;
}

/// <summary>
/// Writes the upstream request head: origin-form with the canonical path, the Host from the authority that
/// was routed on, the client's fields minus hop-by-hop and stripped ones, then the proxy's own fields, then
/// framing chosen by the proxy. Client fields are removed before the proxy's are added, so a client can
/// never remove or pre-empt a field the proxy sets.
/// </summary>
internal static class RequestWriter
{
    public static void WriteHead(IBufferWriter<byte> output, RequestHead head, FieldFilter filter, scoped in ForwardedValues values)
    {
        ReadOnlySpan<byte> section = head.Section;

        output.Write(head[head.MethodRange]);
        output.Write(" "u8);
        output.Write(values.CanonicalPath);
        if (!head.Query.IsNone)
        {
            output.Write("?"u8);
            output.Write(head[head.Query]);
        }

        output.Write(" HTTP/1.1\r\n"u8);
        HeadWriter.WriteField(output, "Host"u8, head[head.Authority]);

        bool keepForwardedFor = values.PeerIsTrustedProxy;
        int forwardedForFields = 0;
        for (int i = 0; i < head.FieldCount; i++)
        {
            FieldLine field = head.Fields[i];
            ReadOnlySpan<byte> name = field.Name(section);
            if (keepForwardedFor && IsForwardedFor(name))
            {
                forwardedForFields++;
                continue;
            }

            if (field.Dropped || IsSetByProxy(name) || filter.ShouldStrip(name) ||
                (values.StripAuthorization && field.Kind == FieldKind.Authorization))
            {
                continue;
            }

            HeadWriter.WriteField(output, name, field.Value(section));
        }

        WriteForwardedFor(output, head, keepForwardedFor && forwardedForFields > 0, values.PeerAddress);
        WriteProxyFields(output, head[head.Authority], filter, values);

        if (head.WebSocketUpgrade)
        {
            output.Write("Connection: upgrade\r\nUpgrade: websocket\r\n"u8);
        }

        if (head.Chunked)
        {
            output.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (head.ContentLength >= 0)
        {
            HeadWriter.WriteNumberField(output, "Content-Length"u8, head.ContentLength);
        }

        output.Write("\r\n"u8);
    }

    /// <summary>
    /// Writes the fields the proxy owns after X-Forwarded-For: X-Forwarded-Proto and -Host, X-Request-Id and the
    /// identity fields. HTTP/1.1 and HTTP/2 requests share it, so both send the upstream the same fields.
    /// </summary>
    internal static void WriteProxyFields(IBufferWriter<byte> output, ReadOnlySpan<byte> authority, FieldFilter filter, scoped in ForwardedValues values)
    {
        HeadWriter.WriteField(output, "X-Forwarded-Proto"u8, values.Scheme);
        HeadWriter.WriteField(output, "X-Forwarded-Host"u8, authority);
        HeadWriter.WriteField(output, "X-Request-Id"u8, values.RequestId);
        if (values.ContractorId is not null)
        {
            HeadWriter.WriteTextField(output, filter.ContractorIdField, values.ContractorId);
        }

        if (values.Organization is not null)
        {
            HeadWriter.WriteTextField(output, filter.OrganizationField, values.Organization);
        }

        if (values.Scopes is { Length: > 0 })
        {
            HeadWriter.WriteTextField(output, filter.ScopesField, values.Scopes);
        }
    }

    /// <summary>Writes the entries of one X-Forwarded-For value of a trusted peer that are IP addresses, each followed by ", ".</summary>
    internal static void WriteForwardedForEntries(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> entry = HttpChars.TrimWhitespace(value[range]);
            if (System.Net.IPAddress.TryParse(entry, out _))
            {
                output.Write(entry);
                output.Write(", "u8);
            }
        }
    }

    // A trusted peer's chain is kept, each entry checked as an IP address; the peer is always appended last.
    private static void WriteForwardedFor(IBufferWriter<byte> output, RequestHead head, bool keepChain, ReadOnlySpan<byte> peer)
    {
        output.Write("X-Forwarded-For: "u8);
        if (keepChain)
        {
            ReadOnlySpan<byte> section = head.Section;
            for (int i = 0; i < head.FieldCount; i++)
            {
                FieldLine field = head.Fields[i];
                if (!IsForwardedFor(field.Name(section)))
                {
                    continue;
                }

                WriteForwardedForEntries(output, field.Value(section));
            }
        }

        output.Write(peer);
        output.Write("\r\n"u8);
    }

    private static bool IsForwardedFor(ReadOnlySpan<byte> name) =>
        FieldSectionParser.NamesMatch(name, "x-forwarded-for"u8);

    // The proxy writes these fields itself, so a client's copy is never forwarded, whatever the strip list contains.
    private static bool IsSetByProxy(ReadOnlySpan<byte> name) =>
        IsForwardedFor(name) ||
        FieldSectionParser.NamesMatch(name, "x-forwarded-proto"u8) ||
        FieldSectionParser.NamesMatch(name, "x-forwarded-host"u8);
}
