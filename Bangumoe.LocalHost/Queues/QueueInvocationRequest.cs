using System.Text;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Bangumoe.LocalHost.Protocol;

namespace Bangumoe.LocalHost.Queues;

/// <summary>
/// The InvocationRequest for one queue message, shaped like the Azure host's: the message as the trigger's input
/// (a string, JSON when the message is a JSON object or array, bytes for a binary binding) and the queue trigger's
/// binding data as trigger_metadata (<c>QueueTrigger</c>, <c>Id</c>, <c>PopReceipt</c> as strings; <c>DequeueCount</c>
/// and the times as JSON, as the host serialises non-string values).
/// </summary>
internal static class QueueInvocationRequest
{
    public static InvocationRequest Create(
        LocalFunction function,
        string functionId,
        string invocationId,
        QueueMessage message,
        byte[] body,
        bool binary)
    {
        var text = Encoding.UTF8.GetString(body);
        var request = new InvocationRequest
        {
            FunctionId = functionId,
            InvocationId = invocationId,
            TraceContext = new RpcTraceContext
            {
                TraceParent = $"00-{System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString()}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-00",
            },
        };
        request.InputData.Add(new ParameterBinding
        {
            Name = function.TriggerBindingName,
            Data = binary ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(body) }
                : IsJsonObjectOrArray(text) ? new TypedData { Json = text }
                : new TypedData { String = text },
        });

        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = text };
        request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        AddTime(request, "InsertionTime", message.InsertedOn);
        AddTime(request, "ExpirationTime", message.ExpiresOn);
        AddTime(request, "NextVisibleTime", message.NextVisibleOn);
        return request;
    }

    private static void AddTime(InvocationRequest request, string name, DateTimeOffset? time)
    {
        if (time is { } value) request.TriggerMetadata[name] = new TypedData { Json = JsonSerializer.Serialize(value) };
    }

    private static bool IsJsonObjectOrArray(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty || (trimmed[0] != '{' && trimmed[0] != '[')) return false;
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
