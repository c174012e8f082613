using Bangumoe.LocalHost.Protocol;
using Grpc.Core;

namespace Bangumoe.LocalHost.Worker;

/// <summary>The gRPC service the worker calls (<c>AzureFunctionsRpcMessages.FunctionRpc/EventStream</c>).</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(
        IAsyncStreamReader<StreamingMessage> requestStream,
        IServerStreamWriter<StreamingMessage> responseStream,
        ServerCallContext context) =>
        channel.RunAsync(requestStream, responseStream, context);
}
