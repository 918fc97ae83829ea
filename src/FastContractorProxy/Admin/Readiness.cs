namespace FastContractorProxy.Admin;

/// <summary>The outcome of one readiness check.</summary>
/// <param name="Detail">Why the check fails, such as "no keys loaded"; null when it passes.</param>
internal readonly record struct ReadinessResult(bool IsReady, string? Detail)
{
    public static ReadinessResult Ready => new(true, null);

    public static ReadinessResult NotReady(string detail) => new(false, detail);
}

/// <summary>A named condition that must hold before the proxy should receive traffic.</summary>
/// <param name="Name">The subject shown in the <c>/readyz</c> output, such as "issuer https://idp.example" or "audit".</param>
/// <param name="Check">Called on every <c>/readyz</c> request, so it must be thread-safe and quick; an exception counts as failing.</param>
internal sealed record ReadinessCheck(string Name, Func<ReadinessResult> Check);
