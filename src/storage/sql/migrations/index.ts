import type { Migration, MigrationProvider } from 'kysely';
import * as signingKeysAndSettings from './0001-signing-keys-and-settings.js';
import * as registry from './0002-registry.js';
import * as authorization from './0003-authorization.js';
import * as deviceCodes from './0004-device-codes.js';
import * as consoleSessions from './0005-console-sessions.js';
import * as sweepIndexes from './0006-sweep-indexes.js';
import * as rateLimits from './0007-rate-limits.js';
import * as privileges from './0008-privileges.js';
import * as interactionState from './0009-interaction-state.js';
import * as accounts from './0010-accounts.js';
import * as secondFactors from './0011-second-factors.js';
import * as federation from './0012-federation.js';
import * as passkeys from './0013-passkeys.js';
import * as pushedAuthorizationRequests from './0014-pushed-authorization-requests.js';
import * as dynamicRegistration from './0015-dynamic-registration.js';
import * as dpop from './0016-dpop.js';
import * as sessionLogout from './0017-session-logout.js';
import * as signingKeyLifecycle from './0018-signing-key-lifecycle.js';
import * as claimsParameter from './0019-claims-parameter.js';
import * as trustedIssuers from './0020-trusted-issuers.js';
import * as assetSigningKeys from './0021-asset-signing-keys.js';
import * as clientLastUsed from './0022-client-last-used.js';

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001-signing-keys-and-settings': signingKeysAndSettings,
  '0002-registry': registry,
  '0003-authorization': authorization,
  '0004-device-codes': deviceCodes,
  '0005-console-sessions': consoleSessions,
  '0006-sweep-indexes': sweepIndexes,
  '0007-rate-limits': rateLimits,
  '0008-privileges': privileges,
  '0009-interaction-state': interactionState,
  '0010-accounts': accounts,
  '0011-second-factors': secondFactors,
  '0012-federation': federation,
  '0013-passkeys': passkeys,
  '0014-pushed-authorization-requests': pushedAuthorizationRequests,
  '0015-dynamic-registration': dynamicRegistration,
  '0016-dpop': dpop,
  '0017-session-logout': sessionLogout,
  '0018-signing-key-lifecycle': signingKeyLifecycle,
  '0019-claims-parameter': claimsParameter,
  '0020-trusted-issuers': trustedIssuers,
  '0021-asset-signing-keys': assetSigningKeys,
  '0022-client-last-used': clientLastUsed,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
