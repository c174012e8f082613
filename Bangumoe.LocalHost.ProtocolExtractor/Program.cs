using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

// Usage: Bangumoe.LocalHost.ProtocolExtractor <output.pb> <csharp namespace>
//
// The worker's message classes are internal and no .proto ships with the package, but protoc's C# output embeds
// each file's descriptor and exposes it as <File>Reflection.Descriptor. This program finds FunctionRpc's, walks its
// imports, renames the C# namespace (so generated classes never share a full name with the worker's own) and writes
// all of it as one FileDescriptorSet, dependencies first, as protoc's --descriptor_set_in expects.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Bangumoe.LocalHost.ProtocolExtractor <output.pb> <csharp namespace>");
    return 2;
}

var output = args[0];
var csharpNamespace = args[1];

var workerGrpc = Assembly.Load("Microsoft.Azure.Functions.Worker.Grpc");
var reflectionClass = workerGrpc.GetTypes().SingleOrDefault(t => t.Name == "FunctionRpcReflection")
    ?? throw new InvalidOperationException($"{workerGrpc.FullName} has no FunctionRpcReflection class; has the package changed shape?");
var descriptor = (FileDescriptor?)reflectionClass.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
    ?? throw new InvalidOperationException($"{reflectionClass.FullName}.Descriptor is missing.");

var set = new FileDescriptorSet();
var added = new HashSet<string>(StringComparer.Ordinal);
Add(descriptor);

var bytes = set.ToByteArray();
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
// Only touch the file when the content changes, so incremental builds stay incremental.
if (!File.Exists(output) || !File.ReadAllBytes(output).AsSpan().SequenceEqual(bytes))
    File.WriteAllBytes(output, bytes);
Console.WriteLine($"{output}: {string.Join(", ", set.File.Select(f => f.Name))}");
return 0;

void Add(FileDescriptor file)
{
    if (!added.Add(file.Name)) return;
    foreach (var dependency in file.Dependencies) Add(dependency);

    var proto = FileDescriptorProto.Parser.ParseFrom(file.SerializedData);
    // Well-known types (google/protobuf/*) are generated inside Google.Protobuf itself; leave them untouched.
    if (!file.Name.StartsWith("google/protobuf/", StringComparison.Ordinal))
    {
        proto.Options ??= new Google.Protobuf.Reflection.FileOptions();
        proto.Options.CsharpNamespace = csharpNamespace;
    }
    set.File.Add(proto);
}
