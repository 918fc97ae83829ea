using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>
/// HTTP/2 connection log events, ids 700-719. Ids are a contract with log pipelines: never renumber one.
/// Client mistakes and floods are Debug, because a client can cause them at will.
/// </summary>
internal static partial class Http2Log
{
    [LoggerMessage(EventId = 700, EventName = "Http2ConnectionError", Level = LogLevel.Debug, Message = "HTTP/2 connection from {Peer} failed with {ErrorCode}: {Reason}; sent GOAWAY with last stream {LastStreamId}")]
    public static partial void ConnectionError(ILogger logger, string peer, string errorCode, string reason, int lastStreamId);

    [LoggerMessage(EventId = 701, EventName = "Http2StreamError", Level = LogLevel.Debug, Message = "HTTP/2 stream {StreamId} from {Peer} reset with {ErrorCode}: {Reason}")]
    public static partial void StreamError(ILogger logger, string peer, int streamId, string errorCode, string reason);

    [LoggerMessage(EventId = 702, EventName = "Http2MalformedRequest", Level = LogLevel.Debug, Message = "HTTP/2 stream {StreamId} from {Peer} carried a malformed request ({Reason}); reset with PROTOCOL_ERROR")]
    public static partial void MalformedRequest(ILogger logger, string peer, int streamId, string reason);

    [LoggerMessage(EventId = 703, EventName = "Http2FloodDetected", Level = LogLevel.Debug, Message = "HTTP/2 connection from {Peer} exceeded the budget of {Budget} {FrameKind} per {WindowSeconds} s; sent GOAWAY with ENHANCE_YOUR_CALM")]
    public static partial void FloodDetected(ILogger logger, string peer, string frameKind, int budget, double windowSeconds);

    [LoggerMessage(EventId = 704, EventName = "Http2GoAwayReceived", Level = LogLevel.Debug, Message = "HTTP/2 client {Peer} sent GOAWAY with {ErrorCode} and last stream {LastStreamId}")]
    public static partial void GoAwayReceived(ILogger logger, string peer, string errorCode, int lastStreamId);

    [LoggerMessage(EventId = 705, EventName = "Http2StreamRefused", Level = LogLevel.Debug, Message = "HTTP/2 stream {StreamId} from {Peer} refused: {Running} exchanges are running, the limit is {Limit}")]
    public static partial void StreamRefused(ILogger logger, string peer, int streamId, int running, int limit);

    [LoggerMessage(EventId = 706, EventName = "Http2SendWindowTimedOut", Level = LogLevel.Debug, Message = "HTTP/2 stream {StreamId} from {Peer} waited longer than {TimeoutSeconds} s for flow-control window; reset with CANCEL")]
    public static partial void SendWindowTimedOut(ILogger logger, string peer, int streamId, double timeoutSeconds);

    [LoggerMessage(EventId = 707, EventName = "Http2ConnectionDraining", Level = LogLevel.Debug, Message = "HTTP/2 connection from {Peer} is draining ({Reason}); sent GOAWAY with last stream {LastStreamId}")]
    public static partial void ConnectionDraining(ILogger logger, string peer, string reason, int lastStreamId);
}
