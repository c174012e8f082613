namespace Bangumoe.Tests.Infrastructure;

/// <summary>The median and quartiles of a sample, in the unit it was measured in.</summary>
public sealed record Quartiles(double Q1, double Median, double Q3)
{
    public static Quartiles Of(IReadOnlyCollection<double> sample)
    {
        var sorted = sample.Order().ToArray();
        return new Quartiles(Quantile(sorted, 0.25), Quantile(sorted, 0.5), Quantile(sorted, 0.75));
    }

    /// <summary>Linear interpolation between the closest ranks (the usual "type 7" definition).</summary>
    private static double Quantile(double[] sorted, double p)
    {
        if (sorted.Length == 0) throw new ArgumentException("An empty sample has no quantiles.", nameof(sorted));
        var position = p * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    public override string ToString() => FormattableString.Invariant($"median {Median:0.000} (quartiles {Q1:0.000}–{Q3:0.000})");
}

/// <summary>The result of a Mann–Whitney U test: U of the first sample, the z score and the two-sided p value.</summary>
public sealed record RankTestResult(double U, double Z, double P);

/// <summary>
/// The Mann–Whitney U test (Wilcoxon rank-sum): are two samples drawn from the same distribution? Timings are skewed
/// and have long tails (a GC pause, a scheduler hiccup), so a test on ranks rather than on means: one outlier moves a
/// rank by one, not the mean by milliseconds. Ties get their average rank and the variance its tie correction; p comes
/// from the normal approximation with continuity correction, which is accurate for samples of more than about 20.
/// </summary>
public static class MannWhitney
{
    public static RankTestResult Test(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        double n1 = first.Count, n2 = second.Count, n = n1 + n2;
        if (n1 < 20 || n2 < 20) throw new ArgumentException("The normal approximation needs at least 20 values per sample.");

        var pooled = first.Select(v => (Value: v, First: true)).Concat(second.Select(v => (Value: v, First: false)))
            .OrderBy(x => x.Value).ToArray();
        double rankSumFirst = 0, tieTerm = 0;
        for (var i = 0; i < pooled.Length;)
        {
            var j = i;
            while (j + 1 < pooled.Length && pooled[j + 1].Value == pooled[i].Value) j++;
            var averageRank = (i + j + 2) / 2.0; // ranks are 1-based: i+1 … j+1
            for (var k = i; k <= j; k++)
                if (pooled[k].First) rankSumFirst += averageRank;
            double ties = j - i + 1;
            tieTerm += ties * ties * ties - ties;
            i = j + 1;
        }

        var u = rankSumFirst - n1 * (n1 + 1) / 2;
        var mean = n1 * n2 / 2;
        var variance = n1 * n2 / 12 * (n + 1 - tieTerm / (n * (n - 1)));
        if (variance <= 0) return new RankTestResult(u, 0, 1); // every value equal: nothing tells the samples apart
        var z = Math.Max(0, Math.Abs(u - mean) - 0.5) / Math.Sqrt(variance);
        return new RankTestResult(u, Math.Sign(u - mean) * z, Math.Min(1, Erfc(z / Math.Sqrt(2))));
    }

    /// <summary>The complementary error function, to a fractional error below 1.2e-7 (Numerical Recipes' erfcc, a
    /// Chebyshev fit): far finer than the p values a test compares against. .NET has no erf of its own.</summary>
    internal static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
