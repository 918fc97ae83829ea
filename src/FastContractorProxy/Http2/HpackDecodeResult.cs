namespace FastContractorProxy.Http2;

/// <summary>
/// Outcome of decoding a field block. <see cref="HeaderListTooLarge"/> fails only the stream, with a 431-like
/// response or RST_STREAM, because the decoder keeps its dynamic table in step with the peer even then. Every
/// value after it is a decoding error, which is a connection error of type COMPRESSION_ERROR (RFC 9113 section 4.3).
/// </summary>
internal enum HpackDecodeResult : byte
{
    Success,

    /// <summary>The decoded field list exceeds the decoder's header list size limit (SETTINGS_MAX_HEADER_LIST_SIZE).</summary>
    HeaderListTooLarge,

    /// <summary>The block ends inside an integer or a string.</summary>
    TruncatedBlock,

    /// <summary>An integer is above 2^31-1 or uses more continuation bytes than such a value needs.</summary>
    IntegerOverflow,

    /// <summary>An index is 0 or beyond the static and dynamic tables.</summary>
    InvalidIndex,

    /// <summary>A Huffman-coded string ends with 8 or more bits of padding.</summary>
    HuffmanPaddingTooLong,

    /// <summary>A Huffman-coded string ends with padding that is not a prefix of the EOS code (all ones).</summary>
    HuffmanPaddingNotEos,

    /// <summary>A Huffman-coded string contains the EOS symbol.</summary>
    HuffmanEosSymbol,

    /// <summary>A dynamic table size update follows a field representation in the same block.</summary>
    SizeUpdateNotAtBlockStart,

    /// <summary>A dynamic table size update exceeds the SETTINGS_HEADER_TABLE_SIZE this endpoint sent.</summary>
    SizeUpdateAboveLimit,

    /// <summary>The first block after this endpoint lowered SETTINGS_HEADER_TABLE_SIZE lacks the required size update.</summary>
    SizeUpdateMissing,
}

internal static class HpackDecodeResultExtensions
{
    /// <summary>Whether the result is a decoding error, which fails the connection with COMPRESSION_ERROR.</summary>
    public static bool IsCompressionError(this HpackDecodeResult result) => result > HpackDecodeResult.HeaderListTooLarge;
}
