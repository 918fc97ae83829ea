namespace FastContractorProxy.Configuration;

/// <summary>
/// Limits of one HTTP/2 client connection. The defaults follow common server practice: nginx allows 128
/// concurrent streams, and Envoy caps queued outbound control frames at 1000. Budgets count frames in a fixed
/// window of <see cref="BudgetWindow"/>; a connection that exceeds one receives GOAWAY(ENHANCE_YOUR_CALM) and is closed.
/// </summary>
internal sealed record Http2Limits
{
    public static Http2Limits Default { get; } = new();

    /// <summary>Streams whose exchange is still running, counted until the exchange ends, not until the protocol closes the stream.</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE sent to the client: request body bytes buffered per stream before a WINDOW_UPDATE.</summary>
    public int InitialStreamWindowSize { get; init; } = 256 * 1024;

    /// <summary>Connection receive window: request body bytes buffered over all streams of the connection.</summary>
    public int ConnectionWindowSize { get; init; } = 1024 * 1024;

    /// <summary>Largest HEADERS plus CONTINUATION payload of one field block, in bytes, before decoding.</summary>
    public int MaxFieldBlockBytes { get; init; } = 64 * 1024;

    /// <summary>CONTINUATION frames allowed after one HEADERS frame.</summary>
    public int MaxContinuationFrames { get; init; } = 32;

    /// <summary>Length of the window in which the frame budgets below are counted.</summary>
    public TimeSpan BudgetWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>RST_STREAM frames received per budget window.</summary>
    public int MaxResetsReceived { get; init; } = 1000;

    /// <summary>Streams reset by the proxy (refused or malformed requests) per budget window.</summary>
    public int MaxResetsSent { get; init; } = 1000;

    /// <summary>PING frames received per budget window.</summary>
    public int MaxPings { get; init; } = 1000;

    /// <summary>SETTINGS frames received per budget window, acknowledgements included.</summary>
    public int MaxSettings { get; init; } = 1000;

    /// <summary>PRIORITY frames received per budget window.</summary>
    public int MaxPriorities { get; init; } = 1000;

    /// <summary>DATA and CONTINUATION frames with an empty payload that do not end anything, per budget window.</summary>
    public int MaxEmptyFrames { get; init; } = 1000;

    /// <summary>Control frames (acknowledgements, resets, window updates) buffered before the reader waits for the client to read them.</summary>
    public int MaxPendingControlBytes { get; init; } = 64 * 1024;

    /// <summary>Longest time a response waits for the client to open its flow-control window; then the stream is reset.</summary>
    public TimeSpan SendWindowTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After GOAWAY, how long the proxy reads and discards input before it closes, so the client can read the GOAWAY.</summary>
    public TimeSpan LingerTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
