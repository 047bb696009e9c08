import { paths } from '../contracts/paths.js';
import { federatedAmr, type FederatedAccounts } from '../domain/federation/federated-accounts.js';
import type { Clock } from '../ports/clock.js';
import type { DomainEvents } from '../ports/domain-events.js';
import type { PasskeyService } from '../domain/identity/passkeys.js';
import type { ConnectionRecord, FederationStateRecord } from '../ports/federation-repositories.js';
import type { UserRecord, UserRepository } from '../ports/identity-repositories.js';
import type { Storage } from '../ports/storage.js';
import type { UpstreamProviders } from '../ports/upstream-providers.js';
import type { EndpointUrls } from '../protocol/context.js';
import type { InteractionDetails, InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod, SecondFactorDirectory } from '../protocol/interaction/login-method.js';
import type { CodeCredentials } from '../protocol/interaction/second-factor-login.js';
import type { PasskeyCredentials } from '../protocol/interaction/passkey-login.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import { constantTimeEqual } from '../shared/constant-time.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { randomId } from '../shared/random.js';
import { csrfToken, csrfValid } from './csrf.js';
import { federationText } from './federation-text.js';
import { forgedFormText, interactionProblemText, signInText, type ErrorText } from './text.js';
import { errorResponse, seeOther } from './views.js';

/** How long the round trip to the upstream, or a link waiting for its password, may take. */
export const federationStateLifetimeMs = 10 * 60_000;

export interface FederationPagesDependencies {
  issuer: string;
  csrfKey: SecretHasher;
  /** Hashes the `state` and link tokens: only their digests are stored. */
  tokenHasher: SecretHasher;
  clock: Clock;
  events: DomainEvents;
  storage: Pick<Storage, 'connections' | 'federationStates'>;
  users: Pick<UserRepository, 'get'>;
  endpoints: Pick<EndpointUrls, 'interaction'>;
  secondFactors: Pick<SecondFactorDirectory, 'methodsOf'>;
}

/** The one-time codes that prove an account's second factor next to its password. */
export interface LinkCodes {
  totp: LoginMethod<CodeCredentials>;
  recoveryCode: LoginMethod<CodeCredentials>;
}

/** federation-link.eta. */
export interface FederationLinkView {
  csrf: string;
  action: string;
  cancelAction: string;
  token: string;
  email: string;
  providerName: string;
  clientName: string;
  error: string | null;
  /** The account has two-step verification: its password links it only with a code (TOTP or recovery). */
  codeNeeded: boolean;
  /** The passkey ceremony that proves the account instead of its password; null when it has no passkey. */
  passkey: { optionsAction: string; action: string } | null;
  passkeyScript: boolean;
}

/** Passkeys as a proof of the account being linked. */
export interface LinkPasskeys {
  method: LoginMethod<PasskeyCredentials>;
  service: Pick<PasskeyService, 'authenticationOptions' | 'list'>;
}

/** A federated identity waiting for the proof of the local account it is to be linked to. */
interface PendingLink {
  subject: string;
  email: string;
  userId: string;
  amr: string[];
}

/** A connection as the sign-in page offers it. */
export interface OfferedConnection {
  id: string;
  displayName: string;
}

type Loaded = { details: InteractionDetails; csrf: string };

/** The page a link's passkey challenge is bound to: it answers only on this interaction. */
const linkPasskeyBinding = (uid: string) => `federation-link:${uid}`;

function jsonError(status: number, description: string): ProtocolResponse {
  return { kind: 'json', status, body: { error: 'invalid_request', error_description: description }, headers: { 'cache-control': 'no-store' } };
}

/** Printable ASCII only, and not too long: an upstream's error words are shown, never trusted. */
function shownParameter(value: string | undefined, max: number): string | null {
  if (!value) return null;
  const printable = value.replace(/[^\x20-\x7E]/g, '').trim();
  return printable ? printable.slice(0, max) : null;
}

/**
 * Sign-in with an upstream OpenID provider on the hosted pages. The browser leaves for the
 * upstream with a `state` whose digest names a single-use row bound to the interaction and to
 * the digest of the interaction's binding cookie; the one callback URL of the server sends the
 * browser back under /interaction/:uid, where that cookie is sent (it is path-scoped there), so a
 * callback in another browser is refused. A local account with the upstream's email is linked
 * only after its owner proves it: its password, or one of its passkeys.
 */
export class FederationPages {
  readonly #deps: FederationPagesDependencies;
  readonly #engine: InteractionEngine;
  readonly #upstream: UpstreamProviders;
  readonly #accounts: FederatedAccounts;
  readonly #password: LoginMethod<PasswordCredentials>;
  readonly #codes: LinkCodes;
  readonly #passkeys: LinkPasskeys | undefined;
  /** The redirect URI registered at every upstream. */
  readonly callbackUrl: string;

  constructor(
    deps: FederationPagesDependencies,
    engine: InteractionEngine,
    upstream: UpstreamProviders,
    accounts: FederatedAccounts,
    password: LoginMethod<PasswordCredentials>,
    codes: LinkCodes,
    passkeys?: LinkPasskeys,
  ) {
    this.#deps = deps;
    this.#engine = engine;
    this.#upstream = upstream;
    this.#accounts = accounts;
    this.#password = password;
    this.#codes = codes;
    this.#passkeys = passkeys;
    this.callbackUrl = `${deps.issuer}${paths.federationCallback}`;
  }

  #base(uid: string): string {
    return `${this.#deps.endpoints.interaction}/${uid}/federation`;
  }

  /** The enabled connections of the server, and of the organization the request names. */
  async connectionsFor(details: InteractionDetails): Promise<ConnectionRecord[]> {
    const all = await this.#deps.storage.connections.listEnabledFor(details.request.organizationId);
    // An organization's own connections come first.
    return [...all.filter((connection) => connection.orgId !== null), ...all.filter((connection) => connection.orgId === null)];
  }

  /** What the sign-in page shows: a button per connection, posting here. */
  async offered(details: InteractionDetails): Promise<{ action: string; connections: OfferedConnection[] }> {
    const connections = await this.connectionsFor(details);
    return { action: this.#base(details.uid), connections: connections.map(({ id, displayName }) => ({ id, displayName })) };
  }

  /** Home realm discovery: the connection that serves the email's domain, if one applies. */
  async connectionForEmail(details: InteractionDetails, email: string): Promise<ConnectionRecord | undefined> {
    const domain = email.trim().toLowerCase().split('@')[1];
    if (!domain) return undefined;
    return (await this.connectionsFor(details)).find((connection) => connection.domains.includes(domain));
  }

  async #load(uid: string, request: ProtocolRequest): Promise<Loaded | ProtocolResponse> {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return errorResponse(400, interactionProblemText[found.problem]);
    return { details: found.details, csrf: csrfToken(this.#deps.csrfKey, uid, found.details.browserBinding) };
  }

  async #form(uid: string, request: ProtocolRequest): Promise<Loaded | ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (!csrfValid(this.#deps.csrfKey, uid, loaded.details.browserBinding, request.body)) return errorResponse(403, forgedFormText.login);
    return loaded;
  }

  #failed(details: InteractionDetails, status: number, text: ErrorText): ProtocolResponse {
    this.#deps.events.publish({ type: 'signin.failed', clientId: details.client.clientId, method: 'federation' });
    return errorResponse(status, text);
  }

  async #newState(
    details: InteractionDetails,
    connection: ConnectionRecord,
    purpose: FederationStateRecord['purpose'],
    value: string,
    data: Record<string, unknown>,
  ) {
    const now = this.#deps.clock.now();
    await this.#deps.storage.federationStates.insert({
      stateHash: this.#deps.tokenHasher.hash(value),
      purpose,
      connectionId: connection.id,
      interactionUid: details.uid,
      browserHash: details.record.browserHash,
      data,
      createdAt: now,
      expiresAt: now + federationStateLifetimeMs,
      consumedAt: null,
    });
  }

  /** Uses a state of this interaction and browser once; undefined when it is unknown, used, expired or someone else's. */
  async #consume(details: InteractionDetails, purpose: FederationStateRecord['purpose'], value: string | undefined) {
    if (!value || value.length > 200) return undefined;
    const state = await this.#deps.storage.federationStates.consume(this.#deps.tokenHasher.hash(value), purpose, this.#deps.clock.now());
    if (!state || state.interactionUid !== details.uid || !constantTimeEqual(state.browserHash, details.record.browserHash)) return undefined;
    return state;
  }

  /** Sends the browser to the upstream: a 303 to its authorization endpoint (PKCE S256, state, nonce). */
  async start(details: InteractionDetails, connection: ConnectionRecord, loginHint: string | null): Promise<ProtocolResponse> {
    const begun = await this.#upstream.begin(connection, { redirectUri: this.callbackUrl, loginHint });
    if (!begun.ok) return this.#failed(details, 502, federationText.failure(connection.displayName, begun.reason, begun.detail));
    const { authorization } = begun;
    await this.#newState(details, connection, 'authorize', authorization.state, { nonce: authorization.nonce, codeVerifier: authorization.codeVerifier });
    return seeOther(authorization.url);
  }

  /** POST /interaction/:uid/federation: a connection's button on the sign-in page. */
  async submitStart(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request);
    if ('kind' in loaded) return loaded;
    const id = param(request.body, 'connection');
    const connection = (await this.connectionsFor(loaded.details)).find((candidate) => candidate.id === id);
    if (!connection) return errorResponse(400, federationText.unknownConnection);
    return this.start(loaded.details, connection, loaded.details.request.loginHint);
  }

  /**
   * GET /federation/callback, the one redirect URI of the server: back under the interaction's
   * path, where the browser sends its binding cookie. Nothing is used up here.
   */
  async callback(request: ProtocolRequest): Promise<ProtocolResponse> {
    const value = param(request.query, 'state');
    const state = value && value.length <= 200 ? await this.#deps.storage.federationStates.get(this.#deps.tokenHasher.hash(value)) : undefined;
    if (!state || state.purpose !== 'authorize' || state.consumedAt !== null || state.expiresAt <= this.#deps.clock.now()) {
      return errorResponse(400, federationText.unknownState);
    }
    const query = new URLSearchParams();
    for (const [name, values] of request.query) for (const item of values) query.append(name, item);
    return {
      kind: 'redirect',
      status: 303,
      location: `${this.#base(state.interactionUid)}/callback?${query.toString()}`,
      headers: { 'cache-control': 'no-store' },
    };
  }

  /** GET /interaction/:uid/federation/callback: the upstream's answer, in the browser that started the sign-in. */
  async interactionCallback(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    const { details } = loaded;
    const stateValue = param(request.query, 'state');
    const state = await this.#consume(details, 'authorize', stateValue);
    if (!state) return this.#failed(details, 400, federationText.unknownState);
    const connection = await this.#deps.storage.connections.get(state.connectionId);
    if (!connection?.enabled) return this.#failed(details, 400, federationText.unknownConnection);
    // RFC 6749 §4.1.2.1: the upstream refused (the user cancelled there, or it denied access).
    const upstreamError = param(request.query, 'error');
    if (upstreamError) {
      const code = shownParameter(upstreamError, 64) ?? 'error';
      return this.#failed(
        details,
        400,
        federationText.upstreamError(connection.displayName, code, shownParameter(param(request.query, 'error_description'), 300)),
      );
    }
    const current = new URL(this.callbackUrl);
    for (const [name, values] of request.query) for (const item of values) current.searchParams.append(name, item);
    const result = await this.#upstream.complete(connection, current, {
      state: stateValue!,
      nonce: String(state.data.nonce),
      codeVerifier: String(state.data.codeVerifier),
    });
    if (!result.ok) return this.#failed(details, 400, federationText.failure(connection.displayName, result.reason, result.detail.slice(0, 300)));
    const amr = federatedAmr(connection, result.claims);
    const outcome = await this.#accounts.resolve(connection, result.claims, null);
    switch (outcome.kind) {
      case 'refused':
        return this.#failed(details, 403, federationText.refused[outcome.reason]);
      case 'link_required': {
        if (outcome.user.disabledAt !== null) return this.#failed(details, 403, federationText.refused.disabled);
        return this.#linkPage(
          loaded,
          connection,
          { subject: outcome.subject, email: outcome.email, userId: outcome.user.id, amr },
          outcome.user.email,
          null,
          200,
        );
      }
      case 'signed_in':
        return this.#signIn(loaded, request, outcome.user.id, amr);
    }
  }

  async #signIn(loaded: Loaded, request: ProtocolRequest, userId: string, amr: string[]): Promise<ProtocolResponse> {
    const { details } = loaded;
    const finished = await this.#engine.finish(details, request, { login: { userId, amr, authTime: this.#deps.clock.now(), acr: null } });
    if (!finished.ok) return this.#failed(details, 400, interactionProblemText[finished.problem]);
    this.#deps.events.publish({ type: 'signin.succeeded', userId, clientId: details.client.clientId, method: 'federation' });
    return finished.response;
  }

  /** The "link your account" page, with a fresh single-use token for its forms. */
  async #linkPage(
    { details, csrf }: Loaded,
    connection: ConnectionRecord,
    pending: PendingLink,
    accountEmail: string,
    error: string | null,
    status: number,
    headers: Record<string, string> = {},
  ): Promise<ProtocolResponse> {
    const token = randomId(32);
    await this.#newState(details, connection, 'link', token, { ...pending });
    const base = this.#base(details.uid);
    const passkey = (await this.#passkeysOf(pending.userId)) ? { optionsAction: `${base}/link/passkey/options`, action: `${base}/link/passkey` } : null;
    const methods = await this.#deps.secondFactors.methodsOf(pending.userId);
    const view: FederationLinkView = {
      csrf,
      action: `${base}/link`,
      cancelAction: `${base}/cancel`,
      token,
      email: accountEmail,
      providerName: connection.displayName,
      clientName: details.client.app.name,
      error,
      codeNeeded: methods.includes('totp') || methods.includes('recovery_code'),
      passkey,
      passkeyScript: passkey !== null,
    };
    return { kind: 'page', status, page: { template: 'federation-link', data: { ...view } }, headers: { 'cache-control': 'no-store', ...headers } };
  }

  /** The passkeys that may prove the account: those of `userId`, where the server can run the ceremony. */
  async #passkeysOf(userId: string): Promise<LinkPasskeys | undefined> {
    const passkeys = this.#passkeys;
    if (!passkeys) return undefined;
    return (await passkeys.service.list(userId)).length > 0 ? passkeys : undefined;
  }

  static #pendingOf(state: FederationStateRecord): PendingLink {
    return {
      subject: String(state.data.subject),
      email: String(state.data.email),
      userId: String(state.data.userId),
      amr: Array.isArray(state.data.amr) ? state.data.amr.map(String) : ['fed'],
    };
  }

  /** Uses the form's link token once: the pending link, its connection and the account it names. */
  async #takeLink(loaded: Loaded, request: ProtocolRequest) {
    const { details } = loaded;
    const state = await this.#consume(details, 'link', param(request.body, 'token'));
    if (!state) return this.#failed(details, 400, federationText.unknownState);
    const connection = await this.#deps.storage.connections.get(state.connectionId);
    if (!connection?.enabled) return this.#failed(details, 400, federationText.unknownConnection);
    const pending = FederationPages.#pendingOf(state);
    const user = await this.#deps.users.get(pending.userId);
    if (!user) return this.#failed(details, 400, federationText.unknownState);
    return { connection, pending, user };
  }

  /** The account is proven: link the identity to it and sign in with the upstream's amr. */
  async #completeLink(loaded: Loaded, request: ProtocolRequest, connection: ConnectionRecord, pending: PendingLink, user: UserRecord) {
    if (!(await this.#accounts.link(connection, pending.subject, pending.email, user, null)))
      return this.#failed(loaded.details, 409, federationText.linkConflict);
    return this.#signIn(loaded, request, user.id, pending.amr);
  }

  /** POST /interaction/:uid/federation/link: the account's password proves it; then link and sign in. */
  async submitLink(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request);
    if ('kind' in loaded) return loaded;
    const taken = await this.#takeLink(loaded, request);
    if ('kind' in taken) return taken;
    const { connection, pending, user } = taken;
    // Taken as sent: spaces at a password's ends are part of it.
    const password = request.body.get('password')?.[0] ?? '';
    if (!password) return this.#linkPage(loaded, connection, pending, user.email, federationText.linkNeedsPassword, 400);
    const attempt = await this.#password.authenticate({ email: user.email, password }, { ip: request.ip });
    const clientId = loaded.details.client.clientId;
    switch (attempt.kind) {
      case 'throttled': {
        this.#deps.events.publish({ type: 'signin.throttled', clientId, method: 'password' });
        const wait = attempt.retryAfterSeconds;
        return this.#linkPage(loaded, connection, pending, user.email, signInText.throttled(wait), 429, { 'retry-after': String(wait) });
      }
      case 'refused': {
        this.#deps.events.publish({ type: 'signin.failed', clientId, method: 'federation' });
        const message =
          attempt.reason === 'disabled' ? signInText.disabledAccount : attempt.reason === 'locked' ? signInText.lockedAccount : signInText.wrongCredentials;
        return this.#linkPage(loaded, connection, pending, user.email, message, attempt.reason === 'invalid' ? 401 : 403);
      }
      case 'second_factor_required':
      case 'authenticated':
        break;
    }
    if (attempt.user.id !== user.id) return this.#failed(loaded.details, 400, federationText.unknownState);
    // An account with two-step verification is proven by two factors, as at its sign-in: the
    // password and a code, or one of its passkeys on its own.
    const methods = await this.#deps.secondFactors.methodsOf(user.id);
    if (methods.length > 0) {
      const code = param(request.body, 'code')?.replace(/\s+/g, '') ?? '';
      const codeMethod =
        !methods.includes('totp') && !methods.includes('recovery_code') ? undefined : /^[0-9]{6,8}$/.test(code) ? this.#codes.totp : this.#codes.recoveryCode;
      if (!codeMethod) return this.#linkPage(loaded, connection, pending, user.email, federationText.linkSecondFactorPasskey, 400);
      if (!code) return this.#linkPage(loaded, connection, pending, user.email, federationText.linkNeedsCode, 400);
      const proven = await this.#engine.proveSecondFactor(
        codeMethod,
        { userId: user.id, code },
        { userId: user.id, amr: ['pwd'], authTime: this.#deps.clock.now(), acr: null },
        { ip: request.ip, clientId },
      );
      if (proven.kind === 'throttled') {
        const wait = proven.retryAfterSeconds;
        return this.#linkPage(loaded, connection, pending, user.email, signInText.throttled(wait), 429, { 'retry-after': String(wait) });
      }
      if (proven.kind !== 'authenticated') return this.#linkPage(loaded, connection, pending, user.email, federationText.linkWrongCode, 401);
    }
    return this.#completeLink(loaded, request, connection, pending, attempt.user);
  }

  /**
   * POST /interaction/:uid/federation/link/passkey/options: a challenge for the passkeys of the
   * account the link names, as JSON. The link token stays usable: the assertion posts it.
   */
  async linkPasskeyOptions(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return jsonError(400, interactionProblemText[found.problem].description);
    const { details } = found;
    if (!csrfValid(this.#deps.csrfKey, uid, details.browserBinding, request.body)) return jsonError(403, forgedFormText.login.description);
    const value = param(request.body, 'token');
    const state = value && value.length <= 200 ? await this.#deps.storage.federationStates.get(this.#deps.tokenHasher.hash(value)) : undefined;
    const live =
      state !== undefined &&
      state.purpose === 'link' &&
      state.consumedAt === null &&
      state.expiresAt > this.#deps.clock.now() &&
      state.interactionUid === uid &&
      constantTimeEqual(state.browserHash, details.record.browserHash);
    if (!live) return jsonError(400, federationText.unknownState.description);
    const userId = FederationPages.#pendingOf(state).userId;
    const passkeys = await this.#passkeysOf(userId);
    if (!passkeys) return jsonError(404, federationText.linkNoPasskey);
    const options = await passkeys.service.authenticationOptions({ userId, binding: linkPasskeyBinding(uid) });
    return { kind: 'json', status: 200, body: options, headers: { 'cache-control': 'no-store' } };
  }

  /** POST /interaction/:uid/federation/link/passkey: one of the account's passkeys proves it; then link and sign in. */
  async submitLinkPasskey(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request);
    if ('kind' in loaded) return loaded;
    const taken = await this.#takeLink(loaded, request);
    if ('kind' in taken) return taken;
    const { connection, pending, user } = taken;
    const passkeys = await this.#passkeysOf(user.id);
    if (!passkeys) return this.#linkPage(loaded, connection, pending, user.email, federationText.linkNoPasskey, 400);
    const credentials = { response: request.body.get('response')?.[0] ?? '', challenge: { userId: user.id, binding: linkPasskeyBinding(uid) } };
    const attempt = await passkeys.method.authenticate(credentials, { ip: request.ip });
    if (attempt.kind !== 'authenticated' || attempt.user.id !== user.id) {
      this.#deps.events.publish({ type: 'signin.failed', clientId: loaded.details.client.clientId, method: 'federation' });
      const refusedDisabled = attempt.kind === 'refused' && attempt.reason === 'disabled';
      return this.#linkPage(
        loaded,
        connection,
        pending,
        user.email,
        refusedDisabled ? signInText.disabledAccount : federationText.linkPasskeyRefused,
        refusedDisabled ? 403 : 401,
      );
    }
    return this.#completeLink(loaded, request, connection, pending, attempt.user);
  }

  /** POST /interaction/:uid/federation/cancel: no link; back to the sign-in page. */
  async cancelLink(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request);
    if ('kind' in loaded) return loaded;
    await this.#consume(loaded.details, 'link', param(request.body, 'token'));
    return seeOther(`${this.#deps.endpoints.interaction}/${uid}`);
  }
}
