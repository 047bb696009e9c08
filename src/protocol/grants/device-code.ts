import type { ResourceDirectory, UserDirectory } from '../../ports/directories.js';
import type { DeviceCodeRecord, DeviceCodeRepository } from '../../ports/oauth-repositories.js';
import { isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import { deviceCodeGrantType } from '../endpoints/device-authorization-endpoint.js';
import { OAuthError } from '../errors.js';
import { param } from '../messages.js';
import type { Authorization, GrantContext, GrantHandler } from './grant-handler.js';
import { apisOf, grantUser, mayIssueRefreshToken } from './issue.js';

export interface DeviceCodeDependencies {
  deviceCodes: Pick<DeviceCodeRepository, 'getByHash' | 'poll'>;
  tokenHasher: SecretHasher;
  users: Pick<UserDirectory, 'getUser'>;
  resources: Pick<ResourceDirectory, 'getApi'>;
}

const alreadyUsed = 'the device code was already used';

/** The device authorization request once the user approved it; throws while it is undecided (RFC 8628 §3.5). */
async function approvedRecord(context: GrantContext<DeviceCodeDependencies>, hash: string): Promise<DeviceCodeRecord> {
  const { client, now, deps } = context;
  const record = await deps.deviceCodes.getByHash(hash);
  if (!record) throw new OAuthError('invalid_grant', 'the device code is unknown or has been swept after it expired');
  if (record.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the device code was issued to another client');
  if (record.expiresAt <= now) throw new OAuthError('expired_token', 'the device code has expired: start the device flow again (RFC 8628 §3.5)');
  if (record.status === 'denied') throw new OAuthError('access_denied', 'the user denied the request (RFC 8628 §3.5)');
  if (record.status === 'consumed') throw new OAuthError('invalid_grant', alreadyUsed);
  if (record.status === 'pending') {
    // RFC 8628 §3.5: "too soon" is decided by the store in one conditional write, never from the
    // record read above, so that parallel polls can't all pass.
    const poll = await deps.deviceCodes.poll(hash, now);
    if (poll.outcome === 'slow_down') {
      throw new OAuthError('slow_down', `polled before the interval had passed; now every ${poll.intervalSeconds} seconds (RFC 8628 §3.5)`);
    }
    if (poll.outcome === 'pending') throw new OAuthError('authorization_pending', 'the user has not finished yet; keep polling (RFC 8628 §3.5)');
    // Decided or expired since the read: answer as the record now says.
    return approvedRecord(context, hash);
  }
  return record;
}

/** The device authorization grant (RFC 8628 §3.4, §3.5): the device polls until the user decides. */
export const deviceCodeGrant: GrantHandler<DeviceCodeDependencies> = {
  grantType: deviceCodeGrantType,
  parameters: ['device_code'],
  client: { kind: 'any' },

  async validate(context): Promise<Authorization> {
    const { form, client, now, deps } = context;
    const deviceCode = param(form, 'device_code');
    if (!deviceCode) throw new OAuthError('invalid_request', 'the device_code parameter is missing (RFC 8628 §3.4)');
    if (!isWellFormedSecret(deviceCode, 'dc')) throw new OAuthError('invalid_grant', 'the device code is not one this server issued');
    // A device code issued before a rotation of the server secret is stored under a previous key.
    const hash =
      (
        await deps.tokenHasher.find(
          (key) => deps.deviceCodes.getByHash(key),
          (hasher) => hasher.hash(deviceCode),
        )
      )?.key ?? deps.tokenHasher.hash(deviceCode);
    const record = await approvedRecord(context, hash);

    if (!record.userId) throw new OAuthError('invalid_grant', 'the device code was approved without a user');
    const user = await grantUser(deps, record.userId);
    const apis = await apisOf(deps, client, record.audiences);
    const grantId = timeOrderedGrantId(now);
    const authTime = record.authTime ?? now;
    const amr = record.amr ?? [];
    return {
      client,
      accessToken: { subject: user.id, scope: record.scope, apis, grantId, authTime, amr },
      user,
      idToken: { authentication: { authTime, amr, nonce: null, sid: record.sessionSid } },
      refresh: mayIssueRefreshToken(client.policy.grantTypes, record.scope, apis)
        ? { kind: 'new', ttlMinutes: client.policy.refreshToken.ttlMinutes }
        : { kind: 'none' },
      change: {
        kind: 'create-grant',
        grant: { id: grantId, clientId: client.clientId, userId: user.id, scope: record.scope, apis, authTime, amr, sessionSid: record.sessionSid },
        consumeDeviceCode: hash,
        conflict: () => Promise.reject(new OAuthError('invalid_grant', alreadyUsed)),
      },
    };
  },
};
