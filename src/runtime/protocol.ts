import { recoveryCodeLogin, totpLogin } from '../protocol/interaction/second-factor-login.js';
import { defaultSigningAlgorithm } from '../contracts/algorithms.js';
import { defaultLifetimes } from '../contracts/limits.js';
import { isManagementScope, managementScopes } from '../contracts/scopes.js';
import type { Actor } from '../domain/access/actor.js';
import { paths } from '../contracts/paths.js';
import { createAccountServices } from '../domain/identity/account-services.js';
import { PasskeyService, passkeysPossible, relyingPartyOf } from '../domain/identity/passkeys.js';
import type { ApiRecord } from '../ports/api-repository.js';
import type { JsonValue } from '../ports/app-repositories.js';
import type { OAuthClient } from '../ports/directories.js';
import { AuthorizationService } from '../protocol/authorize/authorization-service.js';
import { DeviceVerification } from '../protocol/device/verification.js';
import { InteractionEngine } from '../protocol/interaction/engine.js';
import { passkeyLogin } from '../protocol/interaction/passkey-login.js';
import { passwordLogin } from '../protocol/interaction/password-login.js';
import type { Protocol } from '../protocol/protocol.js';
import type { CookiePolicy, OrganizationDirectory, ProtocolDependencies } from '../protocol/context.js';
import { endpointPaths, endpointUrl, issuerBase, issuerPath } from '../protocol/endpoints.js';
import { TokenIssuer } from '../protocol/tokens/token-issuer.js';
import { mayUseReservedApi } from '../protocol/scopes.js';
import { audiencesOf, TokenValidator } from '../protocol/tokens/token-validator.js';
import { DpopNonces } from '../protocol/dpop/nonce.js';
import { CachedClientDirectory, CachedResourceDirectory, CachedUserDirectory } from './directories.js';
import { OpenIdUpstreamProviders } from './federation/upstream-client.js';
import { argon2PasswordHasher } from './password-hasher.js';
import { StoredAssetSigningKeys } from './asset-signing-keys.js';
import type { Runtime } from './runtime.js';
import { ClientAuthFailureThrottle, clientAuthThrottlePolicy } from '../protocol/client-auth/failure-throttle.js';

/**
 * Latchkey's own management API as an API record: no organization owns it, and only the apps a
 * server administrator allows (the console among them) may get tokens for it.
 */
export function managementApiRecord(issuer: string): ApiRecord {
  return {
    id: 'api_latchkey_management',
    orgId: '*',
    identifier: issuerBase(issuer) + paths.managementApi,
    name: 'Latchkey management API',
    scopes: Object.entries(managementScopes).map(([name, description]) => ({ name, description })),
    allowOfflineAccess: true,
    tokenFormat: 'jwt',
    signingAlgorithm: defaultSigningAlgorithm,
    accessTokenTtlMinutes: defaultLifetimes.accessTokenTtlMinutes,
    createdAt: 0,
    updatedAt: 0,
  };
}

export function cookiePolicy(issuer: string): CookiePolicy {
  const secure = new URL(issuer).protocol === 'https:';
  const path = issuerPath(issuer) || '/';
  const under = path === '/' ? '' : path;
  // RFC 6265bis §4.1.3: __Host- needs Secure, no Domain and Path=/; a cookie scoped to a narrower
  // path can carry only __Secure- (which still needs Secure). Plain http (localhost) gets neither.
  const named = (name: string, cookiePath: string) => (secure ? `${cookiePath === '/' ? '__Host-' : '__Secure-'}${name}` : name);
  return {
    secure,
    path,
    session: named('lk_session', path),
    accounts: named('lk_accounts', path),
    interaction: named('lk_int_', `${under}${endpointPaths.interaction}`),
    deviceBinding: named('lk_device', `${under}${endpointPaths.deviceVerification}`),
    accountBinding: named('lk_account', `${under}${paths.account}`),
    accountSecondFactor: named('lk_account_mfa', `${under}${paths.account}`),
    consoleSession: named('lk_console', `${under}${paths.console}`),
    consoleFlow: named('lk_console_flow', `${under}${paths.console}`),
  };
}

export type { Protocol } from '../protocol/protocol.js';

function managementScopesOf(scope: readonly string[]) {
  return new Set(scope.filter(isManagementScope));
}

/** Wires the protocol engine to the runtime: cached directories, keys, hashers, sign-in. */
export function createProtocol(runtime: Runtime): Protocol {
  const { config, storage, clock, events, signingKeys } = runtime;
  const issuer = config.issuer;
  const ttlMs = config.cache.ttlSeconds * 1000;
  const managementApi = managementApiRecord(issuer);
  const clients = new CachedClientDirectory(storage, clock, runtime.keys.clientSecretHasher, runtime.staleFeed, ttlMs, runtime.clientUsage);
  const resources = new CachedResourceDirectory(storage, clock, runtime.staleFeed, ttlMs, managementApi);
  const users = new CachedUserDirectory(storage, clock, runtime.staleFeed, ttlMs);
  const { tokenHasher } = runtime.keys;
  const organizations: OrganizationDirectory = {
    resolve: async (idOrName) => {
      const org = await runtime.registry.orgs.resolve(idOrName);
      return org ? { id: org.id, name: org.name, displayName: org.displayName } : undefined;
    },
    isMember: async (orgId, userId) => (await storage.organizations.getMembership(orgId, userId)) !== undefined,
    roleOf: async (orgId, userId) => (await storage.organizations.getMembership(orgId, userId))?.role ?? null,
    acceptInvitation: (userId, token, orgId) => runtime.registry.orgs.acceptInvitationForSignIn(userId, token, orgId),
  };
  const repositories = {
    grants: storage.grants,
    accessTokens: storage.accessTokens,
    revokedJtis: storage.revokedJtis,
    deviceCodes: storage.deviceCodes,
    consents: storage.consents,
    preAuthorizations: storage.preAuthorizations,
  };
  // One validator for the whole server: its imported key set and verified-signature cache are shared.
  const validator = new TokenValidator({ issuer, clock, clients, users, organizations, tokenHasher, signingKeys, ...repositories });
  const deps: ProtocolDependencies = {
    issuer,
    endpoints: {
      authorization: endpointUrl(issuer, 'authorization'),
      pushedAuthorization: endpointUrl(issuer, 'pushedAuthorization'),
      token: endpointUrl(issuer, 'token'),
      userinfo: endpointUrl(issuer, 'userinfo'),
      introspection: endpointUrl(issuer, 'introspection'),
      revocation: endpointUrl(issuer, 'revocation'),
      endSession: endpointUrl(issuer, 'endSession'),
      jwks: endpointUrl(issuer, 'jwks'),
      interaction: endpointUrl(issuer, 'interaction'),
      deviceAuthorization: endpointUrl(issuer, 'deviceAuthorization'),
      deviceVerification: endpointUrl(issuer, 'deviceVerification'),
    },
    clock,
    storage,
    ...repositories,
    tokenStore: storage,
    validator,
    clients,
    resources,
    users,
    organizations,
    tokens: new TokenIssuer({ issuer, userinfoAudience: endpointUrl(issuer, 'userinfo'), signingKeys, tokenHasher, subjects: runtime.subjects }),
    subjects: runtime.subjects,
    tokenHasher,
    successorKey: runtime.keys.refreshSuccessor,
    clientAuthFailures: new ClientAuthFailureThrottle(runtime.limiter, clock, clientAuthThrottlePolicy(config.clientAuthentication)),
    csrfKey: runtime.keys.csrf,
    signingKeys,
    assetSigningKeys: new StoredAssetSigningKeys(storage.apps, runtime.keys.assetSigningKeyEncryption),
    events,
    cookies: cookiePolicy(issuer),
    sessionTtlMs: config.sessions.maxAgeHours * 3600_000,
    sessionIdleMs: config.sessions.idleMinutes * 60_000,
    secondFactors: runtime.registry.secondFactors,
    deviceFlow: { lifetimeSeconds: config.grants.deviceCode.lifetimeSeconds, pollIntervalSeconds: config.grants.deviceCode.pollIntervalSeconds },
    authorizationPolicy: { requirePushedRequests: config.authorization.requirePushedRequests },
    dpopProofs: storage.dpopProofs,
    dpopNonces: new DpopNonces(runtime.keys.dpopNonce),
    dpopPolicy: {
      requireNonce: config.dpop.requireNonce,
      maxAgeSeconds: config.dpop.maxProofAgeSeconds,
      clockSkewSeconds: config.dpop.clockSkewSeconds,
    },
    jwtBearer: {
      requireJti: config.grants.jwtBearer.requireJti,
      maxLifetimeMs: config.grants.jwtBearer.maxAssertionLifetimeSeconds * 1000,
    },
  };
  const interactions = new InteractionEngine(deps);
  const authorization = new AuthorizationService(deps, interactions);
  const device = new DeviceVerification(deps, interactions, runtime.limiter);
  const password = passwordLogin(runtime.registry.signIn);
  const relyingParty = relyingPartyOf(issuer, config.mail.serverName);
  const passkeys = new PasskeyService({ storage, clock, events, relyingParty });

  /** The user through the app, with the management scopes among `scope`; null when the user is gone or disabled. */
  async function userActor(client: OAuthClient, userId: string, scope: readonly string[], act?: JsonValue): Promise<Actor | null> {
    const user = await users.getUser(userId);
    if (!user || user.disabledAt !== null) return null;
    return {
      kind: 'user',
      userId: user.id,
      email: user.email,
      scopes: managementScopesOf(scope),
      via: { clientId: client.clientId, name: client.app.name, ...(act !== undefined ? { act } : {}) },
    };
  }

  return {
    deps,
    authorization,
    interactions,
    device,
    loginMethods: {
      password,
      totp: totpLogin(runtime.registry.secondFactors, users),
      recoveryCode: recoveryCodeLogin(runtime.registry.secondFactors, users),
      passkey: passkeyLogin(passkeys, users),
    },
    passkeys: {
      service: passkeys,
      available: passkeysPossible(relyingParty),
      passwordless: config.signIn.passkeys.passwordless && passkeysPossible(relyingParty),
    },
    validator,
    upstream: new OpenIdUpstreamProviders(runtime.keys.connectionSecretEncryption),
    accounts: createAccountServices({
      storage,
      limiter: runtime.limiter,
      clock,
      events,
      passwords: argon2PasswordHasher,
      urls: { issuer: issuerBase(issuer), verifyEmail: issuerBase(issuer) + paths.verifyEmail },
      signUp: config.signUp,
      invitations: runtime.registry.invitationSignUp,
    }),
    async authenticateManagementToken(token) {
      const found = await validator.accessToken(token);
      if (!found) return null;
      if (!audiencesOf(found).includes(managementApi.identifier)) return null;
      // Checked on every call, not only at issue: taking the permission away stops the app's tokens at once.
      if (!mayUseReservedApi(found.client)) return null;
      const { app } = found.client;
      if (found.grant) return userActor(found.client, found.subject, found.scope, found.claims.act);
      return {
        kind: 'client',
        clientId: found.client.clientId,
        orgId: app.orgId,
        name: app.name,
        scopes: managementScopesOf(found.scope),
        ownerUserId: app.ownerUserId,
      };
    },
    async managementActorVia(clientId, userId, scopes) {
      const client = await clients.getClient(clientId);
      if (!client || client.app.status !== 'active' || !mayUseReservedApi(client)) return null;
      return userActor(client, userId, scopes);
    },
  };
}
