using FastContractorProxy.Audit;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Tests.Audit;

public sealed class AuditSettingsReaderTests
{
    [Fact]
    public void FullSection_Read()
    {
        (AuditSettings settings, List<string> errors) = Read("""
            enabled: true
            path: /var/log/fcp/audit.log
            stdout: true
            queue_capacity: 1024
            full_policy: drop
            max_file_bytes: 1048576
            rotate_interval: 1h
            flush_interval: 250ms
            fsync: every_batch
            include_query: true
            fail_closed: true
            """);

        Assert.Empty(errors);
        Assert.True(settings.Enabled);
        Assert.Equal("/var/log/fcp/audit.log", settings.Path);
        Assert.True(settings.Stdout);
        Assert.Equal(1024, settings.QueueCapacity);
        Assert.Equal(AuditFullPolicy.Drop, settings.FullPolicy);
        Assert.Equal(1_048_576, settings.MaxFileBytes);
        Assert.Equal(TimeSpan.FromHours(1), settings.RotateInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.FlushInterval);
        Assert.Equal(AuditFsyncPolicy.EveryBatch, settings.Fsync);
        Assert.True(settings.IncludeQuery);
        Assert.True(settings.FailClosed);
    }

    [Fact]
    public void PathOnly_Defaults()
    {
        (AuditSettings settings, List<string> errors) = Read("path: audit.log");

        Assert.Empty(errors);
        Assert.True(settings.Enabled);
        Assert.False(settings.Stdout);
        Assert.Equal(65_536, settings.QueueCapacity);
        Assert.Equal(AuditFullPolicy.Block, settings.FullPolicy);
        Assert.Equal(100L * 1024 * 1024, settings.MaxFileBytes);
        Assert.Equal(TimeSpan.FromHours(24), settings.RotateInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.FlushInterval);
        Assert.Equal(AuditFsyncPolicy.Interval, settings.Fsync);
        Assert.False(settings.IncludeQuery);
        Assert.False(settings.FailClosed);
    }

    [Fact]
    public void ZeroLimits_TurnRotationOff()
    {
        (AuditSettings settings, List<string> errors) = Read("""
            stdout: true
            max_file_bytes: 0
            rotate_interval: 0s
            """);

        Assert.Empty(errors);
        Assert.Equal(0, settings.MaxFileBytes);
        Assert.Equal(TimeSpan.Zero, settings.RotateInterval);
    }

    [Theory]
    [InlineData("full_policy: wait", "audit.full_policy: 'wait' is not a queue-full policy")]
    [InlineData("fsync: always", "audit.fsync: 'always' is not an fsync policy")]
    [InlineData("queue_capacity: 0", "audit.queue_capacity:")]
    [InlineData("max_file_bytes: -1", "audit.max_file_bytes:")]
    [InlineData("rotate_interval: 10ms", "audit.rotate_interval: 10 ms is shorter than 1s")]
    [InlineData("flush_interval: 0s", "audit.flush_interval:")]
    [InlineData("include_query: yes", "audit.include_query: 'yes' is not true or false")]
    [InlineData("colour: blue", "unknown key 'colour'")]
    public void InvalidValue_Reported(string line, string expected)
    {
        (_, List<string> errors) = Read("path: audit.log\n" + line);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void NoSink_Reported()
    {
        (_, List<string> errors) = Read("fail_closed: true");

        Assert.Contains(errors, e => e.StartsWith("audit: no 'path' and 'stdout' is false", StringComparison.Ordinal));
    }

    [Fact]
    public void DisabledWithoutSink_Accepted()
    {
        (AuditSettings settings, List<string> errors) = Read("enabled: false");

        Assert.Empty(errors);
        Assert.False(settings.Enabled);
    }

    private static (AuditSettings Settings, List<string> Errors) Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var errors = new List<string>();
        AuditSettings settings = AuditSettingsReader.Read((YamlMappingNode)stream.Documents[0].RootNode, errors);
        return (settings, errors);
    }
}
