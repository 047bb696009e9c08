import { paths } from '../contracts/paths.js';
import type { RequestContext } from '../domain/audit/audit-log.js';
import type { AccountService } from '../domain/identity/account-service.js';
import type { SecondFactors } from '../domain/identity/second-factors.js';
import type { InteractionLogin } from '../ports/oauth-repositories.js';
import type { SecondFactorPlace, SecondFactorPrompt } from './second-factor-prompt.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import type { PasskeyService } from '../domain/identity/passkeys.js';
import type { FederatedAccounts } from '../domain/federation/federated-accounts.js';
import type { ClientDirectory } from '../ports/directories.js';
import type { CookiePolicy } from '../protocol/context.js';
import { frontchannelLogoutUrls, loggedOutPage } from '../protocol/endpoints/end-session-endpoint.js';
import type { InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type CookieInstruction, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import { currentSession, sessionCookie, type CurrentSession, type SessionDependencies } from '../protocol/sessions.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { randomId } from '../shared/random.js';
import { csrfToken, csrfValid } from './csrf.js';
import { signInWithForm } from './sign-in-form.js';
import { secondFactorText, signInText } from './text.js';
import { accountText, type AccountNotice, type AccountSection } from './account-text.js';
import { describeUserAgent } from './user-agent.js';

export interface AccountPagesDependencies extends SessionDependencies {
  issuer: string;
  /** The apps a signed-out session was used with: their front-channel logout URIs. */
  clients: Pick<ClientDirectory, 'getClient'>;
  csrfKey: SecretHasher;
  cookies: Pick<CookiePolicy, 'session' | 'accountBinding' | 'accountSecondFactor' | 'path'>;
}

/** account.eta: every section of the account page. */
export interface AccountView {
  csrf: string;
  base: string;
  notice: string | null;
  errors: Partial<Record<AccountSection, string>>;
  email: string;
  emailVerified: boolean;
  /** The form that mails a new verification link, while the address is not verified. */
  resendVerification: { action: string; csrf: string } | null;
  profile: { name: string; givenName: string; familyName: string; picture: string; locale: string; phoneNumber: string; address: string };
  newEmail: string;
  /** The user's passkeys; the section is there only when the server has them. */
  passkeys: { id: string; name: string; created: string; lastUsed: string }[] | null;
  /** Lets the page's passkey script run (the renderer's CSP). */
  passkeyScript: boolean;
  apps: { clientId: string; name: string; scopes: string[]; since: string }[];
  /** Two-step verification: the authenticator apps, and how many recovery codes are left. */
  twoStep: { apps: { id: string; name: string; added: string; lastUsed: string }[]; recoveryCodesLeft: number; hasFactor: boolean };
  sessions: { sid: string; device: string; ip: string; signedIn: string; lastSeen: string; current: boolean }[];
  /** Upstream identities that sign in to this account. */
  identities: { id: string; provider: string; email: string; linked: string; lastUsed: string }[];
}

/** account-sign-in.eta. */
export interface AccountSignInView {
  csrf: string;
  action: string;
  returnTo: string;
  email: string;
  error: string | null;
}

const csrfPurpose = 'account';

/** A request to the account pages, with the id of its log line for the audit rows it causes. */
export type AccountRequest = ProtocolRequest & { requestId?: string };

function shownTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function page(template: 'account' | 'account-sign-in', data: AccountView | AccountSignInView, status = 200, cookies?: CookieInstruction[]): ProtocolResponse {
  return { kind: 'page', status, page: { template, data: { ...data } }, headers: { 'cache-control': 'no-store' }, ...(cookies ? { cookies } : {}) };
}

function seeOther(location: string, cookies?: CookieInstruction[]): ProtocolResponse {
  return { kind: 'redirect', status: 303, location, headers: { 'cache-control': 'no-store' }, ...(cookies ? { cookies } : {}) };
}

/** The form fields of the profile section, as typed. */
function profileForm(request: ProtocolRequest) {
  const field = (name: string) => param(request.body, name) ?? '';
  return {
    name: field('name'),
    givenName: field('given_name'),
    familyName: field('family_name'),
    picture: field('picture'),
    locale: field('locale'),
    phoneNumber: field('phone_number'),
    address: field('address'),
  };
}

/**
 * The account page: a signed-in user's profile, email, password, the apps they allowed and their
 * sessions. It runs on the hosted pages' sign-in session; without one the browser signs in on
 * the account's own sign-in form and comes back. Every form carries a CSRF token bound to the
 * session cookie, and every POST answers with 303 (RFC 9700 §4.12).
 */
export class AccountPages {
  readonly #deps: AccountPagesDependencies;
  readonly #accounts: AccountService;
  readonly #engine: Pick<InteractionEngine, 'signIn' | 'startSession'>;
  readonly #password: LoginMethod<PasswordCredentials>;
  readonly #secondFactors: SecondFactors;
  readonly #secondFactor: SecondFactorPrompt;
  readonly #passkeys: PasskeyService | undefined;
  readonly #federation: Pick<FederatedAccounts, 'listForUser' | 'unlink'> | undefined;
  readonly base: string;

  constructor(
    deps: AccountPagesDependencies,
    accounts: AccountService,
    engine: Pick<InteractionEngine, 'signIn' | 'startSession'>,
    password: LoginMethod<PasswordCredentials>,
    secondFactors: SecondFactors,
    secondFactor: SecondFactorPrompt,
    passkeys?: PasskeyService,
    federation?: Pick<FederatedAccounts, 'listForUser' | 'unlink'>,
  ) {
    this.#federation = federation;
    this.#deps = deps;
    this.#accounts = accounts;
    this.#engine = engine;
    this.#password = password;
    this.#secondFactors = secondFactors;
    this.#secondFactor = secondFactor;
    this.#passkeys = passkeys;
    this.base = `${deps.issuer}${paths.account}`;
  }

  #context(current: CurrentSession, request: AccountRequest): RequestContext {
    return { actor: { kind: 'user', userId: current.user.id, email: current.user.email, scopes: new Set() }, requestId: request.requestId ?? null };
  }

  #sessionCookieValue(request: ProtocolRequest): string | undefined {
    return request.cookies[this.#deps.cookies.session];
  }

  #signInLocation(returnTo = this.base): string {
    return `${this.base}/sign-in?${new URLSearchParams({ return_to: returnTo }).toString()}`;
  }

  /** Only pages of the account itself are returned to: never another site (no open redirector, RFC 9700 §4.11). */
  #returnTo(value: string | undefined): string {
    if (value && (value === this.base || value.startsWith(`${this.base}/`) || value.startsWith(`${this.base}?`)) && !value.includes('/sign-in')) return value;
    return this.base;
  }

  /** GET /account. */
  async show(request: ProtocolRequest): Promise<ProtocolResponse> {
    const current = await currentSession(request, this.#deps);
    if (!current) return { kind: 'redirect', status: 302, location: this.#signInLocation(), headers: { 'cache-control': 'no-store' } };
    const done = param(request.query, 'done');
    const notice = done && done in accountText.notices ? accountText.notices[done as AccountNotice] : null;
    return this.#render(request, current, { notice });
  }

  async #render(
    request: AccountRequest,
    current: CurrentSession,
    options: {
      notice?: string | null;
      errors?: AccountView['errors'];
      status?: number;
      headers?: Record<string, string>;
      profile?: AccountView['profile'];
      newEmail?: string;
    },
  ): Promise<ProtocolResponse> {
    const { user, session } = current;
    const now = this.#deps.clock.now();
    const sessions = await this.#deps.storage.sessions.listForUser(user.id, now);
    const apps = await this.#accounts.apps(this.#context(current, request));
    const totp = (await this.#secondFactors.listTotp(user.id)).filter((factor) => factor.confirmedAt !== null);
    const methods = await this.#secondFactors.methodsOf(user.id);
    const passkeys = this.#passkeys ? await this.#passkeys.list(user.id) : null;
    const identities = (await this.#federation?.listForUser(user.id)) ?? [];
    // The resend form is the verification pages' own, bound to the account pages' binding cookie.
    const binding = user.emailVerified ? null : this.#binding(request);
    const view: AccountView = {
      csrf: csrfToken(this.#deps.csrfKey, csrfPurpose, this.#sessionCookieValue(request) ?? ''),
      base: this.base,
      notice: options.notice ?? null,
      errors: options.errors ?? {},
      email: user.email,
      emailVerified: user.emailVerified,
      resendVerification: binding && {
        action: `${this.#deps.issuer}${paths.verifyEmail}/resend`,
        csrf: csrfToken(this.#deps.csrfKey, 'resend-verification', binding.value),
      },
      profile: options.profile ?? {
        name: user.name,
        givenName: user.profile.givenName ?? '',
        familyName: user.profile.familyName ?? '',
        picture: user.profile.picture ?? '',
        locale: user.profile.locale ?? '',
        phoneNumber: user.profile.phoneNumber ?? '',
        address: user.profile.address ?? '',
      },
      newEmail: options.newEmail ?? '',
      passkeys:
        passkeys?.map((passkey) => ({
          id: passkey.id,
          name: passkey.name,
          created: shownTime(passkey.createdAt),
          lastUsed: passkey.lastUsedAt === null ? 'never' : shownTime(passkey.lastUsedAt),
        })) ?? null,
      passkeyScript: passkeys !== null,
      apps: apps.map((app) => ({ clientId: app.clientId, name: app.clientName ?? app.clientId, scopes: app.scopes, since: shownTime(app.createdAt) })),
      twoStep: {
        apps: totp.map((factor) => ({
          id: factor.id,
          name: factor.name,
          added: shownTime(factor.confirmedAt ?? factor.createdAt),
          lastUsed: factor.lastUsedAt === null ? 'never' : shownTime(factor.lastUsedAt),
        })),
        recoveryCodesLeft: await this.#secondFactors.recoveryCodesLeft(user.id),
        hasFactor: methods.some((method) => method !== 'recovery_code'),
      },
      sessions: sessions.map((listed) => ({
        sid: listed.sid,
        device: describeUserAgent(listed.userAgent),
        ip: listed.ip ?? 'unknown',
        signedIn: shownTime(listed.createdAt),
        lastSeen: shownTime(listed.lastSeenAt),
        current: listed.sid === session.sid,
      })),
      identities: identities.map((identity) => ({
        id: identity.id,
        provider: identity.connectionName,
        email: identity.email ?? '',
        linked: shownTime(identity.createdAt),
        lastUsed: identity.lastUsedAt === null ? 'never' : shownTime(identity.lastUsedAt),
      })),
    };
    const response = page('account', view, options.status ?? 200, binding?.cookies.length ? binding.cookies : undefined);
    return { ...response, headers: { ...response.headers, ...options.headers } };
  }

  /**
   * Runs a form of the signed-in account: without a session the browser signs in first; a form
   * not sent from this session's page is refused; a refused change shows the page again with the
   * rule it broke, having changed nothing.
   */
  async #form(
    request: AccountRequest,
    section: AccountSection,
    run: (current: CurrentSession, context: RequestContext) => Promise<ProtocolResponse>,
    onRefusal: { profile?: AccountView['profile']; newEmail?: string } = {},
  ): Promise<ProtocolResponse> {
    const current = await currentSession(request, this.#deps);
    if (!current) return seeOther(this.#signInLocation());
    if (!csrfValid(this.#deps.csrfKey, csrfPurpose, this.#sessionCookieValue(request), request.body)) {
      return this.#render(request, current, { errors: { [section]: accountText.forged }, status: 403 });
    }
    try {
      return await run(current, this.#context(current, request));
    } catch (error) {
      if (!isDomainError(error) || error.kind === 'forbidden') throw error;
      const status = error.kind === 'not_found' ? 404 : 400;
      const message =
        error.problems.length > 0 ? error.problems.map((problem) => accountText.problem(problem.field, problem.message)).join(' ') : error.message;
      return this.#render(request, current, { errors: { [section]: message }, status, ...onRefusal });
    }
  }

  /** POST /account/profile. */
  updateProfile(request: AccountRequest): Promise<ProtocolResponse> {
    const profile = profileForm(request);
    return this.#form(
      request,
      'profile',
      async (current, context) => {
        await this.#accounts.updateProfile(context, current.user.id, profile);
        return seeOther(`${this.base}?done=profile`);
      },
      { profile },
    );
  }

  /** POST /account/email: the link goes to the new address; nothing changes until it is used. */
  changeEmail(request: AccountRequest): Promise<ProtocolResponse> {
    const newEmail = param(request.body, 'email') ?? '';
    return this.#form(
      request,
      'email',
      async (current, context) => {
        const linkOf = (token: string) => `${this.#deps.issuer}${paths.verifyEmail}?${new URLSearchParams({ token }).toString()}`;
        await this.#accounts.requestEmailChange(context, current.user.id, newEmail, linkOf);
        return seeOther(`${this.base}?done=email`);
      },
      { newEmail },
    );
  }

  /** POST /account/password: the other sessions end; this one stays. */
  changePassword(request: AccountRequest): Promise<ProtocolResponse> {
    // Taken as sent: spaces at a password's ends are part of it.
    const current = request.body.get('current_password')?.[0] ?? '';
    const next = request.body.get('new_password')?.[0] ?? '';
    return this.#form(request, 'password', async (signedIn, context) => {
      const changed = await this.#accounts.changePassword(context, signedIn.user.id, {
        current,
        next,
        keepSessionHash: signedIn.session.idHash,
        ip: request.ip,
      });
      if (changed.ok) return seeOther(`${this.base}?done=password`);
      const wait = changed.retryAfterSeconds;
      return this.#render(request, signedIn, { errors: { password: signInText.throttled(wait) }, status: 429, headers: { 'retry-after': String(wait) } });
    });
  }

  /** The account page a registration challenge is bound to: this session's. */
  #passkeyBinding(current: CurrentSession): string {
    return `account:${current.session.sid}`;
  }

  /** POST /account/passkeys/options: the options of a new passkey's registration ceremony, as JSON. */
  async passkeyOptions(request: AccountRequest): Promise<ProtocolResponse> {
    const json = (status: number, body: unknown): ProtocolResponse => ({ kind: 'json', status, body, headers: { 'cache-control': 'no-store' } });
    const current = await currentSession(request, this.#deps);
    if (!current) return json(401, { error: 'login_required', error_description: 'Your session ended. Reload the page and sign in again.' });
    if (!csrfValid(this.#deps.csrfKey, csrfPurpose, this.#sessionCookieValue(request), request.body)) {
      return json(403, { error: 'invalid_request', error_description: accountText.forged });
    }
    if (!this.#passkeys) return json(404, { error: 'invalid_request', error_description: 'This server does not offer passkeys.' });
    return json(200, await this.#passkeys.registrationOptions(current.user, this.#passkeyBinding(current)));
  }

  /** POST /account/passkeys: the registration ceremony's answer, with the name the user gave it. */
  addPasskey(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'passkeys', async (current, context) => {
      const passkeys = this.#passkeysOrRefuse();
      const input = { name: param(request.body, 'name') ?? '', response: request.body.get('response')?.[0] ?? '', binding: this.#passkeyBinding(current) };
      await passkeys.register(context, current.user, input);
      return seeOther(`${this.base}?done=passkey_added#passkeys`);
    });
  }

  /** POST /account/passkeys/rename. */
  renamePasskey(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'passkeys', async (current, context) => {
      await this.#passkeysOrRefuse().rename(context, current.user.id, param(request.body, 'passkey_id') ?? '', param(request.body, 'name') ?? '');
      return seeOther(`${this.base}?done=passkey_renamed#passkeys`);
    });
  }

  /** POST /account/passkeys/remove. */
  removePasskey(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'passkeys', async (current, context) => {
      await this.#passkeysOrRefuse().remove(context, current.user.id, param(request.body, 'passkey_id') ?? '');
      return seeOther(`${this.base}?done=passkey_removed#passkeys`);
    });
  }

  #passkeysOrRefuse(): PasskeyService {
    if (!this.#passkeys) throw DomainError.notFound('passkeys on this server');
    return this.#passkeys;
  }

  /** POST /account/apps/withdraw. */
  withdrawConsent(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'apps', async (_current, context) => {
      await this.#accounts.withdrawConsent(context, param(request.body, 'client_id') ?? '');
      return seeOther(`${this.base}?done=withdrawn`);
    });
  }

  /** POST /account/identities/unlink: never the last way in (no password and no other provider). */
  unlinkIdentity(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'identities', async (current, context) => {
      if (!this.#federation) return seeOther(this.base);
      await this.#federation.unlink(context, current.user, param(request.body, 'identity_id') ?? '');
      return seeOther(`${this.base}?done=unlinked`);
    });
  }

  /** POST /account/sessions/end: one session, or `all` (this one included, which then signs in again). */
  endSessions(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'sessions', async (current, context) => {
      const sid = param(request.body, 'sid') ?? '';
      const all = param(request.body, 'scope') === 'all';
      const ended = await this.#accounts.endSessions(context, current.user.id, all ? { all: true } : { sid });
      const apps = ended.get(current.session.sid);
      if (!apps) return seeOther(`${this.base}?done=signed_out`);
      // This browser signed out: the apps it signed in to are told through its front channel too.
      const frontchannelUrls = await frontchannelLogoutUrls(apps, current.session.sid, this.#deps);
      if (frontchannelUrls.length === 0) return seeOther(this.#signInLocation(), [sessionCookie(this.#deps, null)]);
      return {
        kind: 'page',
        status: 200,
        page: loggedOutPage({ clientName: null, frontchannelUrls, continueTo: this.#signInLocation() }),
        cookies: [sessionCookie(this.#deps, null)],
        headers: { 'cache-control': 'no-store' },
      };
    });
  }

  #binding(request: ProtocolRequest): { value: string; cookies: CookieInstruction[] } {
    const existing = request.cookies[this.#deps.cookies.accountBinding];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { value: existing, cookies: [] };
    const value = randomId(24);
    const path = `${this.#deps.cookies.path === '/' ? '' : this.#deps.cookies.path}${paths.account}`;
    return { value, cookies: [{ name: this.#deps.cookies.accountBinding, value, path, maxAgeSeconds: 3600 }] };
  }

  #signInPage(request: ProtocolRequest, error: string | null, status = 200, headers: Record<string, string> = {}): ProtocolResponse {
    const binding = this.#binding(request);
    const view: AccountSignInView = {
      csrf: csrfToken(this.#deps.csrfKey, `${csrfPurpose}-sign-in`, binding.value),
      action: `${this.base}/sign-in`,
      returnTo: this.#returnTo(param(request.query, 'return_to') ?? param(request.body, 'return_to')),
      email: param(request.body, 'email') ?? '',
      error,
    };
    const response = page('account-sign-in', view, status, binding.cookies);
    return { ...response, headers: { ...response.headers, ...headers } };
  }

  /** GET /account/sign-in: straight back when already signed in. */
  async signInForm(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (await currentSession(request, this.#deps))
      return { kind: 'redirect', status: 302, location: this.#returnTo(param(request.query, 'return_to')), headers: { 'cache-control': 'no-store' } };
    return this.#signInPage(request, null);
  }

  /** POST /account/sign-in: the hosted pages' one sign-in (throttled like every other), then a session and 303 back. */
  async signIn(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!csrfValid(this.#deps.csrfKey, `${csrfPurpose}-sign-in`, request.cookies[this.#deps.cookies.accountBinding], request.body)) {
      return this.#signInPage(request, accountText.forged, 403);
    }
    const signedIn = await signInWithForm(this.#engine, this.#password, request.body, { ip: request.ip, clientId: null });
    if (signedIn.kind === 'refused') return this.#signInPage(request, signedIn.message, signedIn.status, signedIn.headers);
    if (signedIn.kind === 'second_factor') {
      // The first factor waits, signed and bound to this browser, for the second; nothing is stored.
      const pending: PendingSignIn = {
        login: signedIn.login,
        returnTo: this.#returnTo(param(request.body, 'return_to')),
        expiresAt: this.#deps.clock.now() + pendingSignInMs,
      };
      return seeOther(`${this.base}/sign-in/second-factor`, [this.#pendingCookie(request, pending)]);
    }
    return this.#startSession(request, signedIn.login, this.#returnTo(param(request.body, 'return_to')));
  }

  async #startSession(request: ProtocolRequest, login: InteractionLogin, returnTo: string, cookies: CookieInstruction[] = []): Promise<ProtocolResponse> {
    const started = await this.#engine.startSession(request, login);
    if (!started) return this.#signInPage(request, signInText.disabledAccount, 403);
    return seeOther(returnTo, [...cookies, ...started.cookies]);
  }

  #pendingCookie(request: ProtocolRequest, pending: PendingSignIn | null): CookieInstruction {
    const path = `${this.#deps.cookies.path === '/' ? '' : this.#deps.cookies.path}${paths.account}`;
    const name = this.#deps.cookies.accountSecondFactor;
    if (!pending) return { name, value: null, path };
    const payload = Buffer.from(JSON.stringify(pending)).toString('base64url');
    const binding = request.cookies[this.#deps.cookies.accountBinding] ?? '';
    const value = `${payload}.${this.#deps.csrfKey.hash(`account-second-factor:${binding}:${payload}`)}`;
    return { name, value, path, maxAgeSeconds: pendingSignInMs / 1000 };
  }

  /** The first factor waiting for the second: signed by this server, bound to this browser, and not expired. */
  #pending(request: ProtocolRequest): PendingSignIn | undefined {
    const value = request.cookies[this.#deps.cookies.accountSecondFactor];
    const binding = request.cookies[this.#deps.cookies.accountBinding];
    if (!value || !binding || value.length > 4000) return undefined;
    const [payload, mac] = value.split('.');
    if (!payload || !mac || !this.#deps.csrfKey.matches(`account-second-factor:${binding}:${payload}`, mac)) return undefined;
    try {
      const pending = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PendingSignIn;
      return pending.expiresAt > this.#deps.clock.now() ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  #secondFactorPlace(request: ProtocolRequest): SecondFactorPlace {
    const binding = request.cookies[this.#deps.cookies.accountBinding] ?? '';
    return {
      bindingId: binding,
      csrf: csrfToken(this.#deps.csrfKey, `${csrfPurpose}-sign-in`, binding),
      clientName: 'your account',
      logoUri: null,
      codeAction: `${this.base}/sign-in/second-factor`,
      enrollAction: `${this.base}/sign-in/second-factor`,
      continueAction: `${this.base}/sign-in/second-factor`,
      abortAction: null,
      requiredBy: null,
      purpose: 'sign-in',
      passkeyActions: { options: `${this.base}/sign-in/second-factor/passkey/options`, submit: `${this.base}/sign-in/second-factor/passkey` },
    };
  }

  /** GET /account/sign-in/second-factor: the challenge of a sign-in whose first factor succeeded. */
  async secondFactorForm(request: ProtocolRequest): Promise<ProtocolResponse> {
    const pending = this.#pending(request);
    if (!pending) return seeOther(this.#signInLocation());
    return this.#secondFactor.page(pending.login, this.#secondFactorPlace(request));
  }

  /** POST /account/sign-in/second-factor: the code; then the session, and back to where the user was going. */
  async submitSecondFactor(request: ProtocolRequest): Promise<ProtocolResponse> {
    const pending = this.#pending(request);
    if (!pending) return seeOther(this.#signInLocation());
    if (!csrfValid(this.#deps.csrfKey, `${csrfPurpose}-sign-in`, request.cookies[this.#deps.cookies.accountBinding], request.body)) {
      return this.#signInPage(request, accountText.forged, 403);
    }
    const proven = await this.#secondFactor.prove(pending.login, request.body, this.#secondFactorPlace(request), { ip: request.ip, clientId: null });
    if (!proven.ok) return proven.response;
    return this.#startSession(request, proven.login, pending.returnTo, [this.#pendingCookie(request, null)]);
  }

  /** POST /account/sign-in/second-factor/passkey/options: the options of the pending user's passkeys, as JSON. */
  async secondFactorPasskeyOptions(request: ProtocolRequest): Promise<ProtocolResponse> {
    const json = (status: number, description: string): ProtocolResponse => ({
      kind: 'json',
      status,
      body: { error: 'invalid_request', error_description: description },
      headers: { 'cache-control': 'no-store' },
    });
    const pending = this.#pending(request);
    if (!pending) return json(400, 'The sign-in expired. Reload the page and sign in again.');
    if (!csrfValid(this.#deps.csrfKey, `${csrfPurpose}-sign-in`, request.cookies[this.#deps.cookies.accountBinding], request.body)) {
      return json(403, accountText.forged);
    }
    return this.#secondFactor.passkeyOptions(pending.login, this.#secondFactorPlace(request));
  }

  /** POST /account/sign-in/second-factor/passkey: a passkey as the second factor; then the session, as submitSecondFactor. */
  async submitSecondFactorPasskey(request: ProtocolRequest): Promise<ProtocolResponse> {
    const pending = this.#pending(request);
    if (!pending) return seeOther(this.#signInLocation());
    if (!csrfValid(this.#deps.csrfKey, `${csrfPurpose}-sign-in`, request.cookies[this.#deps.cookies.accountBinding], request.body)) {
      return this.#signInPage(request, accountText.forged, 403);
    }
    const proven = await this.#secondFactor.provePasskey(pending.login, request.body, this.#secondFactorPlace(request), { ip: request.ip, clientId: null });
    if (!proven.ok) return proven.response;
    return this.#startSession(request, proven.login, pending.returnTo, [this.#pendingCookie(request, null)]);
  }

  #twoStepPlace(request: ProtocolRequest, current: CurrentSession): SecondFactorPlace {
    return {
      bindingId: current.session.sid,
      csrf: csrfToken(this.#deps.csrfKey, csrfPurpose, this.#sessionCookieValue(request) ?? ''),
      clientName: 'your account',
      logoUri: null,
      codeAction: `${this.base}/two-step/totp`,
      enrollAction: `${this.base}/two-step/totp`,
      continueAction: `${this.base}/two-step/done`,
      abortAction: null,
      requiredBy: null,
      purpose: 'account',
    };
  }

  /** GET /account/two-step/totp: a new authenticator app, with its QR code and key. */
  async addAuthenticatorForm(request: ProtocolRequest): Promise<ProtocolResponse> {
    const current = await currentSession(request, this.#deps);
    if (!current) return seeOther(this.#signInLocation(`${this.base}/two-step/totp`));
    return this.#secondFactor.enrollPage(current.user.id, this.#twoStepPlace(request, current), secondFactorText.enrollOnAccount);
  }

  /** POST /account/two-step/totp: its first code turns it on; the first factor of an account shows its recovery codes. */
  addAuthenticator(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'twoStep', async (current, context) => {
      const pending = { userId: current.user.id, amr: current.session.amr, authTime: current.session.authTime, acr: null };
      const response = await this.#secondFactor.confirmEnrollment(pending, request.body, this.#twoStepPlace(request, current), { ...context, ip: request.ip });
      // A second app keeps the recovery codes the account has: there are none to show.
      const codes = response.kind === 'page' ? (response.page.data.step as { kind?: string; codes?: string[] } | undefined) : undefined;
      if (codes?.kind === 'recovery_codes' && codes.codes?.length === 0) return seeOther(`${this.base}?done=two_step_on`);
      return response;
    });
  }

  /** POST /account/two-step/done: past the recovery codes, back to the account. */
  twoStepDone(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'twoStep', () => Promise.resolve(seeOther(`${this.base}?done=two_step_on`)));
  }

  /**
   * Taking a second factor away, or replacing the recovery codes, needs a session that proved a
   * second factor: a stolen session that only knew the password can not turn two-step off.
   */
  #secondFactorProven(request: AccountRequest, current: CurrentSession): Promise<ProtocolResponse> | undefined {
    if (current.session.amr.includes('mfa')) return undefined;
    return this.#render(request, current, { errors: { twoStep: accountText.secondFactorFirst }, status: 403 });
  }

  /** POST /account/two-step/totp/remove. */
  removeAuthenticator(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'twoStep', async (current, context) => {
      const refused = this.#secondFactorProven(request, current);
      if (refused) return refused;
      await this.#secondFactors.removeTotp(context, current.user.id, param(request.body, 'factor_id') ?? '');
      return seeOther(`${this.base}?done=two_step_removed`);
    });
  }

  /** POST /account/two-step/recovery-codes: a new set, shown once; the old one stops working. */
  newRecoveryCodes(request: AccountRequest): Promise<ProtocolResponse> {
    return this.#form(request, 'twoStep', async (current, context) => {
      const refused = this.#secondFactorProven(request, current);
      if (refused) return refused;
      const codes = await this.#secondFactors.regenerateRecoveryCodes(context, current.user.id);
      return this.#secondFactor.recoveryCodesPage(codes, this.#twoStepPlace(request, current));
    });
  }
}

/** How long the first factor of an account-page sign-in waits for the second. */
const pendingSignInMs = 10 * 60_000;

interface PendingSignIn {
  login: InteractionLogin;
  returnTo: string;
  expiresAt: number;
}
