import { paths } from '../contracts/paths.js';
import { federatedAmr, type FederatedAccounts } from '../domain/federation/federated-accounts.js';
import type { Clock } from '../ports/clock.js';
import type { DomainEvents } from '../ports/domain-events.js';
import type { ConnectionRecord, FederationStateRecord } from '../ports/federation-repositories.js';
import type { UserRepository } from '../ports/identity-repositories.js';
import type { Storage } from '../ports/storage.js';
import type { UpstreamProviders } from '../ports/upstream-providers.js';
import type { EndpointUrls } from '../protocol/context.js';
import type { InteractionDetails, InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
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
}

/** A connection as the sign-in page offers it. */
export interface OfferedConnection {
  id: string;
  displayName: string;
}

type Loaded = { details: InteractionDetails; csrf: string };

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
 * only after its own password.
 */
export class FederationPages {
  readonly #deps: FederationPagesDependencies;
  readonly #engine: InteractionEngine;
  readonly #upstream: UpstreamProviders;
  readonly #accounts: FederatedAccounts;
  readonly #password: LoginMethod<PasswordCredentials>;
  /** The redirect URI registered at every upstream. */
  readonly callbackUrl: string;

  constructor(
    deps: FederationPagesDependencies,
    engine: InteractionEngine,
    upstream: UpstreamProviders,
    accounts: FederatedAccounts,
    password: LoginMethod<PasswordCredentials>,
  ) {
    this.#deps = deps;
    this.#engine = engine;
    this.#upstream = upstream;
    this.#accounts = accounts;
    this.#password = password;
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

  /** The "link your account" page, with a fresh single-use token for its form. */
  async #linkPage(
    { details, csrf }: Loaded,
    connection: ConnectionRecord,
    pending: { subject: string; email: string; userId: string; amr: string[] },
    accountEmail: string,
    error: string | null,
    status: number,
    headers: Record<string, string> = {},
  ): Promise<ProtocolResponse> {
    const token = randomId(32);
    await this.#newState(details, connection, 'link', token, pending);
    const view: FederationLinkView = {
      csrf,
      action: `${this.#base(details.uid)}/link`,
      cancelAction: `${this.#base(details.uid)}/cancel`,
      token,
      email: accountEmail,
      providerName: connection.displayName,
      clientName: details.client.app.name,
      error,
    };
    return { kind: 'page', status, page: { template: 'federation-link', data: { ...view } }, headers: { 'cache-control': 'no-store', ...headers } };
  }

  /** POST /interaction/:uid/federation/link: the account's password proves it; then link and sign in. */
  async submitLink(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request);
    if ('kind' in loaded) return loaded;
    const { details } = loaded;
    const state = await this.#consume(details, 'link', param(request.body, 'token'));
    if (!state) return this.#failed(details, 400, federationText.unknownState);
    const connection = await this.#deps.storage.connections.get(state.connectionId);
    if (!connection?.enabled) return this.#failed(details, 400, federationText.unknownConnection);
    const pending = {
      subject: String(state.data.subject),
      email: String(state.data.email),
      userId: String(state.data.userId),
      amr: Array.isArray(state.data.amr) ? state.data.amr.map(String) : ['fed'],
    };
    const user = await this.#deps.users.get(pending.userId);
    if (!user) return this.#failed(details, 400, federationText.unknownState);
    // Taken as sent: spaces at a password's ends are part of it.
    const password = request.body.get('password')?.[0] ?? '';
    if (!password) return this.#linkPage(loaded, connection, pending, user.email, federationText.linkNeedsPassword, 400);
    const attempt = await this.#password.authenticate({ email: user.email, password }, { ip: request.ip });
    const clientId = details.client.clientId;
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
        return this.#linkPage(loaded, connection, pending, user.email, federationText.linkSecondFactor, 400);
      case 'authenticated':
        break;
    }
    if (attempt.user.id !== user.id) return this.#failed(details, 400, federationText.unknownState);
    if (!(await this.#accounts.link(connection, pending.subject, pending.email, attempt.user, null)))
      return this.#failed(details, 409, federationText.linkConflict);
    return this.#signIn(loaded, request, user.id, pending.amr);
  }

  /** POST /interaction/:uid/federation/cancel: no link; back to the sign-in page. */
  async cancelLink(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request);
    if ('kind' in loaded) return loaded;
    await this.#consume(loaded.details, 'link', param(request.body, 'token'));
    return seeOther(`${this.#deps.endpoints.interaction}/${uid}`);
  }
}
