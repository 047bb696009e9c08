import { isWellFormedSecret } from '../../shared/opaque-secret.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import { deviceCodeGrantType } from '../endpoints/device-authorization-endpoint.js';
import { OAuthError } from '../errors.js';
import { param } from '../messages.js';
import { formatRefreshToken, newRefreshSecret } from '../tokens/refresh-token.js';
import type { GrantHandler, TokenResponse } from './grant-handler.js';
import { apisOf, grantUser, mayIssueRefreshToken, userTokenResponse } from './issue.js';
import { directGrant } from './user-grant.js';

/** The device authorization grant (RFC 8628 §3.4, §3.5): the device polls until the user decides. */
export const deviceCodeGrant: GrantHandler = {
  grantType: deviceCodeGrantType,

  async handle(context): Promise<TokenResponse> {
    const { request, client, now, deps } = context;
    const deviceCode = param(request.body, 'device_code');
    if (!deviceCode) throw new OAuthError('invalid_request', 'the device_code parameter is missing (RFC 8628 §3.4)');
    if (!isWellFormedSecret(deviceCode, 'dc')) throw new OAuthError('invalid_grant', 'the device code is not one this server issued');
    const hash = deps.tokenHasher.hash(deviceCode);
    const record = await deps.storage.deviceCodes.getByHash(hash);
    if (!record) throw new OAuthError('invalid_grant', 'the device code is unknown or has been swept after it expired');
    if (record.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the device code was issued to another client');
    if (record.expiresAt <= now) throw new OAuthError('expired_token', 'the device code has expired: start the device flow again (RFC 8628 §3.5)');
    if (record.status === 'denied') throw new OAuthError('access_denied', 'the user denied the request (RFC 8628 §3.5)');
    if (record.status === 'consumed') throw new OAuthError('invalid_grant', 'the device code was already used');
    if (record.status === 'pending') {
      // RFC 8628 §3.5: "too soon" is decided by the store in one conditional write, never from the
      // record read above, so that parallel polls can't all pass.
      const poll = await deps.storage.deviceCodes.poll(hash, now);
      if (poll.outcome === 'slow_down') {
        throw new OAuthError('slow_down', `polled before the interval had passed; now every ${poll.intervalSeconds} seconds (RFC 8628 §3.5)`);
      }
      if (poll.outcome === 'pending') throw new OAuthError('authorization_pending', 'the user has not finished yet; keep polling (RFC 8628 §3.5)');
      // Decided or expired since the read: answer as the record now says.
      return deviceCodeGrant.handle(context);
    }

    if (!record.userId) throw new OAuthError('invalid_grant', 'the device code was approved without a user');
    const user = await grantUser(deps, record.userId);
    const apis = await apisOf(deps, client, record.audiences);
    const grantId = timeOrderedGrantId(now);
    const accessToken = await deps.tokens.issueAccessToken({
      client,
      subject: user.id,
      scope: record.scope,
      apis,
      grantId,
      authTime: record.authTime ?? now,
      amr: record.amr ?? [],
      now,
    });
    const refreshSecret = mayIssueRefreshToken(client.app.settings.grantTypes, record.scope, apis) ? newRefreshSecret() : null;
    const refreshExpiresAt = now + client.app.settings.refreshToken.ttlMinutes * 60_000;
    const grant = directGrant({
      id: grantId,
      clientId: client.clientId,
      userId: user.id,
      scope: record.scope,
      apis,
      authTime: record.authTime ?? now,
      amr: record.amr ?? [],
      sessionSid: record.sessionSid,
      now,
      expiresAt: accessToken.expiresAt,
      refresh: refreshSecret ? { hash: deps.tokenHasher.hash(refreshSecret), expiresAt: refreshExpiresAt } : null,
    });
    const issued = await deps.storage.transaction(async (tx) => {
      if (!(await tx.deviceCodes.consume(hash))) return false;
      await tx.grants.insert(grant);
      if (accessToken.record) await tx.accessTokens.insert(accessToken.record);
      return true;
    });
    if (!issued) throw new OAuthError('invalid_grant', 'the device code was already used');

    const response = await userTokenResponse(deps, {
      client,
      user,
      scope: record.scope,
      accessToken,
      refreshToken: refreshSecret ? formatRefreshToken(grantId, refreshSecret) : null,
      authentication: { authTime: record.authTime ?? now, amr: record.amr ?? [], nonce: null, sid: record.sessionSid },
      now,
    });
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, clientId: client.clientId, grantType: deviceCodeGrantType });
    return response;
  },
};
