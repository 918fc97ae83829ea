using System.Diagnostics;
using System.Net;
using FastContractorProxy.Audit;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    // Per-request results of authentication and authorization, reset for every request.
    private UpstreamCluster? _cluster;
    private bool _stripAuthorization;
    private CallerIdentity? _caller;
    private ContractorDefinition? _contractor;
    private AccessDecision _decision;

    /// <summary>
    /// Authenticates the caller and applies the policy. Returns null when the request may be forwarded (then
    /// <see cref="_cluster"/> is set), otherwise whether the connection stays open after the 401 or 403 that was sent.
    /// </summary>
    private async ValueTask<bool?> AuthorizeAsync(Route route)
    {
        _caller = null;
        _contractor = null;
        _decision = default;
        _cluster = route.Cluster;
        _stripAuthorization = false;

        Authenticator? authenticator = _runtime.Authenticator;
        if (authenticator is null)
        {
            AuditAccess(route.Id, AuditDecision.Allow, reason: null, 0, 0);
            return null;
        }

        long started = Stopwatch.GetTimestamp();
        AuthResult auth = Authenticate(authenticator, out ReadOnlyMemory<byte> credential);
        if (auth.Outcome == AuthOutcome.KeysRequired)
        {
            auth = await authenticator.AuthenticateAsync(credential, _clientGone.Token).ConfigureAwait(false);
        }

        long authenticated = Stopwatch.GetTimestamp();
        if (auth.Outcome == AuthOutcome.Failed)
        {
            return await RejectUnauthenticatedAsync(authenticator, auth, route: null, authenticated - started, 0).ConfigureAwait(false);
        }

        _caller = auth.Identity;
        _stripAuthorization = true;
        AccessSnapshot? access = _runtime.Access;
        if (access is null)
        {
            // Identity without a policy: every route needs a valid credential.
            if (_caller is null)
            {
                return await RejectUnauthenticatedAsync(authenticator, auth, route.Id, authenticated - started, 0).ConfigureAwait(false);
            }

            AuditAccess(route.Id, AuditDecision.Allow, reason: null, authenticated - started, 0);
            return null;
        }

        CompiledPolicy policy = access.Policy;
        _contractor = _caller switch
        {
            null => null,
            { Method: AuthMethod.ApiKey } => policy.FindContractor(_caller.ContractorId),
            _ => policy.FindTokenContractor(_caller.Issuer!, _caller.Subject, _caller.ClientId),
        };

        _decision = policy.Decide(new AccessRequest
        {
            ContractorId = _contractor?.Id,
            Groups = _caller?.Groups ?? [],
            Scopes = _caller?.Scopes ?? [],
            ClientAddress = _peerIp,
            Method = _head.Method,
            CanonicalPath = CanonicalPath,
            Now = _runtime.Time.GetUtcNow(),
        });
        long authenticationTicks = authenticated - started;
        long authorizationTicks = Stopwatch.GetTimestamp() - authenticated;

        RouteBinding? binding = _decision.RouteId is { } routeId ? access.Route(routeId) : null;
        if (_caller is { Method: AuthMethod.Jwt, Issuer: { } issuer } && binding is not null && !binding.AcceptsIssuer(issuer))
        {
            // A token of another trusted issuer is as invalid here as an untrusted one, even on an anonymous route.
            AuthResult wrongIssuer = AuthResult.Failed(AuthFailureReason.InvalidIssuer, "the route does not accept this issuer");
            return await RejectUnauthenticatedAsync(authenticator, wrongIssuer, _decision.RouteId, authenticationTicks, authorizationTicks).ConfigureAwait(false);
        }

        (int status, string reason) = AccessOutcome.ForDecision(_decision, _caller is not null, _contractor is not null);
        if (status == 401)
        {
            return await RejectUnauthenticatedAsync(authenticator, AuthResult.Missing, _decision.RouteId, authenticationTicks, authorizationTicks).ConfigureAwait(false);
        }

        if (status != 0)
        {
            AuditAccess(_decision.RouteId, AuditDecision.Deny, reason, authenticationTicks, authorizationTicks);
            return await RejectWithProblemAsync(status, reason, challenge: null).ConfigureAwait(false);
        }

        AuditAccess(_decision.RouteId, AuditDecision.Allow, reason, authenticationTicks, authorizationTicks);
        _cluster = binding!.Cluster;
        _stripAuthorization = !binding.Route.ForwardAuthorization;
        return null;
    }

    // Finds the credential: the Authorization field, or the configured API-key field. A request with two credentials is rejected,
    // because the proxy and the upstream could act on different ones.
    private AuthResult Authenticate(Authenticator authenticator, out ReadOnlyMemory<byte> credential)
    {
        credential = default;
        int apiKeyField = -1;
        if (_runtime.FieldFilter.ApiKeyField is { } apiKeyName)
        {
            ReadOnlySpan<byte> section = _head.Section;
            for (int i = 0; i < _head.FieldCount; i++)
            {
                if (FieldSectionParser.NamesMatch(_head.Fields[i].Name(section), apiKeyName))
                {
                    if (apiKeyField >= 0)
                    {
                        return AuthResult.Failed(AuthFailureReason.Malformed, "the request has more than one API key field");
                    }

                    apiKeyField = i;
                }
            }
        }

        if (_head.AuthorizationField >= 0)
        {
            if (apiKeyField >= 0)
            {
                return AuthResult.Failed(AuthFailureReason.Malformed, "the request has both an Authorization and an API key field");
            }

            credential = _head.ValueMemory(_head.Fields[_head.AuthorizationField]);
            return authenticator.Authenticate(credential.Span);
        }

        return apiKeyField >= 0 ? authenticator.AuthenticateApiKey(_head.ValueMemory(_head.Fields[apiKeyField]).Span) : AuthResult.Missing;
    }

    private ValueTask<bool> RejectUnauthenticatedAsync(Authenticator authenticator, AuthResult result, string? route, long authenticationTicks, long authorizationTicks)
    {
        string reason = result.Outcome == AuthOutcome.Failed ? result.Reason.Code() : AuthFailureReason.None.Code();
        AuditAccess(route, AuditDecision.Unauthenticated, reason, authenticationTicks, authorizationTicks);
        return RejectWithProblemAsync(401, reason, authenticator.Challenge(result));
    }

    /// <summary>Fills the identity fields the upstream receives: only from the validated credential and the policy.</summary>
    private void SetIdentityValues(ref ForwardedValues values)
    {
        values.StripAuthorization = _stripAuthorization;
        if (_caller is null)
        {
            return;
        }

        if (_runtime.Access is null)
        {
            values.ContractorId = _caller.ContractorId;
            values.Organization = _caller.Organization;
        }
        else if (_contractor is not null)
        {
            values.ContractorId = _contractor.Id;
            values.Organization = _contractor.Organization;
        }

        values.Scopes = _caller.ScopeText;
    }

    private static IPAddress NormalizePeer(IPAddress? address)
    {
        address ??= IPAddress.None;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
