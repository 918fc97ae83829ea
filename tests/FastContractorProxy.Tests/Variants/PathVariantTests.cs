using System.Text.Json;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Variants;

/// <summary>
/// Request targets that try to reach /admin/** or the denied /api/items/export/** with alice's token, which only
/// grants GET /public/** and GET, POST /api/items/**. Paths are compared after RFC 3986 section 6.2.2 normalization;
/// encoded '/', '\' and NUL, raw '\' and control characters are rejected with 400.
/// </summary>
public sealed class PathVariantTests
{
    /// <summary>Each row: the target and the statuses that count as a denial ("403", or "400|403" where both are correct).</summary>
    public static TheoryData<string, string> DeniedTargets => new()
    {
        // Encoded dot-segments in every mix of case and form.
        { "/public/%2e./admin/users", "403" },
        { "/public/%2E%2E/admin/users", "403" },
        { "/public/.%2E/admin/users", "403" },
        { "/public/x/%2e%2e/%2e%2e/admin/users", "403" },
        { "/public/%2e/../admin/users", "403" },
        { "/public//../../admin/users", "403" },
        { "/%2e/admin/users", "403" },
        { "/public/%2e%2e/%61dmin/users", "403" },
        { "/%61dmin/users", "403" },
        { "/api/items/../../admin/users", "403" },

        // Encoded separators next to dot-segments.
        { "/public/%2e%2e%2fadmin/users", "400" },
        { "/public/..%2fadmin/users", "400" },
        { "/public/..%2Fadmin/users", "400" },
        { "/public/..%2f..%2fadmin/users", "400" },
        { "/public%2f..%2fadmin/users", "400" },
        { "/public/..%5cadmin/users", "400" },
        { "/public/..%5Cadmin/users", "400" },
        { "/public\\..\\admin/users", "400" },
        { "/public/..\\admin/users", "400" },
        { "/public/\\../admin/users", "400" },

        // NUL and other control characters, raw or encoded.
        { "/public/..%00/admin/users", "400" },
        { "/public/%00/../../admin/users", "400" },
        { "/public/ok%00.json", "400" },
        { "/public/\u0001ok", "400" },

        // Invalid percent-encoding, including the non-standard %u form.
        { "/public/%u002e%u002e/admin/users", "400" },
        { "/public/%%32%65%%32%65/admin/users", "400" },
        { "/public/%2/admin/users", "400" },
        { "/public/%zz/admin/users", "400" },

        // Overlong UTF-8 encodings of '.', which old decoders turned into "..".
        { "/public/%c0%ae%c0%ae/admin/users", "400" },
        { "/public/%e0%80%ae%e0%80%ae/admin/users", "400" },
        { "/public/%c0%2e%c0%2e/admin/users", "400" },

        // Path parameters: backends such as Tomcat drop ";..." from a segment, so "..;" acts as "..".
        { "/public/..;/admin/users", "400" },
        { "/public/..;x=1/admin/users", "400" },
        { "/public;x/../admin/users", "400" },
        { "/public/ok;/../../admin/users", "400" },
        { "/api/items/export;/all.csv", "400" },
        { "/api/items/export;jsessionid=1/all.csv", "400" },

        // Empty segments: merged before lookup (so the path leaves /public) or rejected.
        { "///admin/users", "403" },
        { "/.//admin/users", "403" },
        { "/public//../admin/users", "403" },
        { "/api/items//export/all.csv", "403" },
        { "/api/items/./export/all.csv", "403" },
        { "/api/items/%2e/export/all.csv", "403" },
        { "/api/items/%65xport/all.csv", "403" },
        { "//api.example.test/public/ok", "403" },

        // Case, trailing dots and trailing slashes name other paths, none of them granted.
        { "/ADMIN/users", "403" },
        { "/Admin/users", "403" },
        { "/aDmIn/users", "403" },
        { "/admin./users", "403" },
        { "/admin.", "403" },
        { "/admin", "403" },
        { "/admin/", "403" },
        { "/admin/users/", "403" },
        { "/admin%2e/users", "403" },
        { "/admin%20/users", "403" },

        // Fragments and encoded query or fragment delimiters.
        { "/public/ok#/../../admin/users", "400" },
        { "/public/ok%23/../../admin/users", "403" },
        { "/public/ok%3f/../../admin/users", "403" },
        { "/public/ok%3F/../../admin/users", "403" },

        // Absolute-form and asterisk-form variants.
        { "http://api.example.test/public/../admin/users", "403" },
        { "http://api.example.test//admin/users", "403" },
        { "http://API.EXAMPLE.TEST/admin/users", "403" },
        { "http://api.example.test/public/%2e%2e/admin/users", "403" },
        { "http://api.example.test/public/..%2fadmin/users", "400" },
        // The default port makes this authority equal to the Host field (RFC 3986 section 6.2.3), so 403 would be
        // as correct as the 400 for a mismatch.
        { "http://api.example.test:80/admin/users", "400|403" },
        { "http://api.example.test/public/ok#x", "400" },
        { "*/admin/users", "400" },
        { "*admin", "400" },
        { "*", "400" },
    };

    [Theory]
    [MemberData(nameof(DeniedTargets))]
    public async Task Target_Denied(string target, string statuses)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", target, AccessHarness.AliceToken());

        int[] allowed = statuses.Split('|').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(allowed.Contains(response.StatusCode),
            $"{target}: status {response.StatusCode}, expected {statuses}; upstream targets: {string.Join(", ", proxy.Upstream.Requests.Select(r => r.Target))}");
        Assert.Empty(proxy.Upstream.Requests);
        if (response.StatusCode == 403)
        {
            using JsonDocument body = JsonDocument.Parse(response.BodyText);
            string? reason = body.RootElement.GetProperty("reason").GetString();
            Assert.True(reason is "no_grant" or "no_route" or "denied_by_rule", $"{target}: reason {reason}");
        }
    }

    /// <summary>Granted requests reach the upstream with the normalized path and the query kept as sent.</summary>
    [Theory]
    [InlineData("/public/ok?/../../admin/users", "/public/ok?/../../admin/users")]
    [InlineData("/public/ok?x=%2e%2e%2fadmin", "/public/ok?x=%2e%2e%2fadmin")]
    [InlineData("/public/a/%2e%2e/ok", "/public/ok")]
    [InlineData("/public/a/./b/../ok", "/public/a/ok")]
    [InlineData("/public/%252e%252e%252fadmin/users", "/public/%252e%252e%252fadmin/users")]
    [InlineData("http://api.example.test/public/a/../ok", "/public/ok")]
    [InlineData("/api/items/7", "/api/items/7")]
    public async Task GrantedTarget_ForwardedNormalized(string target, string expected)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", target, AccessHarness.AliceToken());

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await proxy.Upstream.WaitForRequestsAsync(1));
        Assert.Equal(expected, request.Target);
    }

    /// <summary>An encoded CR LF in a path must never become a line break towards the upstream.</summary>
    [Theory]
    [InlineData("/public/ok%0d%0aX-Injected:%20yes")]
    [InlineData("/public/ok%0D%0AX-Injected:%20yes")]
    [InlineData("/public/ok%0aX-Injected:%20yes")]
    public async Task EncodedLineBreak_NeverInjected(string target)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", target, AccessHarness.AliceToken());

        Assert.Equal(400, response.StatusCode);
        Assert.DoesNotContain("\r\nX-Injected", proxy.Upstream.AllReceivedText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\nX-Injected", proxy.Upstream.AllReceivedText, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LongPath_414()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/" + new string('a', 9000), AccessHarness.AliceToken());

        Assert.Equal(414, response.StatusCode);
        Assert.Empty(proxy.Upstream.Requests);
    }

    /// <summary>Methods are case-sensitive (RFC 9110 section 9.1): a grant for GET does not cover "get", and alice has no POST on /public.</summary>
    [Theory]
    [InlineData("get", "/public/ok")]
    [InlineData("Get", "/public/ok")]
    [InlineData("get", "/admin/users")]
    [InlineData("post", "/api/items/7")]
    [InlineData("POST", "/public/ok")]
    [InlineData("DELETE", "/api/items/../items/7")]
    [InlineData("PUT", "/public/ok")]
    public async Task MethodNotGranted_Denied(string method, string target)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync(method, target, AccessHarness.AliceToken());

        Assert.True(response.StatusCode == 403, $"{method} {target}: status {response.StatusCode}");
        Assert.Empty(proxy.Upstream.Requests);
    }
}
