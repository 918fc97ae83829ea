using System.Net.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastContractorProxy.Identity;

/// <summary>
/// Entry point of the identity module: turns the value of an Authorization field (or of the API-key field)
/// into a <see cref="CallerIdentity"/> or a failure reason. <see cref="Authenticate"/> is synchronous and
/// allocation-free for cached tokens and API keys; only <see cref="AuthenticateAsync"/> waits, and only for
/// a key fetch.
/// </summary>
internal sealed class Authenticator : IAsyncDisposable
{
    private const int MaxKeyFetchBytes = 1024 * 1024;

    private static ReadOnlySpan<byte> BearerScheme => "Bearer"u8;

    private static ReadOnlySpan<byte> ApiKeyScheme => "ApiKey"u8;

    private readonly IdentitySettings _settings;
    private readonly IssuerKeyStore[] _stores;
    private readonly JwtValidator _validator;
    private readonly TokenCache _cache;
    private volatile ApiKeyStore _apiKeys;
    private readonly ILogger _logger;
    private readonly HttpClient? _ownedHttp;
    private readonly bool _apiKeyInAuthorization;
    private readonly string[] _challenges;
    private readonly AuthResult _tooLarge;
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _refreshLoops = [];

    /// <param name="http">Client for discovery and JWKS requests; null creates one with a 10 s timeout and a 1 MiB response limit.</param>
    public Authenticator(IdentitySettings settings, HttpClient? http = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        _settings = settings;
        time ??= TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FastContractorProxy.Identity");
        if (http is null)
        {
            _ownedHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = MaxKeyFetchBytes };
            http = _ownedHttp;
        }

        _stores = settings.Issuers.Select(issuer => new IssuerKeyStore(issuer, http, time, _logger)).ToArray();
        _validator = new JwtValidator(_stores, settings.MaxTokenBytes);
        _cache = new TokenCache(settings.TokenCacheEntries, settings.TokenCacheMaxLifetime, time);
        _apiKeys = new ApiKeyStore(settings.ApiKeys);

        // A cached token signed by a retired key must not outlive the key, so any key-set change empties the cache.
        foreach (IssuerKeyStore store in _stores)
        {
            store.KeysChanged += _cache.Clear;
        }

        _apiKeyInAuthorization = string.Equals(settings.ApiKeyHeader, "Authorization", StringComparison.OrdinalIgnoreCase);
        _tooLarge = AuthResult.Failed(AuthFailureReason.TooLarge, $"the token is longer than {settings.MaxTokenBytes} bytes");
        _challenges = Enum.GetValues<AuthFailureReason>()
            .Select(reason => BearerChallenge.Format(settings.Realm, reason, DescriptionFor(reason)))
            .ToArray();
    }

    public IdentitySettings Settings => _settings;

    internal TokenCache Cache => _cache;

    internal IReadOnlyList<IssuerKeyStore> KeyStores => _stores;

    /// <summary>Fetches every issuer's keys once, then keeps refreshing them in the background until disposed.</summary>
    /// <remarks>An issuer whose first fetch fails does not fail the start; its health reports it as unavailable.</remarks>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_stores.Select(store => store.RefreshAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        _refreshLoops = _stores.Select(store => store.RunAsync(_stopping.Token)).ToArray();
    }

    /// <summary>
    /// Authenticates the value of the Authorization field (<c>Bearer &lt;token&gt;</c>, or <c>ApiKey &lt;key&gt;</c>
    /// when API keys use that field). Returns <see cref="AuthOutcome.KeysRequired"/> when the token needs a key
    /// fetch first; the caller then calls <see cref="AuthenticateAsync"/> with the same value.
    /// </summary>
    public AuthResult Authenticate(ReadOnlySpan<byte> authorizationValue) => Authenticate(authorizationValue, allowRefresh: true, out _);

    /// <summary>Authenticates the raw value of the configured API-key field when it is not Authorization.</summary>
    public AuthResult AuthenticateApiKey(ReadOnlySpan<byte> key) => LogApiKeyFailure(_apiKeys.Authenticate(key.Trim((byte)' ')));

    /// <summary>Like <see cref="Authenticate"/>, but fetches keys when the token names one that is not loaded yet.</summary>
    public async ValueTask<AuthResult> AuthenticateAsync(ReadOnlyMemory<byte> authorizationValue, CancellationToken cancellationToken)
    {
        AuthResult result = Authenticate(authorizationValue.Span, allowRefresh: true, out JwtValidator.RefreshRequest refresh);
        if (result.Outcome != AuthOutcome.KeysRequired)
        {
            return result;
        }

        await refresh.Store.RefreshForUnknownKeyAsync(refresh.KeyId, cancellationToken).ConfigureAwait(false);
        return Authenticate(authorizationValue.Span, allowRefresh: false, out _);
    }

    /// <summary>Returns the <c>WWW-Authenticate</c> value for a result that is not a success; preformatted, so it allocates nothing.</summary>
    public string Challenge(in AuthResult result) =>
        result.Outcome == AuthOutcome.Failed ? _challenges[(int)result.Reason] : _challenges[(int)AuthFailureReason.None];

    /// <summary>
    /// Replaces the API keys with the configured ones plus <paramref name="additional"/> (the policy's keys).
    /// The new set is swapped in whole, so a request is checked against either the old or the new keys.
    /// </summary>
    public void UseApiKeys(IEnumerable<ApiKeySettings> additional) =>
        _apiKeys = new ApiKeyStore(_settings.ApiKeys.Concat(additional));

    public IReadOnlyList<KeySetHealth> GetKeySetHealth() => _stores.Select(store => store.Health).ToArray();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_refreshLoops).ConfigureAwait(false);
        _stopping.Dispose();
        _ownedHttp?.Dispose();
    }

    private AuthResult Authenticate(ReadOnlySpan<byte> value, bool allowRefresh, out JwtValidator.RefreshRequest refresh)
    {
        refresh = default;
        value = value.Trim((byte)' ');
        if (value.IsEmpty)
        {
            return AuthResult.Missing;
        }

        int space = value.IndexOf((byte)' ');
        ReadOnlySpan<byte> scheme = space < 0 ? value : value[..space];
        ReadOnlySpan<byte> credential = space < 0 ? [] : value[(space + 1)..].TrimStart((byte)' ');

        if (System.Text.Ascii.EqualsIgnoreCase(scheme, BearerScheme))
        {
            return AuthenticateBearer(credential, allowRefresh, out refresh);
        }

        if (_apiKeyInAuthorization && System.Text.Ascii.EqualsIgnoreCase(scheme, ApiKeyScheme))
        {
            return LogApiKeyFailure(_apiKeys.Authenticate(credential));
        }

        return AuthResult.Failed(AuthFailureReason.UnsupportedScheme, "the Authorization scheme is not Bearer or ApiKey");
    }

    private AuthResult AuthenticateBearer(ReadOnlySpan<byte> token, bool allowRefresh, out JwtValidator.RefreshRequest refresh)
    {
        refresh = default;
        if (token.IsEmpty)
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, "the Bearer credential is empty");
        }

        // The size limit comes before the cache and any decoding.
        if (token.Length > _settings.MaxTokenBytes)
        {
            IdentityLog.TokenRejected(_logger, _tooLarge.Reason, _tooLarge.Description!);
            return _tooLarge;
        }

        if (_cache.TryGet(token, out CallerIdentity? cached))
        {
            return AuthResult.Succeeded(cached!);
        }

        AuthResult result = _validator.Validate(token, allowRefresh, out refresh);
        if (result.Outcome == AuthOutcome.Success)
        {
            _cache.Add(token, result.Identity!);
        }
        else if (result.Outcome == AuthOutcome.Failed)
        {
            IdentityLog.TokenRejected(_logger, result.Reason, result.Description!);
        }

        return result;
    }

    private AuthResult LogApiKeyFailure(AuthResult result)
    {
        if (result.Outcome == AuthOutcome.Failed)
        {
            IdentityLog.ApiKeyRejected(_logger, result.Reason, result.Description!);
        }

        return result;
    }

    // Fixed per-reason descriptions for the preformatted challenges; the detailed text stays in the debug log.
    private static string? DescriptionFor(AuthFailureReason reason) => reason switch
    {
        AuthFailureReason.None => null,
        AuthFailureReason.Malformed => "The token is malformed",
        AuthFailureReason.TooLarge => "The token is too large",
        AuthFailureReason.UnsupportedScheme => "The Authorization scheme is not supported",
        AuthFailureReason.AlgorithmNotAllowed => "The token algorithm is not allowed",
        AuthFailureReason.InvalidType => "The token type is not JWT or at+jwt",
        AuthFailureReason.UnsupportedCritical => "The token has an unsupported critical header",
        AuthFailureReason.InvalidIssuer => "The token issuer is not trusted",
        AuthFailureReason.InvalidAudience => "The token audience is not accepted",
        AuthFailureReason.UnknownKey => "The token signing key is unknown",
        AuthFailureReason.InvalidSignature => "The token signature is invalid",
        AuthFailureReason.MissingExpiration => "The token has no expiration",
        AuthFailureReason.Expired => "The token has expired",
        AuthFailureReason.NotYetValid => "The token is not valid yet",
        AuthFailureReason.InvalidApiKey => "The API key is invalid",
        _ => reason.ToString(),
    };
}
