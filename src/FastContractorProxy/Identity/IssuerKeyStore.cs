using System.Collections.Concurrent;
using System.Net.Http;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Identity;

/// <summary>
/// Holds one issuer's signing keys and refreshes them: in the background at a fixed interval, and on demand
/// when a token names an unknown kid. Refreshes are single-flight, at most one refresh for unknown kids starts
/// per cooldown, and a kid still unknown after a refresh is not retried within the cooldown. A failed or empty
/// fetch keeps the keys already loaded.
/// </summary>
internal sealed class IssuerKeyStore
{
    // Bounds the negative cache, so a flood of random kids cannot grow it without limit.
    private const int MaxUnknownKeyIds = 4096;

    // Shortest wait between background attempts while no key is loaded, whatever the cooldown.
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromSeconds(1);

    private readonly IssuerSettings _settings;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unknownKeyIds = new(StringComparer.Ordinal);

    private volatile KeySet? _current;
    private Task? _refreshInFlight;
    private DateTimeOffset _lastUnknownKeyRefresh = DateTimeOffset.MinValue;
    private string? _discoveredJwksUri;
    private DateTimeOffset? _lastSuccess;
    private int _consecutiveFailures;
    private string? _lastError;
    private int _fetchCount;

    public IssuerKeyStore(IssuerSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _http = http;
        _time = time;
        _logger = logger;
    }

    public IssuerSettings Settings => _settings;

    /// <summary>The loaded keys, or null before the first successful fetch.</summary>
    public KeySet? Current => _current;

    /// <summary>Number of fetch attempts so far, successful or not.</summary>
    public int FetchCount => Volatile.Read(ref _fetchCount);

    /// <summary>Raised after a fetch installed a key set that differs from the previous one (keys added or retired).</summary>
    public event Action? KeysChanged;

    public KeySetHealth Health
    {
        get
        {
            lock (_gate)
            {
                KeySet? keys = _current;
                KeySetStatus status = keys is null ? KeySetStatus.Unavailable
                    : _consecutiveFailures > 0 ? KeySetStatus.Degraded
                    : KeySetStatus.Healthy;
                return new KeySetHealth(_settings.Issuer, status, _lastSuccess, _consecutiveFailures, keys?.Count ?? 0, _lastError);
            }
        }
    }

    /// <summary>
    /// Returns whether a token naming <paramref name="keyId"/> (null: any key, used before the first load) may
    /// start or join a refresh now.
    /// </summary>
    public bool CanRefreshFor(string? keyId)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (keyId is not null && _unknownKeyIds.TryGetValue(keyId, out DateTimeOffset until) && now < until)
        {
            return false;
        }

        lock (_gate)
        {
            return _refreshInFlight is not null || now - _lastUnknownKeyRefresh >= _settings.UnknownKeyCooldown;
        }
    }

    /// <summary>
    /// Refreshes because a token named an unknown kid: joins a refresh in flight, or starts one unless one
    /// started within the cooldown. Afterwards a kid that is still unknown is remembered for the cooldown.
    /// </summary>
    public async Task RefreshForUnknownKeyAsync(string? keyId, CancellationToken cancellationToken)
    {
        Task refresh;
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            if (_refreshInFlight is not null)
            {
                refresh = _refreshInFlight;
            }
            else if (now - _lastUnknownKeyRefresh >= _settings.UnknownKeyCooldown)
            {
                _lastUnknownKeyRefresh = now;
                IdentityLog.UnknownKeyRefresh(_logger, _settings.Issuer, keyId ?? "(none)");
                refresh = StartRefreshLocked();
            }
            else
            {
                refresh = Task.CompletedTask;
            }
        }

        await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);

        if (keyId is not null && _current?.Contains(keyId) != true)
        {
            if (_unknownKeyIds.Count >= MaxUnknownKeyIds)
            {
                _unknownKeyIds.Clear();
            }

            _unknownKeyIds[keyId] = _time.GetUtcNow() + _settings.UnknownKeyCooldown;
        }
    }

    /// <summary>Fetches the key set now, or joins a fetch in flight. Never throws for a failed fetch.</summary>
    public Task RefreshAsync()
    {
        lock (_gate)
        {
            return _refreshInFlight ?? StartRefreshLocked();
        }
    }

    /// <summary>
    /// Refreshes at the configured interval until cancelled. While no key is loaded it retries after the
    /// unknown-key cooldown instead, but never more often than once a second.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan delay = _current is null
                ? TimeSpan.FromTicks(Math.Clamp(_settings.UnknownKeyCooldown.Ticks, MinRetryDelay.Ticks, Math.Max(_settings.RefreshInterval.Ticks, MinRetryDelay.Ticks)))
                : _settings.RefreshInterval;
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RefreshAsync().ConfigureAwait(false);
        }
    }

    private Task StartRefreshLocked()
    {
        Task refresh = Task.Run(FetchAndSwapAsync);
        _refreshInFlight = refresh;
        _ = refresh.ContinueWith(
            finished =>
            {
                lock (_gate)
                {
                    if (_refreshInFlight == finished)
                    {
                        _refreshInFlight = null;
                    }
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return refresh;
    }

    private async Task FetchAndSwapAsync()
    {
        Interlocked.Increment(ref _fetchCount);
        string source = _settings.JwksLocation ?? _discoveredJwksUri ?? DiscoveryUri(_settings.Issuer);
        KeySet loaded;
        try
        {
            (string json, source) = await FetchJwksAsync().ConfigureAwait(false);
            KeySet? previous = _current;
            loaded = previous is not null && previous.Source == json ? previous : KeySet.Parse(json);
        }
        catch (Exception ex)
        {
            // Every failure counts as a failed fetch, so the background loop keeps running and the cached keys stay.
            int failures;
            int keyCount;
            lock (_gate)
            {
                failures = ++_consecutiveFailures;
                keyCount = _current?.Count ?? 0;
                _lastError = ex is TaskCanceledException ? "timed out" : ex.Message;
                if (_settings.KeySource == KeySourceKind.Discovery)
                {
                    // The discovery document may have moved the JWKS; read it again on the next attempt.
                    _discoveredJwksUri = null;
                }
            }

            IdentityLog.KeySetFetchFailed(_logger, _settings.Issuer, source, failures, keyCount, _lastError);
            return;
        }

        int previousFailures;
        bool changed;
        lock (_gate)
        {
            previousFailures = _consecutiveFailures;
            changed = !ReferenceEquals(_current, loaded);
            _current = loaded;
            _consecutiveFailures = 0;
            _lastError = null;
            _lastSuccess = _time.GetUtcNow();
        }

        if (changed)
        {
            foreach (string keyId in loaded.KeyIds)
            {
                _unknownKeyIds.TryRemove(keyId, out _);
            }

            IdentityLog.KeySetChanged(_logger, _settings.Issuer, loaded.Count, string.Join(",", loaded.KeyIds));
            KeysChanged?.Invoke();
        }

        if (previousFailures > 0)
        {
            IdentityLog.KeySetRecovered(_logger, _settings.Issuer, previousFailures, loaded.Count);
        }
    }

    private async Task<(string Json, string Source)> FetchJwksAsync()
    {
        switch (_settings.KeySource)
        {
            case KeySourceKind.JwksFile:
                string path = _settings.JwksLocation!;
                return (await File.ReadAllTextAsync(path).ConfigureAwait(false), path);

            case KeySourceKind.JwksUri:
                string uri = _settings.JwksLocation!;
                return (await _http.GetStringAsync(new Uri(uri)).ConfigureAwait(false), uri);

            default:
                string? jwksUri = _discoveredJwksUri;
                if (jwksUri is null)
                {
                    jwksUri = await DiscoverJwksUriAsync().ConfigureAwait(false);
                    _discoveredJwksUri = jwksUri;
                }

                return (await _http.GetStringAsync(new Uri(jwksUri)).ConfigureAwait(false), jwksUri);
        }
    }

    // OpenID Connect Discovery 1.0 section 4.3: the document's issuer must equal the configured issuer exactly.
    private async Task<string> DiscoverJwksUriAsync()
    {
        string discoveryUri = DiscoveryUri(_settings.Issuer);
        string json = await _http.GetStringAsync(new Uri(discoveryUri)).ConfigureAwait(false);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{discoveryUri} is not a JSON object");
        }

        if (!root.TryGetProperty("issuer", out JsonElement issuer) || issuer.ValueKind != JsonValueKind.String ||
            issuer.GetString() != _settings.Issuer)
        {
            throw new FormatException($"{discoveryUri} names a different issuer than the configured '{_settings.Issuer}'");
        }

        if (!root.TryGetProperty("jwks_uri", out JsonElement jwksUri) || jwksUri.ValueKind != JsonValueKind.String ||
            !Uri.TryCreate(jwksUri.GetString(), UriKind.Absolute, out Uri? parsed) || !IsAllowedFetchUri(parsed))
        {
            throw new FormatException($"{discoveryUri} has no jwks_uri that is an https URL (or http on a loopback address)");
        }

        return parsed.AbsoluteUri;
    }

    /// <summary>Returns whether keys may be fetched from this URL: https, or plain http to a loopback address.</summary>
    public static bool IsAllowedFetchUri(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));

    private static string DiscoveryUri(string issuer) => issuer.TrimEnd('/') + "/.well-known/openid-configuration";
}
