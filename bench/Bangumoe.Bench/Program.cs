namespace Bangumoe.Bench;

/// <summary>
/// <c>baseline</c>: the bare sibling app the ratios are measured against. <c>run</c>: the whole benchmark (bench/run.sh).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["baseline", ..]) return await BaselineApp.RunAsync(args[1..]);
        if (args is ["run", ..]) return await Benchmark.RunAsync(BenchOptions.Parse(args[1..]));
        await Console.Error.WriteLineAsync("usage: Bangumoe.Bench run --app-dir DIR --bare-dir DIR --host-dll PATH --storage CONNECTION --maildev URL [--duration 20] [--connections 32]\n       Bangumoe.Bench baseline (Urls and AzureWebJobsStorage from the environment)");
        return 2;
    }
}
