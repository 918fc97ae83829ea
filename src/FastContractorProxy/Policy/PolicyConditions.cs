using System.Net;
using System.Net.Sockets;

namespace FastContractorProxy.Policy;

/// <summary>A grant's conditions prepared for checking without allocation.</summary>
internal sealed class CompiledConditions
{
    private readonly string[] _scopes;
    private readonly IPNetwork[] _ranges;
    private readonly ScheduleDefinition? _schedule;
    private readonly DateTimeOffset _notBefore;
    private readonly DateTimeOffset _notAfter;

    public CompiledConditions(GrantConditions conditions)
    {
        _scopes = [.. conditions.Scopes];
        _schedule = conditions.Schedule;
        _notBefore = conditions.NotBefore ?? DateTimeOffset.MinValue;
        _notAfter = conditions.NotAfter ?? DateTimeOffset.MaxValue;

        // An IPv4 client reached over a dual-stack socket appears as ::ffff:a.b.c.d, so each IPv4 range is
        // also listed in that mapped form.
        var ranges = new List<IPNetwork>();
        foreach (IPNetwork range in conditions.SourceRanges)
        {
            ranges.Add(range);
            if (range.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            {
                ranges.Add(new IPNetwork(range.BaseAddress.MapToIPv6(), range.PrefixLength + 96));
            }
        }

        _ranges = [.. ranges];
    }

    /// <summary>Checks the conditions in a fixed order and returns the first that fails, or <see cref="PolicyReason.Allowed"/>.</summary>
    public PolicyReason Check(IReadOnlyList<string> scopes, IPAddress? clientAddress, DateTimeOffset now)
    {
        if (now < _notBefore || now > _notAfter)
        {
            return PolicyReason.GrantExpired;
        }

        foreach (string required in _scopes)
        {
            if (!Contains(scopes, required))
            {
                return PolicyReason.ScopeMissing;
            }
        }

        if (_ranges.Length > 0 && !InRanges(clientAddress))
        {
            return PolicyReason.AddressNotAllowed;
        }

        if (_schedule is not null && !InSchedule(_schedule, now))
        {
            return PolicyReason.OutsideHours;
        }

        return PolicyReason.Allowed;
    }

    private static bool Contains(IReadOnlyList<string> values, string value)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private bool InRanges(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        foreach (IPNetwork range in _ranges)
        {
            if (range.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InSchedule(ScheduleDefinition schedule, DateTimeOffset now)
    {
        DateTimeOffset local = TimeZoneInfo.ConvertTime(now, schedule.TimeZone);
        if (((int)schedule.Days & (1 << (int)local.DayOfWeek)) == 0)
        {
            return false;
        }

        int minute = local.Hour * 60 + local.Minute;
        return minute >= schedule.FromMinute && minute < schedule.ToMinute;
    }
}
