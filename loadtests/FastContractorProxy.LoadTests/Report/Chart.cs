using ScottPlot;

namespace FastContractorProxy.LoadTests.Report;

/// <summary>
/// Draws chart.png: grouped bars of median RPS per target for each scenario (top) and of median p99 latency
/// (bottom). Targets that did not run in a scenario have no bar.
/// </summary>
internal static class Chart
{
    public static void Write(IReadOnlyList<ScenarioSummary> summaries, string path)
    {
        string[] targets = summaries.SelectMany(s => s.Targets).Select(t => t.DisplayName).Distinct().ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Draw(multiplot.GetPlot(0), summaries, targets, t => t.RequestsPerSecond, "Requests per second (median)", "RPS");
        Draw(multiplot.GetPlot(1), summaries, targets, t => t.P99Milliseconds, "p99 latency (median)", "ms");
        multiplot.SavePng(path, Math.Max(900, 220 * summaries.Count + 300), 1000);
    }

    private static void Draw(Plot plot, IReadOnlyList<ScenarioSummary> summaries, string[] targets, Func<TargetSummary, double> metric, string title, string unit)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        int groupWidth = targets.Length + 1;
        for (int s = 0; s < summaries.Count; s++)
        {
            foreach (TargetSummary target in summaries[s].Targets.Where(t => t.Measured))
            {
                double value = metric(target);
                if (!double.IsFinite(value))
                {
                    continue;
                }

                int index = Array.IndexOf(targets, target.DisplayName);
                bars.Add(new Bar { Position = s * groupWidth + index, Value = value, FillColor = palette.GetColor(index) });
            }
        }

        plot.Add.Bars(bars);
        for (int i = 0; i < targets.Length; i++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = targets[i], FillColor = palette.GetColor(i) });
        }

        plot.ShowLegend(Alignment.UpperRight);
        Tick[] ticks = summaries.Select((summary, s) => new Tick(s * groupWidth + (targets.Length - 1) / 2.0, summary.Scenario.Name)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        // Room above the tallest bar for the legend.
        plot.Axes.Margins(bottom: 0, top: 0.3);
        plot.Title(title);
        plot.YLabel(unit);
    }
}
