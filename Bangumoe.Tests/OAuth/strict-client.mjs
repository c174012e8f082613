// A third-party app built on oauth4webapi (RP-certified, zero-dependency, strict) signs a user in through Bangumoe.
// Run by StrictClientTests with: ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI LOGIN PASSWORD in the environment.
// Every oauth4webapi check must pass: discovery, iss/state in the callback, token response shape, id_token and nonce,
// userinfo sub, RFC 9068 access-token validation, refresh, revocation (exactly 200) and introspection.
// Prints one JSON line with what it saw; exits 1 with the error otherwise.
import * as oauth from 'oauth4webapi';

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const issuer = new URL(env('ISSUER'));
const redirectUri = env('REDIRECT_URI');
const insecure = { [oauth.allowInsecureRequests]: true }; // the test issuer is http://127.0.0.1

// A browser, as far as the login and consent pages need one: cookies and hidden form fields.
const cookies = new Map();
async function browse(url, init = {}) {
  const headers = new Headers(init.headers);
  if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const c of response.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return response;
}
const decode = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function hiddenFields(html) {
  const fields = new URLSearchParams();
  // Only the page's own form, in <main>: the layout's header has forms of its own (language switch, sign-out).
  const main = html.slice(Math.max(0, html.indexOf('<main')));
  for (const m of main.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)" ?\/?>/g)) fields.append(decode(m[1]), decode(m[2]));
  return fields;
}
async function submit(pageResponse, extra) {
  if (pageResponse.status !== 200) throw new Error(`expected a page, got ${pageResponse.status}`);
  const fields = hiddenFields(await pageResponse.text());
  for (const [k, v] of Object.entries(extra)) fields.set(k, v);
  return browse(new URL('/oauth/authorize', issuer), { method: 'POST', body: fields });
}

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
const client = { client_id: env('CLIENT_ID') };
const clientAuth = oauth.ClientSecretBasic(env('CLIENT_SECRET'));

const verifier = oauth.generateRandomCodeVerifier();
const state = oauth.generateRandomState();
const nonce = oauth.generateRandomNonce();
const authorize = new URL(as.authorization_endpoint);
for (const [k, v] of Object.entries({
  client_id: client.client_id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile email offline_access',
  code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
})) authorize.searchParams.set(k, v);

const loginPage = await browse(authorize);
const afterLogin = await submit(loginPage, { action: 'login', login: env('LOGIN'), password: env('PASSWORD') });
if (afterLogin.status !== 303) throw new Error(`login answered ${afterLogin.status}, not 303`);
const consentPage = await browse(new URL(afterLogin.headers.get('location'), issuer));
const allowed = await submit(consentPage, { action: 'allow' });
if (allowed.status !== 303) throw new Error(`consent answered ${allowed.status}, not 303`);
const callback = new URL(allowed.headers.get('location'));

const params = oauth.validateAuthResponse(as, client, callback, state); // iss must equal the issuer exactly
const tokens = await oauth.processAuthorizationCodeResponse(as, client,
  await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, insecure),
  { expectedNonce: nonce, requireIdToken: true });
const idToken = oauth.getValidatedIdTokenClaims(tokens);
const userinfo = await oauth.processUserInfoResponse(as, client, idToken.sub,
  await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
const accessClaims = await oauth.validateJwtAccessToken(as,
  new Request('http://resource.example/', { headers: { authorization: `Bearer ${tokens.access_token}` } }), as.issuer, insecure);

const refreshed = await oauth.processRefreshTokenResponse(as, client,
  await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, insecure));
const active = await oauth.processIntrospectionResponse(as, client,
  await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));
await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token, insecure));
const afterRevoke = await oauth.processIntrospectionResponse(as, client,
  await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));

console.log(JSON.stringify({
  sub: idToken.sub, userinfo_sub: userinfo.sub, email: userinfo.email, at_sub: accessClaims.sub, at_client_id: accessClaims.client_id,
  token_type: tokens.token_type, refreshed: refreshed.refresh_token !== tokens.refresh_token,
  active_before_revoke: active.active, active_after_revoke: afterRevoke.active,
}));
