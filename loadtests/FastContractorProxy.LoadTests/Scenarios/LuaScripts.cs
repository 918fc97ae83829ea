using System.Globalization;

namespace FastContractorProxy.LoadTests.Scenarios;

/// <summary>wrk scripts (Lua) for the scenarios that a plain GET with one header cannot express.</summary>
internal static class LuaScripts
{
    /// <summary>Writes a script that sends POST with a body of <paramref name="bytes"/> bytes and returns its path.</summary>
    public static string WritePost(string folder, int bytes)
    {
        string path = Path.Combine(folder, "post.lua");
        File.WriteAllText(path, $"""
            -- POST with a fixed body of {bytes} bytes; wrk adds Content-Length.
            wrk.method = "POST"
            wrk.body = string.rep("a", {bytes.ToString(CultureInfo.InvariantCulture)})
            wrk.headers["Content-Type"] = "application/octet-stream"

            """);
        return path;
    }

    /// <summary>
    /// Writes the tokens, one a line, and a script that sends each request with the next token in turn, and
    /// returns the script's path. wrk's -H cannot vary a header per request, so the script builds each request.
    /// NOTE: building every request in Lua costs wrk CPU, so wrk itself may cap the RPS of the fastest targets here.
    /// </summary>
    public static string WriteTokenRotation(string folder, IReadOnlyList<string> tokens)
    {
        string tokenFile = Path.Combine(folder, "tokens.txt");
        File.WriteAllLines(tokenFile, tokens);
        string path = Path.Combine(folder, "tokens.lua");
        File.WriteAllText(path, $$"""
            -- Sends every request with the next of the tokens in {{tokenFile}}, one a line.
            local tokens = {}
            for line in io.lines("{{tokenFile}}") do
              tokens[#tokens + 1] = line
            end
            local next_token = 0

            request = function()
              next_token = next_token % #tokens + 1
              return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[next_token] })
            end

            """);
        return path;
    }
}
