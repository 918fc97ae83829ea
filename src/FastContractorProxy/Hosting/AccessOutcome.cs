using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Maps a policy decision to what the client receives. The data path and <c>fcp explain</c> both use it, so the
/// explanation shows the status the proxy really sends.
/// </summary>
internal static class AccessOutcome
{
    /// <summary>Returns status 0 (forward) for an allowed request, else 401 or 403 with the reason code of the response body.</summary>
    /// <param name="authenticated">The request carried a valid credential.</param>
    /// <param name="knownContractor">The credential names a contractor of the policy.</param>
    public static (int Status, string Reason) ForDecision(in AccessDecision decision, bool authenticated, bool knownContractor)
    {
        if (decision.Allowed)
        {
            return (0, decision.Reason.Code());
        }

        // Without a credential, any request that is not served anonymously needs one.
        if (!authenticated)
        {
            return (401, AuthFailureReason.None.Code());
        }

        PolicyReason reason = !knownContractor && decision.Reason == PolicyReason.NoGrant ? PolicyReason.UnknownContractor : decision.Reason;
        return (403, reason.Code());
    }
}
