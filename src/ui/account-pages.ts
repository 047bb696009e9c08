import { paths } from '../contracts/paths.js';
import type { RequestContext } from '../domain/audit/audit-log.js';
import type { AccountService } from '../domain/identity/account-service.js';
import type { FederatedAccounts } from '../domain/federation/federated-accounts.js';
import { isDomainError } from '../domain/errors.js';
import type { CookiePolicy } from '../protocol/context.js';
import type { InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type CookieInstruction, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import { currentSession, sessionCookie, type CurrentSession, type SessionDependencies } from '../protocol/sessions.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { randomId } from '../shared/random.js';
import { csrfToken, csrfValid } from './csrf.js';
import { signInWithForm } from './sign-in-form.js';
import { signInText } from './text.js';
import { accountText, type AccountNotice, type AccountSection } from './account-text.js';
import { describeUserAgent } from './user-agent.js';

export interface AccountPagesDependencies extends SessionDependencies {
  issuer: string;
  csrfKey: SecretHasher;
  cookies: Pick<CookiePolicy, 'session' | 'accountBinding' | 'path'>;
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
  apps: { clientId: string; name: string; scopes: string[]; since: string }[];
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
  readonly #federation: Pick<FederatedAccounts, 'listForUser' | 'unlink'> | undefined;
  readonly base: string;

  constructor(
    deps: AccountPagesDependencies,
    accounts: AccountService,
    engine: Pick<InteractionEngine, 'signIn' | 'startSession'>,
    password: LoginMethod<PasswordCredentials>,
    federation?: Pick<FederatedAccounts, 'listForUser' | 'unlink'>,
  ) {
    this.#federation = federation;
    this.#deps = deps;
    this.#accounts = accounts;
    this.#engine = engine;
    this.#password = password;
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
      apps: apps.map((app) => ({ clientId: app.clientId, name: app.clientName ?? app.clientId, scopes: app.scopes, since: shownTime(app.createdAt) })),
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
      if (param(request.body, 'scope') === 'all') {
        await this.#accounts.endSessions(context, current.user.id, { all: true });
        return seeOther(this.#signInLocation(), [sessionCookie(this.#deps, null)]);
      }
      await this.#accounts.endSessions(context, current.user.id, { sid });
      if (sid === current.session.sid) return seeOther(this.#signInLocation(), [sessionCookie(this.#deps, null)]);
      return seeOther(`${this.base}?done=signed_out`);
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
    if (signedIn.kind === 'second_factor') return this.#signInPage(request, accountText.secondFactorUnavailable, 400);
    const started = await this.#engine.startSession(request, signedIn.login);
    if (!started) return this.#signInPage(request, signInText.disabledAccount, 403);
    return seeOther(this.#returnTo(param(request.body, 'return_to')), [started.cookie]);
  }
}
