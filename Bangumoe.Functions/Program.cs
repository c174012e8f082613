using Bangumoe.Functions;
using Bangumoe.Functions.Hosting;

if (Commands.RunWithoutApp(args) is { } exitCode) return exitCode;

// Commands get no command-line configuration: their arguments are not settings.
var builder = WebApplication.CreateSlimBuilder(Commands.IsCommand(args) ? [] : args);
builder.AddBangumoe();
var app = builder.Build();
app.MapBangumoe();

if (Commands.IsCommand(args)) return Commands.RunWithApp(args, app);
app.Run();
return 0;

public partial class Program;
