// A TV app or command-line tool built on oauth4webapi signs in with the Device Authorization Grant (RFC 8628).
// Run by DeviceGrantBrowserTests with ISSUER CLIENT_ID SCOPE (and CLIENT_SECRET for a confidential app) in the
// environment. Prints one JSON line as soon as it has its codes ({"step":"show",...}: what a TV would put on screen),
// then polls the token endpoint as RFC 8628 §3.5 says a device must: at once twice (the second is too fast and must
// hear slow_down), then every `interval` seconds, 5 more after each slow_down, until it gets tokens or an error.
// With tokens it runs oauth4webapi's checks (token response, id_token, userinfo sub, RFC 9068 access token) and polls
// once more, which must fail. Prints one last JSON line ({"step":"done",...}); exits 1 with the error otherwise.
import * as oauth from 'oauth4webapi';

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const issuer = new URL(env('ISSUER'));
const insecure = { [oauth.allowInsecureRequests]: true }; // the test issuer is http://127.0.0.1
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
const client = { client_id: env('CLIENT_ID') };
const clientAuth = process.env.CLIENT_SECRET ? oauth.ClientSecretBasic(process.env.CLIENT_SECRET) : oauth.None();

const device = await oauth.processDeviceAuthorizationResponse(as, client,
  await oauth.deviceAuthorizationRequest(as, client, clientAuth, { scope: env('SCOPE') }, insecure));
console.log(JSON.stringify({
  step: 'show', user_code: device.user_code, verification_uri: device.verification_uri,
  verification_uri_complete: device.verification_uri_complete, expires_in: device.expires_in, interval: device.interval,
}));

// Every answer the token endpoint gave, in order: error codes, or "tokens".
const answers = [];
async function poll() {
  try {
    const tokens = await oauth.processDeviceCodeResponse(as, client,
      await oauth.deviceCodeGrantRequest(as, client, clientAuth, device.device_code, insecure));
    answers.push('tokens');
    return tokens;
  } catch (e) {
    if (!(e instanceof oauth.ResponseBodyError)) throw e;
    answers.push(e.error);
    return e.error;
  }
}

let interval = device.interval ?? 5;
let result = await poll();
result = await poll(); // too soon on purpose
const deadline = Date.now() + device.expires_in * 1000;
while (result === 'authorization_pending' || result === 'slow_down') {
  if (result === 'slow_down') interval += 5;
  if (Date.now() > deadline) throw new Error('the code expired while polling');
  await sleep(interval * 1000);
  result = await poll();
}

const done = { step: 'done', answers, interval };
if (typeof result !== 'string') {
  const idToken = oauth.getValidatedIdTokenClaims(result);
  const userinfo = await oauth.processUserInfoResponse(as, client, idToken.sub,
    await oauth.userInfoRequest(as, client, result.access_token, insecure));
  const accessClaims = await oauth.validateJwtAccessToken(as,
    new Request('http://resource.example/', { headers: { authorization: `Bearer ${result.access_token}` } }), as.issuer, insecure);
  await poll(); // the device code is used up
  Object.assign(done, {
    sub: idToken.sub, aud: idToken.aud, nonce: idToken.nonce ?? null, userinfo_sub: userinfo.sub, at_sub: accessClaims.sub,
    at_client_id: accessClaims.client_id, scope: result.scope, token_type: result.token_type, has_refresh_token: typeof result.refresh_token === 'string',
  });
}
console.log(JSON.stringify(done));
