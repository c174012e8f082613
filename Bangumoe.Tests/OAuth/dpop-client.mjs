// A public app built on oauth4webapi uses DPoP (RFC 9449) with Bangumoe: it redeems a code bound to its key
// (dpop_jkt), calls userinfo and /api/me with DPoP-bound tokens, and refreshes, answering every use_dpop_nonce by
// retrying once with the server's nonce, as oauth4webapi's DPoP handle is meant to be used.
// Run by DPoPTests with: ISSUER (the app's issuer) BASE_URL (where it listens) CLIENT_ID REDIRECT_URI CALLBACK (the
// redirect back, with code) STATE VERIFIER PRIVATE_JWK (the app's P-256 key as a private JWK) in the environment.
// Prints one JSON line with what it saw; exits 1 with the error otherwise.
import * as oauth from 'oauth4webapi';

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const issuer = new URL(env('ISSUER'));
const base = new URL(env('BASE_URL'));
// The issuer's host name only exists for the app; the wire goes to the loopback port it listens on.
const toLocalHost = (url, init) => {
  const target = new URL(url);
  target.protocol = base.protocol;
  target.host = base.host;
  return fetch(target, init);
};
const options = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: toLocalHost };

const privateJwk = JSON.parse(env('PRIVATE_JWK'));
const { d, ...publicJwk } = privateJwk;
const keyPair = {
  privateKey: await crypto.subtle.importKey('jwk', privateJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
  publicKey: await crypto.subtle.importKey('jwk', publicJwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
};

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }));
if (!as.dpop_signing_alg_values_supported?.includes('ES256')) throw new Error('discovery does not list ES256 for DPoP');
const client = { client_id: env('CLIENT_ID') };
const clientAuth = oauth.None();
const DPoP = oauth.DPoP(client, keyPair);

// oauth4webapi's pattern: the handle keeps the nonce of a use_dpop_nonce answer; the request is made again once.
let nonceRetries = 0;
async function withNonceRetry(call) {
  try {
    return await call();
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    nonceRetries++;
    return await call();
  }
}

const params = oauth.validateAuthResponse(as, client, new URL(env('CALLBACK')), env('STATE'));
const tokens = await withNonceRetry(async () => oauth.processAuthorizationCodeResponse(as, client,
  await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, env('REDIRECT_URI'), env('VERIFIER'), { ...options, DPoP }),
  { requireIdToken: true }));
const idToken = oauth.getValidatedIdTokenClaims(tokens);

const userinfo = await withNonceRetry(async () => oauth.processUserInfoResponse(as, client, idToken.sub,
  await oauth.userInfoRequest(as, client, tokens.access_token, { ...options, DPoP })));

// protectedResourceRequest throws on any challenge, so a use_dpop_nonce challenge comes back as the error it is.
const me = await withNonceRetry(async () => {
  const response = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL('/api/me', issuer), undefined, undefined, { ...options, DPoP });
  if (response.status !== 200) throw new Error(`/api/me answered ${response.status}: ${await response.text()}`);
  return response.json();
});

const refreshed = await withNonceRetry(async () => oauth.processRefreshTokenResponse(as, client,
  await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, { ...options, DPoP })));

const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
console.log(JSON.stringify({
  token_type: tokens.token_type, jkt: claims(tokens.access_token).cnf?.jkt, sub: idToken.sub, userinfo_sub: userinfo.sub, me_uid: me.uid,
  refreshed_token_type: refreshed.token_type, refreshed_jkt: claims(refreshed.access_token).cnf?.jkt,
  rotated: refreshed.refresh_token !== tokens.refresh_token, nonce_retries: nonceRetries,
}));
