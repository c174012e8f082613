// A confidential app built on oauth4webapi that has no secret: it authenticates with private_key_jwt (RFC 7523) and
// pushes its authorization request (RFC 9126) before sending the browser to /oauth/authorize with the request_uri.
// Run by PrivateKeyJwtTests with: ISSUER CLIENT_ID PRIVATE_JWK (an ES256 private JWK with kid) REDIRECT_URI LOGIN
// PASSWORD in the environment. Every oauth4webapi check must pass; prints one JSON line with what it saw (including the
// request_uri, so the test can try to use it a second time); exits 1 with the error otherwise.
import * as oauth from 'oauth4webapi';
import { signInAndAllow } from './sign-in-browser.mjs';
import { refreshIntrospectRevoke } from './token-lifecycle.mjs';

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const issuer = new URL(env('ISSUER'));
const redirectUri = env('REDIRECT_URI');
const insecure = { [oauth.allowInsecureRequests]: true }; // the test issuer is http://127.0.0.1

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

const callback = await signInAndAllow(issuer, authorize, env('LOGIN'), env('PASSWORD'));

const params = oauth.validateAuthResponse(as, client, callback, state);
const tokens = await oauth.processAuthorizationCodeResponse(as, client,
  await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, insecure),
  { expectedNonce: nonce, requireIdToken: true });
const idToken = oauth.getValidatedIdTokenClaims(tokens);
const lifecycle = await refreshIntrospectRevoke(as, client, clientAuth, tokens.refresh_token, insecure);

console.log(JSON.stringify({
  request_uri: pushed.request_uri, expires_in: pushed.expires_in, sub: idToken.sub, scope: tokens.scope,
  refreshed: lifecycle.refreshed, active_before_revoke: lifecycle.activeBeforeRevoke, active_after_revoke: lifecycle.activeAfterRevoke,
}));
