// What a confidential test client does with its tokens after signing in, through oauth4webapi with all its checks:
// refresh (the refresh token must rotate), introspect the new access token, revoke the new refresh token, and
// introspect the access token again (revoking the family ends it). Shared by strict-client.mjs and par-key-client.mjs.
import * as oauth from 'oauth4webapi';

export async function refreshIntrospectRevoke(as, client, clientAuth, refreshToken, options) {
  const refreshed = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, options));
  const introspect = async () => (await oauth.processIntrospectionResponse(as, client,
    await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, options))).active;
  const activeBeforeRevoke = await introspect();
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token, options));
  return { refreshed: refreshed.refresh_token !== refreshToken, activeBeforeRevoke, activeAfterRevoke: await introspect() };
}
