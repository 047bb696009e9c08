import { generateOpaqueSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import type { Clock } from '../../ports/clock.js';
import type { ResourceDirectory } from '../../ports/directories.js';
import type { DeviceCodeRepository } from '../../ports/oauth-repositories.js';
import { authenticateClient, type AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { ClientAuthDependencies } from '../client-auth/methods.js';
import type { EndpointUrls } from '../context.js';
import { generateUserCode } from '../device/user-code.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope, rejectDuplicateParameters, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { resolveUserScopes, targetsOf } from '../scopes.js';
import { corsHeaders, errorResponse, jsonResponse, rejectQueryParameters, requireActiveClient, requireFormBody } from './common.js';

export const deviceCodeGrantType = 'urn:ietf:params:oauth:grant-type:device_code';
/**
 * How long an expired device code's row is kept, so that a device still polling hears
 * expired_token (RFC 8628 §3.5) rather than that the code is unknown.
 */
export const expiredDeviceCodeRetentionMs = 24 * 3600_000;

export interface DeviceAuthorizationDependencies extends ClientAuthDependencies {
  endpoints: Pick<EndpointUrls, 'token' | 'deviceVerification'>;
  clock: Clock;
  resources: ResourceDirectory;
  deviceCodes: Pick<DeviceCodeRepository, 'getByUserCode' | 'insert'>;
  tokenHasher: SecretHasher;
  deviceFlow: { lifetimeSeconds: number; pollIntervalSeconds: number };
}

/** The device authorization endpoint (RFC 8628 §3.1, §3.2). */
export async function handleDeviceAuthorization(request: ProtocolRequest, deps: DeviceAuthorizationDependencies): Promise<ProtocolResponse> {
  let authenticated: AuthenticatedClient | undefined;
  try {
    requireFormBody(request, 'device authorization');
    rejectQueryParameters(request);
    rejectDuplicateParameters(request.body, new Set(['resource']));
    authenticated = await authenticateClient(request, deps, { publicClientsAllowed: true });
    const { client } = authenticated;
    requireActiveClient(client);
    if (!client.policy.grantTypes.includes(deviceCodeGrantType)) {
      throw new OAuthError('unauthorized_client', 'this app may not use the device flow: enable the device_code grant for it');
    }
    const requested = request.body.has('scope') ? parseScope(param(request.body, 'scope')) : undefined;
    const targets = targetsOf(params(request.body, 'resource'), param(request.body, 'audience'));
    const { scope, apis } = await resolveUserScopes(client, requested, targets, deps.resources);

    const now = deps.clock.now();
    const lifetimeSeconds = client.policy.deviceCode.lifetimeSeconds ?? deps.deviceFlow.lifetimeSeconds;
    const intervalSeconds = client.policy.deviceCode.pollIntervalSeconds ?? deps.deviceFlow.pollIntervalSeconds;
    const deviceCode = generateOpaqueSecret('dc');
    let userCode = generateUserCode();
    // A clash with a live code is unlikely (20^8), but a unique index refuses it: try again.
    for (let attempt = 0; attempt < 5 && (await deps.deviceCodes.getByUserCode(userCode)); attempt += 1) userCode = generateUserCode();
    await deps.deviceCodes.insert({
      deviceCodeHash: deps.tokenHasher.hash(deviceCode),
      userCode,
      clientId: client.clientId,
      scope,
      audiences: apis.map((api) => api.identifier),
      status: 'pending',
      userId: null,
      sessionSid: null,
      authTime: null,
      amr: null,
      intervalSeconds,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + lifetimeSeconds * 1000,
    });
    return jsonResponse(
      200,
      {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: deps.endpoints.deviceVerification,
        verification_uri_complete: `${deps.endpoints.deviceVerification}?user_code=${userCode}`,
        expires_in: lifetimeSeconds,
        interval: intervalSeconds,
      },
      corsHeaders(request, client),
    );
  } catch (error) {
    return errorResponse(error, corsHeaders(request, authenticated?.client));
  }
}
