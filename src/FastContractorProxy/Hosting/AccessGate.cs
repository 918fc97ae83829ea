using System.Diagnostics;
using System.Net;
using FastContractorProxy.Audit;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

/// <summary>The outcome of authentication and authorization for one request, whatever its protocol.</summary>
internal struct AccessResult
{
    /// <summary>0 when the request is forwarded, else 401 or 403.</summary>
    public int Status;

    /// <summary>Reason code for the problem body and the audit record.</summary>
    public string? Reason;

    /// <summary>The <c>WWW-Authenticate</c> value of a 401.</summary>
    public string? Challenge;

    public CallerIdentity? Caller;
    public ContractorDefinition? Contractor;
    public AccessDecision Decision;
    public UpstreamCluster? Cluster;
    public bool StripAuthorization;

    /// <summary>The policy route, or the proxy route when no policy is configured.</summary>
    public string? RouteId;
    public AuditDecision AuditDecision;
    public long AuthenticationTicks;
    public long AuthorizationTicks;

    /// <summary>Contractor id for identity fields and audit: the policy's, or the credential's without a policy.</summary>
    public readonly string? ContractorId(bool hasPolicy) => hasPolicy ? Contractor?.Id : Caller?.ContractorId;

    public readonly string? Organization(bool hasPolicy) => hasPolicy ? Contractor?.Organization : Caller?.Organization;
}

/// <summary>
/// Authentication and authorization shared by the HTTP/1.1 and HTTP/2 connections. Finding the credential in the
/// request and sending the response stay with the protocol; everything between is here.
/// </summary>
internal static class AccessGate
{
    /// <summary>
    /// Validates the credential: the Authorization value, or the API-key field value. Waits only when a token names
    /// a key that has to be fetched first.
    /// </summary>
    public static async ValueTask<AuthResult> AuthenticateAsync(Authenticator authenticator, ReadOnlyMemory<byte> authorization, bool hasAuthorization,
        ReadOnlyMemory<byte> apiKey, bool hasApiKey, CancellationToken cancellationToken)
    {
        if (hasAuthorization && hasApiKey)
        {
            // Two credentials: the proxy and the upstream could act on different ones.
            return AuthResult.Failed(AuthFailureReason.Malformed, "the request has both an Authorization and an API key field");
        }

        if (hasApiKey)
        {
            return authenticator.AuthenticateApiKey(apiKey.Span);
        }

        if (!hasAuthorization)
        {
            return AuthResult.Missing;
        }

        AuthResult result = authenticator.Authenticate(authorization.Span);
        return result.Outcome == AuthOutcome.KeysRequired
            ? await authenticator.AuthenticateAsync(authorization, cancellationToken).ConfigureAwait(false)
            : result;
    }

    /// <summary>Decides a request whose credential was validated (or is missing) and names the cluster to forward to.</summary>
    /// <param name="authenticationTicks">Stopwatch ticks spent in <see cref="AuthenticateAsync"/>, for the audit record.</param>
    public static AccessResult Decide(ProxyRuntime runtime, Route route, in AuthResult auth, KnownMethod method, ReadOnlySpan<byte> canonicalPath,
        IPAddress client, long authenticationTicks)
    {
        var result = new AccessResult { Cluster = route.Cluster, RouteId = route.Id, AuthenticationTicks = authenticationTicks };
        Authenticator? authenticator = runtime.Authenticator;
        if (authenticator is null)
        {
            result.AuditDecision = AuditDecision.Allow;
            return result;
        }

        if (auth.Outcome == AuthOutcome.Failed)
        {
            return Unauthenticated(authenticator, auth, ref result);
        }

        result.Caller = auth.Identity;
        result.StripAuthorization = true;
        AccessSnapshot? access = runtime.Access;
        if (access is null)
        {
            // Identity without a policy: every route needs a valid credential.
            if (result.Caller is null)
            {
                return Unauthenticated(authenticator, auth, ref result);
            }

            result.AuditDecision = AuditDecision.Allow;
            return result;
        }

        long started = Stopwatch.GetTimestamp();
        CompiledPolicy policy = access.Policy;
        CallerIdentity? caller = result.Caller;
        result.Contractor = caller switch
        {
            null => null,
            { Method: AuthMethod.ApiKey } => policy.FindContractor(caller.ContractorId),
            _ => policy.FindTokenContractor(caller.Issuer!, caller.Subject, caller.ClientId),
        };

        result.Decision = policy.Decide(new AccessRequest
        {
            ContractorId = result.Contractor?.Id,
            Groups = caller?.Groups ?? [],
            Scopes = caller?.Scopes ?? [],
            ClientAddress = client,
            Method = method,
            CanonicalPath = canonicalPath,
            Now = runtime.Time.GetUtcNow(),
        });
        result.AuthorizationTicks = Stopwatch.GetTimestamp() - started;
        result.RouteId = result.Decision.RouteId;

        RouteBinding? binding = result.Decision.RouteId is { } routeId ? access.Route(routeId) : null;
        if (caller is { Method: AuthMethod.Jwt, Issuer: { } issuer } && binding is not null && !binding.AcceptsIssuer(issuer))
        {
            // A token of another trusted issuer is as invalid here as an untrusted one, even on an anonymous route.
            return Unauthenticated(authenticator, AuthResult.Failed(AuthFailureReason.InvalidIssuer, "the route does not accept this issuer"), ref result);
        }

        (int status, string reason) = AccessOutcome.ForDecision(result.Decision, caller is not null, result.Contractor is not null);
        if (status == 401)
        {
            return Unauthenticated(authenticator, AuthResult.Missing, ref result);
        }

        result.Status = status;
        result.Reason = reason;
        if (status != 0)
        {
            result.AuditDecision = AuditDecision.Deny;
            return result;
        }

        result.AuditDecision = AuditDecision.Allow;
        result.Cluster = binding!.Cluster;
        result.StripAuthorization = !binding.Route.ForwardAuthorization;
        return result;
    }

    private static AccessResult Unauthenticated(Authenticator authenticator, in AuthResult auth, ref AccessResult result)
    {
        result.Status = 401;
        result.Reason = auth.Outcome == AuthOutcome.Failed ? auth.Reason.Code() : AuthFailureReason.None.Code();
        result.Challenge = authenticator.Challenge(auth);
        result.AuditDecision = AuditDecision.Unauthenticated;
        result.Caller = null;
        result.Contractor = null;
        return result;
    }
}
