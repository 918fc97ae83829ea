using System.Globalization;

namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>Reads CPU time and memory of processes from Linux's /proc.</summary>
internal static class ProcFs
{
    /// <summary>Clock ticks per second of the utime and stime fields of /proc/PID/stat (USER_HZ, 100 on Linux).</summary>
    public static int ClockTicksPerSecond { get; set; } = 100;

    /// <summary>Returns <paramref name="root"/> and all its descendants that are alive now.</summary>
    public static IReadOnlyList<int> ProcessTree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (string folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string[]? fields = ReadStatFields(pid);
            if (fields is null)
            {
                continue;
            }

            int parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (!children.TryGetValue(parent, out List<int>? list))
            {
                children[parent] = list = [];
            }

            list.Add(pid);
        }

        var tree = new List<int> { root };
        for (int i = 0; i < tree.Count && i < 10_000; i++)
        {
            if (children.TryGetValue(tree[i], out List<int>? list))
            {
                tree.AddRange(list);
            }
        }

        return tree;
    }

    /// <summary>Returns the user plus system CPU time of the processes in clock ticks; a process that has exited counts 0.</summary>
    public static long CpuTicks(IEnumerable<int> pids)
    {
        long total = 0;
        foreach (int pid in pids)
        {
            string[]? fields = ReadStatFields(pid);
            if (fields is not null)
            {
                // Fields after the command name, counted from 0: state is 0, utime is 11 and stime is 12
                // (fields 14 and 15 of proc(5)).
                total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>Returns a field of /proc/PID/status in KiB (VmRSS, VmHWM), or 0 when the process is gone.</summary>
    public static long StatusKiB(int pid, string field)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    public static long SumKiB(IEnumerable<int> pids, string field) => pids.Sum(pid => StatusKiB(pid, field));

    /// <summary>Resets the peak RSS (VmHWM) of a process to its current RSS by writing 5 to /proc/PID/clear_refs. Returns false when that is not allowed.</summary>
    public static bool ResetPeakRss(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Returns the number of open sockets of a process (file descriptors that link to <c>socket:</c>).</summary>
    public static int OpenSockets(int pid)
    {
        int count = 0;
        try
        {
            foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                string? link = new FileInfo(fd).LinkTarget;
                if (link is not null && link.StartsWith("socket:", StringComparison.Ordinal))
                {
                    count++;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return count;
    }

    // Returns the fields of /proc/PID/stat after the command name, which is in parentheses and may contain spaces.
    private static string[]? ReadStatFields(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        int end = text.LastIndexOf(')');
        return end < 0 ? null : text[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
