using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// A developer's apps: <c>/api/clients</c>. Needs Bangumoe's own login (scope <c>account</c>). Apps of other users
/// answer 404, the same as apps that do not exist.
/// </summary>
public sealed class ClientFunctions(ClientService clients)
{
    [Function("RegisterClient")]
    [NoStore]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Register([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/clients")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        var body = await req.ReadJsonAsync<ClientBody>(ct);
        var result = await clients.RegisterAsync(req.Caller().User.Uid, body.ToRegistration(), ct: ct);
        if (!result.Ok) return result.Error!.ToProblem(context);
        var created = result.Value!;
        return TypedResults.Created($"/api/clients/{created.Client.ClientId}", ClientView.Of(created.Client, created.Secret));
    }

    [Function("ListClients")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/clients")] HttpRequest req, CancellationToken ct) =>
        TypedResults.Ok(new ClientList((await clients.ListOwnedAsync(req.Caller().User.Uid, ct)).Select(c => ClientView.Of(c)).ToList()));

    [Function("GetClient")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/clients/{client_id}")] HttpRequest req, string client_id, CancellationToken ct) =>
        await clients.FindOwnedAsync(req.Caller().User.Uid, client_id, ct) is { } client ? TypedResults.Ok(ClientView.Of(client)) : NotFound();

    [Function("UpdateClient")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/clients/{client_id}")] HttpRequest req, string client_id, CancellationToken ct)
    {
        if (await clients.FindOwnedAsync(req.Caller().User.Uid, client_id, ct) is not { } client) return NotFound();
        var body = await req.ReadJsonAsync<ClientBody>(ct);
        var result = await clients.UpdateAsync(client, body.ToRegistration(), ct);
        return result.Ok ? TypedResults.Ok(ClientView.Of(result.Value!)) : result.Error!.ToProblem(req.HttpContext);
    }

    [Function("DeleteClient")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/clients/{client_id}")] HttpRequest req, string client_id, CancellationToken ct)
    {
        if (await clients.FindOwnedAsync(req.Caller().User.Uid, client_id, ct) is not { } client) return NotFound();
        await clients.DeleteAsync(client, ct);
        return TypedResults.NoContent();
    }

    [Function("RotateClientSecret")]
    [NoStore]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> RotateSecret([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/clients/{client_id}/secret")] HttpRequest req, string client_id, CancellationToken ct)
    {
        if (await clients.FindOwnedAsync(req.Caller().User.Uid, client_id, ct) is not { } client) return NotFound();
        var result = await clients.RotateSecretAsync(client, ct);
        if (!result.Ok) return result.Error!.ToProblem(req.HttpContext);
        return TypedResults.Ok(ClientView.Of(result.Value!.Client, result.Value.Secret));
    }

    private static IResult NotFound() => Problems.Status(404, "client-not-found", "No such app.");
}
