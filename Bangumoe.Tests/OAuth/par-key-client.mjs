// A confidential app built on oauth4webapi that has no secret: it authenticates with private_key_jwt (RFC 7523) and
// pushes its authorization request (RFC 9126) before sending the browser to /oauth/authorize with the request_uri.
// Run by PrivateKeyJwtTests with: ISSUER CLIENT_ID PRIVATE_JWK (an ES256 private JWK with kid) REDIRECT_URI LOGIN
// PASSWORD in the environment. Every oauth4webapi check must pass; prints one JSON line with what it saw (including the
// request_uri, so the test can try to use it a second time); exits 1 with the error otherwise.
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
  const main = html.slice(Math.max(0, html.indexOf('<main')));
  for (const m of main.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)" ?\/?>/g)) fields.append(decode(m[1]), decode(m[2]));
  return fields;
}
async function submit(pageResponse, extra) {
  if (pageResponse.status !== 200) throw new Error(`expected a page, got ${pageResponse.status}: ${await pageResponse.text()}`);
  const fields = hiddenFields(await pageResponse.text());
  for (const [k, v] of Object.entries(extra)) fields.set(k, v);
  return browse(new URL('/oauth/authorize', issuer), { method: 'POST', body: fields });
}

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
if (!as.pushed_authorization_request_endpoint) throw new Error('discovery has no pushed_authorization_request_endpoint');
if (!as.token_endpoint_auth_methods_supported?.includes('private_key_jwt')) throw new Error('discovery does not offer private_key_jwt');
const client = { client_id: env('CLIENT_ID') };
const jwk = JSON.parse(env('PRIVATE_JWK'));
const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
const clientAuth = oauth.PrivateKeyJwt({ key, kid: jwk.kid });

const verifier = oauth.generateRandomCodeVerifier();
const state = oauth.generateRandomState();
const nonce = oauth.generateRandomNonce();
const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, clientAuth, {
  redirect_uri: redirectUri, response_type: 'code', scope: 'openid profile email offline_access',
  code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce,
}, insecure));

// RFC 9126 §4: only client_id and request_uri go through the browser.
const authorize = new URL(as.authorization_endpoint);
authorize.searchParams.set('client_id', client.client_id);
authorize.searchParams.set('request_uri', pushed.request_uri);

const loginPage = await browse(authorize);
const afterLogin = await submit(loginPage, { action: 'login', login: env('LOGIN'), password: env('PASSWORD') });
if (afterLogin.status !== 303) throw new Error(`login answered ${afterLogin.status}, not 303`);
const consentPage = await browse(new URL(afterLogin.headers.get('location'), issuer));
const allowed = await submit(consentPage, { action: 'allow' });
if (allowed.status !== 303) throw new Error(`consent answered ${allowed.status}, not 303`);
const callback = new URL(allowed.headers.get('location'));

const params = oauth.validateAuthResponse(as, client, callback, state);
const tokens = await oauth.processAuthorizationCodeResponse(as, client,
  await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, insecure),
  { expectedNonce: nonce, requireIdToken: true });
const idToken = oauth.getValidatedIdTokenClaims(tokens);
const refreshed = await oauth.processRefreshTokenResponse(as, client,
  await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, insecure));
const active = await oauth.processIntrospectionResponse(as, client,
  await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));
await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token, insecure));
const afterRevoke = await oauth.processIntrospectionResponse(as, client,
  await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));

console.log(JSON.stringify({
  request_uri: pushed.request_uri, expires_in: pushed.expires_in, sub: idToken.sub, scope: tokens.scope,
  refreshed: refreshed.refresh_token !== tokens.refresh_token, active_before_revoke: active.active, active_after_revoke: afterRevoke.active,
}));
