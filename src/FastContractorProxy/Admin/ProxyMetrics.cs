using System.Diagnostics;
using System.Diagnostics.Metrics;
using FastContractorProxy.Http1;
using static FastContractorProxy.Admin.MetricValues;

namespace FastContractorProxy.Admin;

/// <summary>
/// The proxy's instruments on one <see cref="Meter"/> named <see cref="MeterName"/>. The data path calls the
/// recording methods; they allocate nothing and cost one branch each while no listener (such as
/// <see cref="AdminServer"/>) is attached. State owned by other modules is read through
/// <see cref="MetricsSources"/> callbacks on each scrape.
/// </summary>
/// <remarks>
/// Every tag value is bounded by the configuration, so the number of series is too: route ids come from the
/// policy, contractor ids must be ones the policy names (see <see cref="RecordRequest"/>), destinations come
/// from the clusters, and the other values are the fixed strings of <see cref="MetricValues"/>.
/// </remarks>
internal sealed class ProxyMetrics : IDisposable
{
    public const string MeterName = "FastContractorProxy";

    /// <summary>Upper bounds of the request-duration buckets in seconds, from 0.5 ms to 10 s.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly bool _ownsMeter;
    private readonly MetricsSources _sources;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _requests;
    private readonly UpDownCounter<long> _connections;
    private readonly UpDownCounter<long> _streams;
    private readonly Counter<long> _upstreamFailures;

    /// <param name="sources">Callbacks for the observable instruments; null leaves them out.</param>
    /// <param name="meterFactory">Creates the meter and then owns it; without one this instance owns the meter.</param>
    /// <param name="timeProvider">Clock for the age of key sets; the system clock by default.</param>
    public ProxyMetrics(MetricsSources? sources = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
    {
        _sources = sources ?? new MetricsSources();
        _time = timeProvider ?? TimeProvider.System;
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);

        _requestDuration = Meter.CreateHistogram<double>(
            "http.server.request.duration",
            unit: "s",
            description: "Time from the first byte of a request to the end of its response.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _requests = Meter.CreateCounter<long>("fcp.requests", "{request}", "Requests by contractor and decision.");
        _connections = Meter.CreateUpDownCounter<long>("fcp.connections.active", "{connection}", "Open client connections.");
        _streams = Meter.CreateUpDownCounter<long>("fcp.streams.active", "{stream}", "Open HTTP/2 streams.");
        _upstreamFailures = Meter.CreateCounter<long>("fcp.upstream.failures", "{failure}", "Failed upstream exchanges by destination and error type.");

        CreateKeySetInstruments();
        CreatePolicyInstruments();
        CreateAuditInstruments();
    }

    public Meter Meter { get; }

    /// <summary>Records a finished request in the duration histogram and in the request counter.</summary>
    /// <param name="routeId">The matched route's id from the policy, or null (tagged "none") when no route matched.</param>
    /// <param name="statusCode">The status sent to the client, or 0 when no response was sent.</param>
    /// <param name="contractorId">
    /// The caller's contractor id only if the policy names that contractor, else null (tagged "none"). Passing ids
    /// from unchecked credentials would let any caller create series without bound.
    /// </param>
    public void RecordRequest(string? routeId, KnownMethod method, int statusCode, RequestDecision decision, string? contractorId, TimeSpan duration)
    {
        string decisionValue = Decision(decision);
        if (_requestDuration.Enabled)
        {
            var tags = new TagList
            {
                { RouteTag, routeId ?? None },
                { MethodTag, Method(method) },
                { StatusCodeTag, StatusCode(statusCode) },
                { DecisionTag, decisionValue },
            };
            _requestDuration.Record(duration.TotalSeconds, tags);
        }

        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>(UserTag, contractorId ?? None), new KeyValuePair<string, object?>(DecisionTag, decisionValue));
        }
    }

    /// <summary>Counts a client connection as open; pair it with <see cref="ConnectionClosed"/> with the same protocol.</summary>
    public void ConnectionOpened(ConnectionProtocol protocol) =>
        _connections.Add(1, new KeyValuePair<string, object?>(ProtocolVersionTag, ProtocolVersion(protocol)));

    public void ConnectionClosed(ConnectionProtocol protocol) =>
        _connections.Add(-1, new KeyValuePair<string, object?>(ProtocolVersionTag, ProtocolVersion(protocol)));

    public void StreamOpened() => _streams.Add(1);

    public void StreamClosed() => _streams.Add(-1);

    /// <param name="destination">The destination address as written in the cluster configuration, such as "10.0.0.5:8080".</param>
    public void RecordUpstreamFailure(string destination, UpstreamErrorType error) =>
        _upstreamFailures.Add(1, new KeyValuePair<string, object?>(ServerAddressTag, destination), new KeyValuePair<string, object?>(ErrorTypeTag, ErrorType(error)));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private void CreateKeySetInstruments()
    {
        if (_sources.KeySets is not { } keySets)
        {
            return;
        }

        Meter.CreateObservableGauge("fcp.jwks.keys", () => ObservePerIssuer(keySets(), static s => s.KeyCount),
            "{key}", "Keys loaded per issuer; 0 means every token of the issuer is rejected.");
        Meter.CreateObservableGauge("fcp.jwks.consecutive_failures", () => ObservePerIssuer(keySets(), static s => s.ConsecutiveFailures),
            "{failure}", "Failed key-set fetches since the last success, per issuer.");
        Meter.CreateObservableGauge("fcp.jwks.last_success_age", ObserveLastSuccessAge,
            "s", "Seconds since the issuer's key set was last fetched successfully; absent until the first success.");
        Meter.CreateObservableCounter("fcp.jwks.refreshes", () => ObservePerIssuer(keySets(), static s => s.Refreshes),
            "{refresh}", "Key-set fetch attempts per issuer.");
        Meter.CreateObservableCounter("fcp.jwks.refresh_failures", () => ObservePerIssuer(keySets(), static s => s.RefreshFailures),
            "{failure}", "Failed key-set fetches per issuer.");
    }

    private void CreatePolicyInstruments()
    {
        if (_sources.Policy is not { } policy)
        {
            return;
        }

        Meter.CreateObservableCounter("fcp.policy.reloads", () => policy().Reloads, "{reload}", "Policy reloads attempted.");
        Meter.CreateObservableCounter("fcp.policy.reload_failures", () => policy().ReloadFailures, "{failure}", "Policy reloads that failed; the previous policy stayed in force.");
        Meter.CreateObservableGauge("fcp.policy.version", () => ObservePolicyVersion(policy()), "{policy}", "1, tagged with the version of the policy in force.");
    }

    private void CreateAuditInstruments()
    {
        if (_sources.Audit is not { } audit)
        {
            return;
        }

        Meter.CreateObservableGauge("fcp.audit.queue_length", () => audit().QueueLength, "{record}", "Audit records waiting to be written.");
        Meter.CreateObservableCounter("fcp.audit.records.written", () => audit().RecordsWritten, "{record}", "Audit records written.");
        Meter.CreateObservableCounter("fcp.audit.records.dropped", () => audit().RecordsDropped, "{record}", "Audit records dropped because the queue was full.");
        Meter.CreateObservableCounter("fcp.audit.write_failures", () => audit().WriteFailures, "{failure}", "Failed audit writes.");
    }

    private static List<Measurement<long>> ObservePerIssuer(IReadOnlyList<KeySetSample> samples, Func<KeySetSample, long?> select)
    {
        var measurements = new List<Measurement<long>>(samples.Count);
        foreach (KeySetSample sample in samples)
        {
            if (select(sample) is long value)
            {
                measurements.Add(new Measurement<long>(value, new KeyValuePair<string, object?>(IssuerTag, sample.Issuer)));
            }
        }

        return measurements;
    }

    private List<Measurement<double>> ObserveLastSuccessAge()
    {
        IReadOnlyList<KeySetSample> samples = _sources.KeySets!();
        DateTimeOffset now = _time.GetUtcNow();
        var measurements = new List<Measurement<double>>(samples.Count);
        foreach (KeySetSample sample in samples)
        {
            if (sample.LastSuccess is { } lastSuccess)
            {
                double age = Math.Max(0, (now - lastSuccess).TotalSeconds);
                measurements.Add(new Measurement<double>(age, new KeyValuePair<string, object?>(IssuerTag, sample.Issuer)));
            }
        }

        return measurements;
    }

    private static Measurement<int>[] ObservePolicyVersion(PolicySample sample) =>
        sample.Version is null ? [] : [new Measurement<int>(1, new KeyValuePair<string, object?>(PolicyVersionTag, sample.Version))];
}
