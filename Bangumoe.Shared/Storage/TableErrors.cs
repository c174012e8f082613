using Azure;

namespace Bangumoe.Storage;

/// <summary>The storage status codes the code branches on.</summary>
public static class TableErrors
{
    public static bool IsConflict(this RequestFailedException e) => e.Status == 409;

    public static bool IsNotFound(this RequestFailedException e) => e.Status == 404;

    /// <summary>412: the ETag did not match, someone else wrote first.</summary>
    public static bool IsPreconditionFailed(this RequestFailedException e) => e.Status == 412;
}
