namespace Bangumoe.LocalHost.Worker;

/// <summary>The worker is not connected, or went away while an invocation was waiting for it.</summary>
public sealed class WorkerUnavailableException : Exception
{
    public WorkerUnavailableException(string message) : base(message) { }

    public WorkerUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public WorkerUnavailableException() : this("The Functions worker is not available.") { }
}
