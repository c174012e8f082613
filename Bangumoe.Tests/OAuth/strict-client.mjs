// A third-party app built on oauth4webapi (RP-certified, zero-dependency, strict) signs a user in through Bangumoe.
// Run by StrictClientTests with: ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI LOGIN PASSWORD in the environment.
// Every oauth4webapi check must pass: discovery, iss/state in the callback, token response shape, id_token and nonce,
// userinfo sub, RFC 9068 access-token validation, refresh, revocation (exactly 200) and introspection.
// Prints one JSON line with what it saw; exits 1 with the error otherwise.
import * as oauth from 'oauth4webapi';
import { signInAndAllow } from './sign-in-browser.mjs';
import { refreshIntrospectRevoke } from './token-lifecycle.mjs';

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const issuer = new URL(env('ISSUER'));
const redirectUri = env('REDIRECT_URI');
const insecure = { [oauth.allowInsecureRequests]: true }; // the test issuer is http://127.0.0.1

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

const callback = await signInAndAllow(issuer, authorize, env('LOGIN'), env('PASSWORD'));

const params = oauth.validateAuthResponse(as, client, callback, state); // iss must equal the issuer exactly
const tokens = await oauth.processAuthorizationCodeResponse(as, client,
  await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, insecure),
  { expectedNonce: nonce, requireIdToken: true });
const idToken = oauth.getValidatedIdTokenClaims(tokens);
const userinfo = await oauth.processUserInfoResponse(as, client, idToken.sub,
  await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
const accessClaims = await oauth.validateJwtAccessToken(as,
  new Request('http://resource.example/', { headers: { authorization: `Bearer ${tokens.access_token}` } }), as.issuer, insecure);

const lifecycle = await refreshIntrospectRevoke(as, client, clientAuth, tokens.refresh_token, insecure);

console.log(JSON.stringify({
  sub: idToken.sub, userinfo_sub: userinfo.sub, email: userinfo.email, at_sub: accessClaims.sub, at_client_id: accessClaims.client_id,
  token_type: tokens.token_type, refreshed: lifecycle.refreshed,
  active_before_revoke: lifecycle.activeBeforeRevoke, active_after_revoke: lifecycle.activeAfterRevoke,
}));
