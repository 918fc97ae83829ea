using System.Buffers.Text;
using System.Text;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// Request heads shaped like traffic that a browser and an API client send. They were written for these
/// benchmarks, not captured, and every token, cookie and host in them is made up.
/// </summary>
internal static class SampleRequests
{
    public const string BrowserPath = "/products/espresso-machines";

    /// <summary>Number of field lines in <see cref="Browser"/>.</summary>
    public const int BrowserFieldCount = 17;

    public const string ApiPathPrefix = "/api/v2/orders/";

    /// <summary>Number of field lines in each request from <see cref="CreateApi"/>.</summary>
    public const int ApiFieldCount = 3;

    /// <summary>A top-level navigation by a Chromium-based browser, with client hints, fetch metadata and cookies.</summary>
    public static readonly string Browser =
        "GET /products/espresso-machines?sort=price_asc&page=2 HTTP/1.1\r\n" +
        "Host: shop.example.com\r\n" +
        "Connection: keep-alive\r\n" +
        "sec-ch-ua: \"Chromium\";v=\"142\", \"Google Chrome\";v=\"142\", \"Not_A Brand\";v=\"99\"\r\n" +
        "sec-ch-ua-mobile: ?0\r\n" +
        "sec-ch-ua-platform: \"Windows\"\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n" +
        "Sec-Fetch-Site: same-origin\r\n" +
        "Sec-Fetch-Mode: navigate\r\n" +
        "Sec-Fetch-User: ?1\r\n" +
        "Sec-Fetch-Dest: document\r\n" +
        "Referer: https://shop.example.com/products?category=kitchen&brand=all\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-GB,en;q=0.9,de-DE;q=0.8,de;q=0.7\r\n" +
        "Cookie: session_id=3f9c2b7a1e4d4c0f8a6b5d2e9c1f7a3b; cart_token=c7a91e0b-52d4-4f7e-9b1a-6d3c8e2f4a10; " +
        "_ga=GA1.1.1843392057.1733301122; _ga_Q7X2K9LM4P=GS1.1.1733301122.3.1.1733301846.0.0.0; " +
        "consent=necessary%3Dyes%26analytics%3Dno%26ads%3Dno; locale=en-GB\r\n" +
        "Priority: u=0, i\r\n" +
        "\r\n";

    /// <summary>
    /// A JWT-shaped bearer token: base64url header and claims, and 256 random bytes in place of an RS256
    /// signature, so it has the length of a real token (704 characters) but is signed by nothing.
    /// </summary>
    public static readonly string DummyJwt = CreateDummyJwt();

    /// <summary>A small GET from an API client that authenticates with a bearer token.</summary>
    public static string CreateApi(int orderId) =>
        $"GET {ApiPathPrefix}{orderId}?include=items HTTP/1.1\r\n" +
        "Host: api.example.com\r\n" +
        $"Authorization: Bearer {DummyJwt}\r\n" +
        "Accept: application/json\r\n" +
        "\r\n";

    private static string CreateDummyJwt()
    {
        const string header = """{"alg":"RS256","typ":"JWT","kid":"k-2024-11-rotating-07"}""";
        const string claims =
            """{"iss":"https://auth.example.com/","sub":"user_4f1c9a2e7b","aud":"orders-api","iat":1733300000""" +
            ""","exp":1733303600,"jti":"0b8e6c2a-91f3-4d57-a2e8-7c4b19d0f365","scope":"orders:read orders:write","tenant":"acme-eu-1"}""";

        // A fixed seed keeps the token, and so the benchmark input, the same in every run.
        byte[] signature = new byte[256];
        new Random(20241204).NextBytes(signature);

        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." +
            Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims)) + "." +
            Base64Url.EncodeToString(signature);
    }
}
