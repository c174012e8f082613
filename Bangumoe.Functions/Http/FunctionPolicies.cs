using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Http;

/// <summary>A function with this attribute answers with <c>Cache-Control: no-store</c>: tokens, secrets, codes.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NoStoreAttribute : Attribute;

/// <summary>A function that serves a page to a person: when it fails, the answer is a page too (in their language,
/// with the right status), not problem+json.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PageAttribute : Attribute;

/// <summary>
/// What a function's method declares for the worker middleware (<see cref="RequireScopeAttribute"/>,
/// <see cref="NoStoreAttribute"/>), found by its entry point ("Namespace.Type.Method", as the SDK records it) once per
/// function.
/// </summary>
public static class FunctionPolicies
{
    private static readonly ConcurrentDictionary<string, Attribute[]> Declared = new(StringComparer.Ordinal);

    public static T? Get<T>(FunctionContext context) where T : Attribute =>
        Declared.GetOrAdd(context.FunctionDefinition.EntryPoint, Read).OfType<T>().FirstOrDefault();

    public static bool Has<T>(FunctionContext context) where T : Attribute => Get<T>(context) is not null;

    private static Attribute[] Read(string entryPoint)
    {
        var split = entryPoint.LastIndexOf('.');
        var type = typeof(FunctionPolicies).Assembly.GetType(entryPoint[..split], throwOnError: true)!;
        var method = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Single(m => m.Name == entryPoint[(split + 1)..]);
        return method.GetCustomAttributes().ToArray();
    }
}
