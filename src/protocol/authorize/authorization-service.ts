import { isBuiltInApp } from '../../domain/apps/built-in.js';
import type { SignIn } from '../../domain/identity/sign-in.js';
import type { OAuthClient } from '../../ports/directories.js';
import type { GrantRecord, InteractionRecord } from '../../ports/oauth-repositories.js';
import { generateOpaqueSecret } from '../../shared/opaque-secret.js';
import { randomId, timeOrderedGrantId } from '../../shared/random.js';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { authorizationOf, consentItems } from '../authorization-coverage.js';
import type { ProtocolDependencies } from '../context.js';
import { isOAuthError, OAuthError } from '../errors.js';
import { param, type CookieInstruction, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { isReservedApi } from '../scopes.js';
import { currentSession, startSession, type CurrentSession } from '../sessions.js';
import { checksAfterRedirect, checksBeforeRedirect, type AuthorizeCheckContext } from './checks.js';
import { requestFromJson, requestToJson, type AuthorizationRequest } from './request.js';
import { authorizationError, authorizationResponse, errorPage } from './response.js';
import { describeScopes } from './scope-descriptions.js';

/** Authorization codes live at most 60 seconds (PRODUCT B3). */
export const codeLifetimeMs = 60_000;
/** Time a person has to sign in and consent. */
export const interactionLifetimeMs = 30 * 60_000;

export interface AuthorizationDependencies extends ProtocolDependencies {
  signIn: Pick<SignIn, 'attempt'>;
}

interface DecideOptions {
  status: 302 | 303;
  /** The user just signed in for this request: prompt=login and max_age are satisfied. */
  freshLogin?: boolean;
  /** The user just consented for this request. */
  consentGiven?: boolean;
  session?: CurrentSession;
  interaction?: InteractionRecord;
  cookies?: CookieInstruction[];
}

interface LoadedInteraction {
  interaction: InteractionRecord;
  client: OAuthClient;
  request: AuthorizationRequest;
  csrf: string;
}

/** Said only after the right password, so it tells nothing to someone guessing. */
export const disabledAccountMessage = 'This account is disabled. Ask an administrator of this server to enable it.';

const expiredInteraction = {
  code: 'invalid_request',
  description: 'This sign-in page has expired or was already used. Go back to the app and start again.',
};

/**
 * The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2) and the interaction behind it:
 * the checks, then sign-in and consent in the hosted pages when needed, then the code.
 */
export class AuthorizationService {
  readonly #deps: AuthorizationDependencies;

  constructor(deps: AuthorizationDependencies) {
    this.#deps = deps;
  }

  async authorize(request: ProtocolRequest): Promise<ProtocolResponse> {
    const parameters = request.method === 'POST' ? request.body : request.query;
    const context: AuthorizeCheckContext = { parameters, deps: this.#deps, request: { responseMode: 'query', state: null } };
    try {
      for (const check of checksBeforeRedirect) await check.run(context);
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      // RFC 9700 §4.11: until client and redirect URI are proven, tell the user; never redirect.
      return errorPage(400, 'This app sent an invalid sign-in request', error);
    }
    try {
      for (const check of checksAfterRedirect) await check.run(context);
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      return authorizationError(context.request as AuthorizationRequest, error, this.#deps.issuer, 302);
    }
    return this.#decide(request, context.client!, context.request as AuthorizationRequest, { status: 302 });
  }

  /** What the request needs next: sign-in, consent, or nothing, and then the code. */
  async #decide(request: ProtocolRequest, client: OAuthClient, authRequest: AuthorizationRequest, options: DecideOptions): Promise<ProtocolResponse> {
    const deps = this.#deps;
    const now = deps.clock.now();
    const current = options.session ?? (await currentSession(request, deps));
    const prompt = new Set(authRequest.prompt);
    const tooOld = current !== undefined && authRequest.maxAge !== null && now - current.session.authTime > authRequest.maxAge * 1000;
    const loginNeeded = !current || (!options.freshLogin && (prompt.has('login') || prompt.has('select_account') || tooOld));
    if (loginNeeded) {
      if (prompt.has('none')) {
        return this.#fail(authRequest, new OAuthError('login_required', 'the user must sign in, and prompt=none forbids showing the sign-in page (OIDC Core §3.1.2.6)'), options);
      }
      return this.#interact(client, authRequest, 'login', options);
    }

    if (authRequest.organizationId !== null) {
      let member = await deps.organizations.isMember(authRequest.organizationId, current.user.id);
      if (!member && authRequest.invitation !== null) {
        member = await deps.organizations.acceptInvitation(current.user.id, authRequest.invitation, authRequest.organizationId);
      }
      if (!member) {
        return this.#fail(authRequest, new OAuthError('access_denied', 'the user is not a member of the organization the request names'), options);
      }
    }

    const consentNeeded = !options.consentGiven && (prompt.has('consent') || !(await this.#consentCovers(current, client, authRequest)));
    if (consentNeeded) {
      if (prompt.has('none')) {
        return this.#fail(authRequest, new OAuthError('consent_required', 'the user must consent, and prompt=none forbids asking (OIDC Core §3.1.2.6)'), options);
      }
      return this.#interact(client, authRequest, 'consent', options);
    }
    return this.#issueCode(client, authRequest, current, options);
  }

  /**
   * Whether the user need not be asked: they consented to all of it before, or an administrator
   * pre-authorized them for it, or the app is first-party. First-party skips consent for the
   * organization's own APIs only: a token for the management plane is always consented to,
   * except by Latchkey's own console.
   */
  async #consentCovers(current: CurrentSession, client: OAuthClient, authRequest: AuthorizationRequest): Promise<boolean> {
    if (client.app.settings.security.firstParty) {
      if (isBuiltInApp(client.clientId)) return true;
      const apis = await Promise.all(authRequest.audiences.map((audience) => this.#deps.resources.getApi(audience)));
      if (!apis.some((api) => api !== undefined && isReservedApi(api))) return true;
    }
    return (await authorizationOf(this.#deps, client, current.user.id, authRequest.scope, authRequest.audiences)) !== null;
  }

  async #fail(authRequest: AuthorizationRequest, error: OAuthError, options: DecideOptions): Promise<ProtocolResponse> {
    const cookies = [...(options.cookies ?? [])];
    if (options.interaction) {
      await this.#deps.storage.interactions.complete(options.interaction.uid, this.#deps.clock.now());
      cookies.push(this.#bindingCookie(options.interaction.uid, null));
    }
    return authorizationError(authRequest, error, this.#deps.issuer, options.status, cookies);
  }

  /** Pauses the request for the hosted pages; a cookie binds it to this browser. */
  async #interact(client: OAuthClient, authRequest: AuthorizationRequest, prompt: InteractionRecord['prompt'], options: DecideOptions): Promise<ProtocolResponse> {
    const deps = this.#deps;
    if (options.interaction) {
      await deps.storage.interactions.setPrompt(options.interaction.uid, prompt);
      return { kind: 'redirect', status: 303, location: `${deps.endpoints.interaction}/${options.interaction.uid}`, cookies: options.cookies ?? [] };
    }
    const now = deps.clock.now();
    const uid = randomId(16);
    const binding = randomId(24);
    await deps.storage.interactions.insert({
      uid,
      clientId: client.clientId,
      request: requestToJson(authRequest),
      browserHash: deps.tokenHasher.hash(binding),
      prompt,
      createdAt: now,
      expiresAt: now + interactionLifetimeMs,
      completedAt: null,
    });
    return {
      kind: 'redirect',
      status: options.status,
      location: `${deps.endpoints.interaction}/${uid}`,
      headers: { 'cache-control': 'no-store' },
      cookies: [...(options.cookies ?? []), this.#bindingCookie(uid, binding)],
    };
  }

  #bindingCookie(uid: string, value: string | null): CookieInstruction {
    const { cookies } = this.#deps;
    return {
      name: cookies.interaction + uid,
      value,
      path: `${cookies.path === '/' ? '' : cookies.path}/interaction/${uid}`,
      ...(value === null ? {} : { maxAgeSeconds: interactionLifetimeMs / 1000 }),
    };
  }

  /** Issues the code (single use, 60 s, bound to client, redirect URI and PKCE challenge) and answers the client. */
  async #issueCode(client: OAuthClient, authRequest: AuthorizationRequest, current: CurrentSession, options: DecideOptions): Promise<ProtocolResponse> {
    const deps = this.#deps;
    const now = deps.clock.now();
    const cookies = [...(options.cookies ?? [])];
    if (options.interaction) {
      if (!(await deps.storage.interactions.complete(options.interaction.uid, now))) return errorPage(400, 'Sign-in expired', expiredInteraction);
      cookies.push(this.#bindingCookie(options.interaction.uid, null));
    }
    const code = generateOpaqueSecret('ac');
    const grant: GrantRecord = {
      id: timeOrderedGrantId(now),
      clientId: client.clientId,
      userId: current.user.id,
      orgId: authRequest.organizationId,
      scope: authRequest.scope,
      audiences: authRequest.audiences,
      sessionSid: current.session.sid,
      authTime: current.session.authTime,
      amr: current.session.amr,
      nonce: authRequest.nonce,
      redirectUri: authRequest.redirectUriGiven ? authRequest.redirectUri : null,
      codeHash: deps.tokenHasher.hash(code),
      codeChallenge: authRequest.codeChallenge,
      codeExpiresAt: now + codeLifetimeMs,
      codeConsumedAt: null,
      refreshHash: null,
      refreshPreviousHash: null,
      refreshGeneration: 0,
      refreshRotatedAt: null,
      refreshExpiresAt: null,
      createdAt: now,
      expiresAt: now + codeLifetimeMs,
      revokedAt: null,
    };
    await deps.storage.grants.insert(grant);
    deps.events.publish({ type: 'code.issued', orgId: client.app.orgId, clientId: client.clientId });
    return authorizationResponse(authRequest, { code }, deps.issuer, options.status, cookies);
  }

  async #load(uid: string, request: ProtocolRequest): Promise<LoadedInteraction | ProtocolResponse> {
    const deps = this.#deps;
    const interaction = /^[A-Za-z0-9_-]{22}$/.test(uid) ? await deps.storage.interactions.get(uid) : undefined;
    if (!interaction || interaction.completedAt !== null || interaction.expiresAt <= deps.clock.now()) {
      return errorPage(400, 'Sign-in expired', expiredInteraction);
    }
    const binding = request.cookies[deps.cookies.interaction + uid];
    if (!binding || !deps.tokenHasher.matches(binding, interaction.browserHash)) {
      return errorPage(400, 'Sign-in started elsewhere', {
        code: 'invalid_request',
        description: 'This sign-in was started in another browser or its cookie is missing. Go back to the app and start again.',
      });
    }
    const client = await deps.clients.getClient(interaction.clientId);
    if (!client) return errorPage(400, 'Unknown app', { code: 'invalid_client', description: 'The app that started this sign-in no longer exists.' });
    return { interaction, client, request: requestFromJson(interaction.request), csrf: deps.csrfKey.hash(`${uid}:${binding}`) };
  }

  #csrfValid(loaded: LoadedInteraction, request: ProtocolRequest): boolean {
    const presented = param(request.body, 'csrf');
    return presented !== undefined && constantTimeEqual(presented, loaded.csrf);
  }

  #loginPage(loaded: LoadedInteraction, status: number, error: string | null, email: string | null, headers: Record<string, string> = {}): ProtocolResponse {
    const { client, interaction } = loaded;
    return {
      kind: 'page',
      status,
      page: {
        template: 'login',
        data: {
          uid: interaction.uid,
          csrf: loaded.csrf,
          clientName: client.app.name,
          logoUri: client.app.settings.logoUri,
          email: email ?? loaded.request.loginHint ?? '',
          error,
          action: `${this.#deps.endpoints.interaction}/${interaction.uid}/login`,
          abortAction: `${this.#deps.endpoints.interaction}/${interaction.uid}/abort`,
        },
      },
      headers: { 'cache-control': 'no-store', ...headers },
    };
  }

  /** GET /interaction/:uid: the sign-in or the consent page. */
  async interactionPage(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (loaded.interaction.prompt === 'consent') {
      const current = await currentSession(request, this.#deps);
      if (current) return this.#consentPage(loaded, current);
      await this.#deps.storage.interactions.setPrompt(uid, 'login');
    }
    return this.#loginPage(loaded, 200, null, null);
  }

  async #consentPage(loaded: LoadedInteraction, current: CurrentSession): Promise<ProtocolResponse> {
    const { client, interaction, request } = loaded;
    const scopes = await describeScopes(request.scope, request.audiences, this.#deps.resources);
    return {
      kind: 'page',
      status: 200,
      page: {
        template: 'consent',
        data: {
          uid: interaction.uid,
          csrf: loaded.csrf,
          clientName: client.app.name,
          logoUri: client.app.settings.logoUri,
          homepageUri: client.app.settings.homepageUri,
          privacyPolicyUri: client.app.settings.privacyPolicyUri,
          termsOfServiceUri: client.app.settings.termsOfServiceUri,
          userEmail: current.user.email,
          scopes,
          action: `${this.#deps.endpoints.interaction}/${interaction.uid}/consent`,
        },
      },
      headers: { 'cache-control': 'no-store' },
    };
  }

  /** POST /interaction/:uid/login: checks the password (throttled), starts a session, continues with 303. */
  async submitLogin(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (!this.#csrfValid(loaded, request)) {
      return errorPage(403, 'Form expired', { code: 'invalid_request', description: 'The form was not sent from this sign-in page (CSRF check failed). Reload the page and try again.' });
    }
    const email = param(request.body, 'email') ?? '';
    const password = request.body.get('password')?.[0] ?? '';
    if (!email || !password) return this.#loginPage(loaded, 400, 'Enter your email and password.', email);
    const result = await this.#deps.signIn.attempt(email, password, request.ip);
    this.#deps.events.publish(
      result.ok
        ? { type: 'signin.succeeded', userId: result.user.id, clientId: loaded.client.clientId }
        : { type: result.reason === 'throttled' ? 'signin.throttled' : 'signin.failed', clientId: loaded.client.clientId },
    );
    if (!result.ok) {
      if (result.reason === 'throttled') {
        return this.#loginPage(loaded, 429, `Too many attempts. Try again in ${result.retryAfterSeconds} seconds.`, email, {
          'retry-after': String(result.retryAfterSeconds),
        });
      }
      if (result.reason === 'disabled') return this.#loginPage(loaded, 403, disabledAccountMessage, email);
      return this.#loginPage(loaded, 401, 'The email or password is not right.', email);
    }
    const previous = request.cookies[this.#deps.cookies.session];
    if (previous && previous.length <= 100) await this.#deps.storage.sessions.delete(this.#deps.tokenHasher.hash(previous));
    const { current, cookie } = await startSession(this.#deps, result.user, ['pwd']);
    return this.#decide(request, loaded.client, loaded.request, {
      status: 303,
      freshLogin: true,
      session: current,
      interaction: loaded.interaction,
      cookies: [cookie],
    });
  }

  /** POST /interaction/:uid/consent: allow (remembered) or deny; 303 either way. */
  async submitConsent(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (!this.#csrfValid(loaded, request)) {
      return errorPage(403, 'Form expired', { code: 'invalid_request', description: 'The form was not sent from this consent page (CSRF check failed). Reload the page and try again.' });
    }
    const current = await currentSession(request, this.#deps);
    if (!current) {
      await this.#deps.storage.interactions.setPrompt(uid, 'login');
      return { kind: 'redirect', status: 303, location: `${this.#deps.endpoints.interaction}/${uid}` };
    }
    if (param(request.body, 'decision') !== 'allow') {
      return this.#fail(loaded.request, new OAuthError('access_denied', 'the user did not allow the app access'), { status: 303, interaction: loaded.interaction });
    }
    const now = this.#deps.clock.now();
    const existing = await this.#deps.storage.consents.get(current.user.id, loaded.client.clientId);
    await this.#deps.storage.consents.put({
      userId: current.user.id,
      clientId: loaded.client.clientId,
      scopes: [...new Set([...(existing?.scopes ?? []), ...consentItems(loaded.request.scope, loaded.request.audiences)])],
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return this.#decide(request, loaded.client, loaded.request, {
      status: 303,
      freshLogin: true,
      consentGiven: true,
      session: current,
      interaction: loaded.interaction,
    });
  }

  /** POST /interaction/:uid/abort: the user cancelled; the app hears access_denied. */
  async abort(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (!this.#csrfValid(loaded, request)) {
      return errorPage(403, 'Form expired', { code: 'invalid_request', description: 'The form was not sent from this page (CSRF check failed).' });
    }
    return this.#fail(loaded.request, new OAuthError('access_denied', 'the user cancelled the sign-in'), { status: 303, interaction: loaded.interaction });
  }
}
