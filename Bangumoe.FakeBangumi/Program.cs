namespace Bangumoe.FakeBangumi;

/// <summary>
/// Standalone fake Bangumi for local demos: <c>dotnet run --project Bangumoe.FakeBangumi [--urls http://127.0.0.1:7081]
/// [--FakeBangumi:RedirectUri=…] [--FakeBangumi:PageDelay=100]</c>. See README.md.
/// </summary>
/// <remarks>
/// An explicit class rather than top-level statements: .NET 10 makes a top-level <c>Program</c> public, and the test
/// project, which references this project and Bangumoe.Functions, would then see two global <c>Program</c> types.
/// </remarks>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        await using var fake = FakeBangumi.Create(args, options: null, url: null, standalone: true);

        var sai = fake.AddUser("sai", "Sai🖖");
        sai.GenerateCollection(120);

        var demo2 = fake.AddUser("demo2", "Demo Two");
        demo2.AddAnime(8, type: 3, rate: 4, comment: "看看", epStatus: 5, name: "サンプルアニメ", nameCn: "示例动画", eps: 25, date: "2008-04-06");
        demo2.AddAnime(400001, type: 2, epStatus: 2, isPrivate: true, name: "Example OVA", eps: 2, date: null, withImages: false);
        demo2.AddAnime(9, type: 1, rate: 9, name: "ウィッシュ", nameCn: "想看的动画");

        await fake.RunUntilShutdownAsync();
    }
}
