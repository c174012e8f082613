namespace Bangumoe.LocalHost;

/// <summary>What triggers a function, as far as this host can run it.</summary>
public enum FunctionTriggerKind
{
    /// <summary>An <c>httpTrigger</c>: served on the public port under the route prefix.</summary>
    Http,

    /// <summary>A <c>queueTrigger</c>: the host polls the queue and invokes the function per message.</summary>
    Queue,

    /// <summary>Any other trigger (timer, blob, ...): loaded into the worker, never invoked by this host.</summary>
    Unsupported,
}

/// <summary>One function of the app, as read from its <c>functions.metadata</c>.</summary>
/// <param name="Name">The function's name (<c>[Function("...")]</c>).</param>
/// <param name="Trigger">What triggers it.</param>
/// <param name="TriggerType">The trigger binding's type as written in the metadata (<c>httpTrigger</c>, <c>timerTrigger</c>, ...).</param>
/// <param name="TriggerBindingName">The trigger binding's name, i.e. the parameter the worker binds the input to.</param>
/// <param name="RouteTemplate">HTTP only: the full ASP.NET Core route template, route prefix included (no leading slash).</param>
/// <param name="Methods">HTTP only: the allowed methods, upper case; empty means every method.</param>
/// <param name="AuthLevel">HTTP only: the declared authorization level; this host does not enforce it.</param>
/// <param name="QueueName">Queue only: the queue polled.</param>
/// <param name="Connection">Queue only: the name of the setting that holds the storage connection.</param>
public sealed record LocalFunction(
    string Name,
    FunctionTriggerKind Trigger,
    string TriggerType,
    string TriggerBindingName,
    string? RouteTemplate,
    IReadOnlyList<string> Methods,
    string? AuthLevel,
    string? QueueName,
    string? Connection)
{
    /// <summary>How <c>func start</c> would list the function, e.g. <c>Hello: [GET,POST] http://127.0.0.1:7071/api/hello</c>.</summary>
    public string Describe(Uri baseAddress) => Trigger switch
    {
        FunctionTriggerKind.Http =>
            $"{Name}: [{(Methods.Count == 0 ? "ALL" : string.Join(',', Methods))}] {new Uri(baseAddress, RouteTemplate)}",
        FunctionTriggerKind.Queue => $"{Name}: queueTrigger ({QueueName})",
        _ => $"{Name}: {TriggerType} (not run by this host)",
    };
}
