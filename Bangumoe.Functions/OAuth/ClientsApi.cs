using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;

namespace Bangumoe.Functions.OAuth;

public sealed record ClientBody(string? Name, string? HomeUrl, string? Description, List<string>? RedirectUris, string? Type)
{
    public ClientRegistration ToRegistration() => new(Name, HomeUrl, Description, RedirectUris, Type);
}

public sealed record ClientView(
    string ClientId,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientSecret,
    string Name, string HomeUrl, string Description, IReadOnlyList<string> RedirectUris, string Type, string TokenEndpointAuthMethod, DateTimeOffset CreatedAt)
{
    public static ClientView Of(ClientEntity c, string? secret = null) => new(
        c.ClientId, secret, c.Name, c.HomeUrl, c.Description, c.RedirectUris, c.Type,
        c.IsConfidential ? "client_secret_basic" : "none", c.CreatedAt);
}

public sealed record ClientList(IReadOnlyList<ClientView> Items);

/// <summary>
/// A developer's apps: <c>/api/clients</c>. Needs Bangumoe's own login (scope <c>account</c>). Apps of other users
/// answer 404, the same as apps that do not exist.
/// </summary>
public static class ClientsApi
{
    public static RouteGroupBuilder MapClients(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/clients").WithTags("OAuth apps").RequireAuthorization().RequireScope(Scopes.Account);
        group.MapPost("", Register).WithName("RegisterClient");
        group.MapGet("", List).WithName("ListClients");
        group.MapGet("/{client_id}", Get).WithName("GetClient");
        group.MapPatch("/{client_id}", Update).WithName("UpdateClient");
        group.MapDelete("/{client_id}", Delete).WithName("DeleteClient");
        group.MapPost("/{client_id}/secret", RotateSecret).WithName("RotateClientSecret");
        return group;
    }

    public static async Task<IResult> Register(ClientBody body, CurrentUser me, ClientService clients, HttpContext context, CancellationToken ct)
    {
        var result = await clients.RegisterAsync(me.User.Uid, body.ToRegistration(), ct: ct);
        if (!result.Ok) return result.Error!.ToProblem(context);
        context.Response.Headers.CacheControl = "no-store"; // the secret is in this answer, and only in this one
        var created = result.Value!;
        return TypedResults.Created($"/api/clients/{created.Client.ClientId}", ClientView.Of(created.Client, created.Secret));
    }

    public static async Task<IResult> List(CurrentUser me, ClientService clients, CancellationToken ct) =>
        TypedResults.Ok(new ClientList((await clients.ListOwnedAsync(me.User.Uid, ct)).Select(c => ClientView.Of(c)).ToList()));

    public static async Task<IResult> Get(string client_id, CurrentUser me, ClientService clients, CancellationToken ct) =>
        await clients.FindOwnedAsync(me.User.Uid, client_id, ct) is { } client ? TypedResults.Ok(ClientView.Of(client)) : NotFound();

    public static async Task<IResult> Update(string client_id, ClientBody body, CurrentUser me, ClientService clients, HttpContext context, CancellationToken ct)
    {
        if (await clients.FindOwnedAsync(me.User.Uid, client_id, ct) is not { } client) return NotFound();
        var result = await clients.UpdateAsync(client, body.ToRegistration(), ct);
        return result.Ok ? TypedResults.Ok(ClientView.Of(result.Value!)) : result.Error!.ToProblem(context);
    }

    public static async Task<IResult> Delete(string client_id, CurrentUser me, ClientService clients, CancellationToken ct)
    {
        if (await clients.FindOwnedAsync(me.User.Uid, client_id, ct) is not { } client) return NotFound();
        await clients.DeleteAsync(client, ct);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> RotateSecret(string client_id, CurrentUser me, ClientService clients, HttpContext context, CancellationToken ct)
    {
        if (await clients.FindOwnedAsync(me.User.Uid, client_id, ct) is not { } client) return NotFound();
        var result = await clients.RotateSecretAsync(client, ct);
        if (!result.Ok) return result.Error!.ToProblem(context);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(ClientView.Of(result.Value!.Client, result.Value.Secret));
    }

    private static IResult NotFound() => Problems.Status(404, "client-not-found", "No such app.");
}
