using System.Diagnostics;
using System.Net;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    // The access result of the current request, reset for every request.
    private AccessResult _access;

    /// <summary>
    /// Authenticates the caller and applies the policy. Returns null when the request may be forwarded (then
    /// <see cref="_access"/> names the cluster), otherwise whether the connection stays open after the 401 or 403 sent.
    /// </summary>
    private async ValueTask<bool?> AuthorizeAsync(Route route)
    {
        AuthResult auth = AuthResult.Missing;
        long started = Stopwatch.GetTimestamp();
        if (_runtime.Authenticator is { } authenticator)
        {
            int apiKeyField = FindApiKeyField(out bool duplicate);
            bool hasAuthorization = _head.AuthorizationField >= 0;
            auth = duplicate
                ? AuthResult.Failed(AuthFailureReason.Malformed, "the request has more than one API key field")
                : await AccessGate.AuthenticateAsync(
                    authenticator,
                    hasAuthorization ? _head.ValueMemory(_head.Fields[_head.AuthorizationField]) : default,
                    hasAuthorization,
                    apiKeyField >= 0 ? _head.ValueMemory(_head.Fields[apiKeyField]) : default,
                    apiKeyField >= 0,
                    _clientGone.Token).ConfigureAwait(false);
        }

        _access = AccessGate.Decide(_runtime, route, auth, _head.Method, CanonicalPath, _peerIp, Stopwatch.GetTimestamp() - started);
        AuditAccess();
        return _access.Status == 0 ? null : await RejectWithProblemAsync(_access.Status, _access.Reason!, _access.Challenge).ConfigureAwait(false);
    }

    // Returns the index of the configured API-key field, or -1; two copies of it are reported as a duplicate.
    private int FindApiKeyField(out bool duplicate)
    {
        duplicate = false;
        int found = -1;
        if (_runtime.FieldFilter.ApiKeyField is not { } apiKeyName)
        {
            return found;
        }

        ReadOnlySpan<byte> section = _head.Section;
        for (int i = 0; i < _head.FieldCount; i++)
        {
            if (FieldSectionParser.NamesMatch(_head.Fields[i].Name(section), apiKeyName))
            {
                duplicate |= found >= 0;
                found = i;
            }
        }

        return found;
    }

    /// <summary>Fills the identity fields the upstream receives: only from the validated credential and the policy.</summary>
    private void SetIdentityValues(ref ForwardedValues values)
    {
        values.StripAuthorization = _access.StripAuthorization;
        if (_access.Caller is null)
        {
            return;
        }

        bool hasPolicy = _runtime.Access is not null;
        values.ContractorId = _access.ContractorId(hasPolicy);
        values.Organization = _access.Organization(hasPolicy);
        values.Scopes = _access.Caller.ScopeText;
    }

    private static IPAddress NormalizePeer(IPAddress? address)
    {
        address ??= IPAddress.None;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
