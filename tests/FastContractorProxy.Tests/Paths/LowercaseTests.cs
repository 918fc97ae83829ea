using System.Text;
using FastContractorProxy.Paths;

namespace FastContractorProxy.Tests.Paths;

public sealed class LowercaseTests
{
    [Theory]
    [InlineData("/Admin/Users", "/admin/users")]
    [InlineData("/caf%C3%A9/ABC", "/caf%C3%A9/abc")]
    [InlineData("/%2F/X", "/%2F/x")]
    [InlineData("/", "/")]
    [InlineData("/a%41", "/a%41")]
    public void Lowercase_KeepsEscapesUppercase(string canonical, string expected)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(canonical);

        PathCanonicalizer.LowercaseInPlace(bytes);

        Assert.Equal(expected, Encoding.ASCII.GetString(bytes));
    }
}
