using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Identity;

/// <summary>
/// Log events of the identity module, ids 300-399. Ids are a contract with log pipelines: never renumber one.
/// No event carries a token, an API key or key material; a kid and an issuer are public values.
/// </summary>
internal static partial class IdentityLog
{
    [LoggerMessage(EventId = 300, EventName = "KeySetFetchFailed", Level = LogLevel.Warning,
        Message = "Fetching the signing keys of issuer {Issuer} from {Source} failed ({ConsecutiveFailures} in a row, {KeyCount} cached keys kept): {Error}")]
    public static partial void KeySetFetchFailed(ILogger logger, string issuer, string source, int consecutiveFailures, int keyCount, string error);

    [LoggerMessage(EventId = 301, EventName = "KeySetRecovered", Level = LogLevel.Information,
        Message = "Fetching the signing keys of issuer {Issuer} works again after {FailureCount} failures; {KeyCount} keys loaded")]
    public static partial void KeySetRecovered(ILogger logger, string issuer, int failureCount, int keyCount);

    [LoggerMessage(EventId = 302, EventName = "KeySetChanged", Level = LogLevel.Information,
        Message = "Signing keys of issuer {Issuer} changed: {KeyCount} keys, kids {KeyIds}")]
    public static partial void KeySetChanged(ILogger logger, string issuer, int keyCount, string keyIds);

    [LoggerMessage(EventId = 303, EventName = "UnknownKeyRefresh", Level = LogLevel.Debug,
        Message = "Token of issuer {Issuer} names unknown kid {KeyId}; refreshing the key set")]
    public static partial void UnknownKeyRefresh(ILogger logger, string issuer, string keyId);

    [LoggerMessage(EventId = 310, EventName = "TokenRejected", Level = LogLevel.Debug,
        Message = "Bearer token rejected ({Reason}): {Description}")]
    public static partial void TokenRejected(ILogger logger, AuthFailureReason reason, string description);

    [LoggerMessage(EventId = 311, EventName = "ApiKeyRejected", Level = LogLevel.Debug,
        Message = "API key rejected ({Reason}): {Description}")]
    public static partial void ApiKeyRejected(ILogger logger, AuthFailureReason reason, string description);
}
