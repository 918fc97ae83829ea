using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FastContractorProxy.Identity;

/// <summary>Builds a <see cref="CallerIdentity"/> from the claims of a validated token.</summary>
internal static class IdentityClaims
{
    public static AuthResult Read(JsonWebToken jwt, IssuerSettings settings)
    {
        string? contractorId = StringClaim(jwt, settings.ContractorClaim);
        if (string.IsNullOrEmpty(contractorId))
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, $"the token has no string claim '{settings.ContractorClaim}' for the contractor id");
        }

        string? clientId = StringClaim(jwt, "client_id") ?? StringClaim(jwt, "azp");
        var groups = new List<string>();
        groups.AddRange(StringList(jwt, "groups"));
        groups.AddRange(StringList(jwt, "roles"));

        var identity = new CallerIdentity(
            ContractorId: contractorId,
            Organization: StringClaim(jwt, settings.OrganizationClaim),
            Subject: StringClaim(jwt, "sub") ?? contractorId,
            ClientId: clientId,
            Scopes: Scopes(jwt),
            Groups: groups,
            Method: AuthMethod.Jwt,
            Issuer: jwt.Issuer,
            TokenId: StringClaim(jwt, "jti"),
            ExpiresAt: new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
        return AuthResult.Succeeded(identity);
    }

    private static string? StringClaim(JsonWebToken jwt, string name) =>
        jwt.TryGetPayloadValue(name, out object? value) && value is string text ? text : null;

    // RFC 8693 'scope' is a space-separated string; some issuers send 'scp' as an array or a string instead.
    private static string[] Scopes(JsonWebToken jwt)
    {
        string? scope = StringClaim(jwt, "scope");
        if (scope is not null)
        {
            return scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        string? scp = StringClaim(jwt, "scp");
        return scp is not null ? scp.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [.. StringList(jwt, "scp")];
    }

    // The library turns a JSON array into one claim per element and a single string into one claim.
    private static IEnumerable<string> StringList(JsonWebToken jwt, string name)
    {
        foreach (Claim claim in jwt.Claims)
        {
            if (claim.Type == name && claim.ValueType == ClaimValueTypes.String)
            {
                yield return claim.Value;
            }
        }
    }
}
