import type { ResourceDirectory } from '../ports/directories.js';
import { describeScopes } from '../protocol/authorize/scope-descriptions.js';
import type { EndpointUrls } from '../protocol/context.js';
import {
  loginOfSession,
  type InteractionDetails,
  type InteractionEngine,
  type InteractionOutcome,
  type InteractionResult,
} from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import type { AccountLinkPages } from './account-link-pages.js';
import type { FederationPages } from './federation-pages.js';
import { csrfToken, csrfValid } from './csrf.js';
import { allowed } from './forms.js';
import { signInWithForm } from './sign-in-form.js';
import { forgedFormText, interactionProblemText, signInText, type ErrorText } from './text.js';
import { errorResponse, pageResponse, seeOther } from './views.js';

export interface InteractionPagesDependencies {
  /** Keys the CSRF tokens of the hosted forms. */
  csrfKey: SecretHasher;
  endpoints: Pick<EndpointUrls, 'interaction'>;
  resources: ResourceDirectory;
}

type Loaded = { details: InteractionDetails; csrf: string };

/**
 * The hosted pages of the authorization flow (/interaction/:uid): they read the forms, check
 * CSRF, put the engine's state into words, and hand what the user did to the engine.
 */
export class InteractionPages {
  readonly #deps: InteractionPagesDependencies;
  readonly #engine: InteractionEngine;
  readonly #password: LoginMethod<PasswordCredentials>;
  readonly #accountPages: AccountLinkPages;
  readonly #federation: FederationPages | undefined;

  constructor(
    deps: InteractionPagesDependencies,
    engine: InteractionEngine,
    password: LoginMethod<PasswordCredentials>,
    accountPages: AccountLinkPages,
    federation?: FederationPages,
  ) {
    this.#deps = deps;
    this.#engine = engine;
    this.#password = password;
    this.#accountPages = accountPages;
    this.#federation = federation;
  }

  async #load(uid: string, request: ProtocolRequest): Promise<Loaded | ProtocolResponse> {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return errorResponse(400, interactionProblemText[found.problem]);
    return { details: found.details, csrf: csrfToken(this.#deps.csrfKey, uid, found.details.browserBinding) };
  }

  /** Loads the interaction and checks the form's CSRF token; a response when either fails. */
  async #form(uid: string, request: ProtocolRequest, forged: ErrorText): Promise<Loaded | ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (!csrfValid(this.#deps.csrfKey, uid, loaded.details.browserBinding, request.body)) return errorResponse(403, forged);
    return loaded;
  }

  async #loginPage(
    { details, csrf }: Loaded,
    status: number,
    error: string | null,
    email: string | null,
    headers: Record<string, string> = {},
  ): Promise<ProtocolResponse> {
    const { client, uid } = details;
    const federation = this.#federation ? await this.#federation.offered(details) : { action: '', connections: [] };
    const base = `${this.#deps.endpoints.interaction}/${uid}`;
    return pageResponse(
      {
        template: 'login',
        view: {
          uid,
          csrf,
          clientName: client.app.name,
          logoUri: client.policy.logoUri,
          email: email ?? details.request.loginHint ?? '',
          error,
          action: `${base}/login`,
          abortAction: `${base}/abort`,
          forgotPasswordUri: this.#accountPages.forgotPasswordUri,
          signUpUri: this.#accountPages.signUpUriFor(uid),
          federation,
        },
      },
      status,
      headers,
    );
  }

  async #consentPage({ details, csrf }: Loaded, userEmail: string): Promise<ProtocolResponse> {
    const { client, uid, request } = details;
    const { settings } = client.app;
    return pageResponse({
      template: 'consent',
      view: {
        uid,
        csrf,
        clientName: client.app.name,
        logoUri: settings.logoUri,
        homepageUri: settings.homepageUri,
        privacyPolicyUri: settings.privacyPolicyUri,
        termsOfServiceUri: settings.termsOfServiceUri,
        userEmail,
        scopes: await describeScopes(request.scope, request.audiences, this.#deps.resources),
        action: `${this.#deps.endpoints.interaction}/${uid}/consent`,
      },
    });
  }

  #answer(outcome: InteractionOutcome): ProtocolResponse {
    return outcome.ok ? outcome.response : errorResponse(400, interactionProblemText[outcome.problem]);
  }

  async #finish(loaded: Loaded, request: ProtocolRequest, result: InteractionResult): Promise<ProtocolResponse> {
    return this.#answer(await this.#engine.finish(loaded.details, request, result));
  }

  /** GET /interaction/:uid: the page of the step the interaction is at. */
  async show(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    const step = await this.#engine.pageStep(loaded.details);
    const session = loaded.details.session;
    if (step === 'second_factor_pending') return errorResponse(400, interactionProblemText.second_factor_unavailable);
    if (step === 'verification_pending' && session) return this.#accountPages.verificationNeededPage(loaded.details, request);
    if (step === 'consent_pending' && session) return this.#consentPage(loaded, session.user.email);
    return this.#loginPage(loaded, 200, null, null);
  }

  /** POST /interaction/:uid/login: the sign-in (throttled); then the engine goes on with 303. */
  async submitLogin(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.login);
    if ('kind' in loaded) return loaded;
    const email = param(request.body, 'email') ?? '';
    const password = request.body.get('password')?.[0];
    // Home realm discovery: an email of a domain a connection serves, without a password, goes to that connection.
    const realm = email && !password && this.#federation ? await this.#federation.connectionForEmail(loaded.details, email) : undefined;
    if (realm) return this.#federation!.start(loaded.details, realm, email);
    if (!email || !password) return this.#loginPage(loaded, 400, signInText.missingFields, email);
    const signedIn = await signInWithForm(this.#engine, this.#password, request.body, { ip: request.ip, clientId: loaded.details.client.clientId });
    if (signedIn.kind === 'refused') return this.#loginPage(loaded, signedIn.status, signedIn.message, email, signedIn.headers);
    if (signedIn.kind === 'second_factor') return this.#finish(loaded, request, { secondFactor: { login: signedIn.login, methods: signedIn.methods } });
    return this.#finish(loaded, request, { login: signedIn.login });
  }

  /** POST /interaction/:uid/consent: allow (remembered) or deny; 303 either way. */
  async submitConsent(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.consent);
    if ('kind' in loaded) return loaded;
    return this.#finish(loaded, request, { consent: { allowed: allowed(request.body) } });
  }

  /**
   * GET /interaction/:uid/resume: back from a sign-in made outside this page (the sign-up link
   * signs in). A session that began after the interaction did is its sign-in, so prompt=login and
   * max_age are met; anything else goes to the page of the step the interaction is at.
   */
  async resume(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    const { session, record } = loaded.details;
    if (loaded.details.step === 'login_pending' && session && session.session.authTime >= record.createdAt) {
      return this.#finish(loaded, request, { login: loginOfSession(session) });
    }
    return seeOther(`${this.#deps.endpoints.interaction}/${uid}`);
  }

  /** POST /interaction/:uid/verified: back from the verification mail; the engine checks the address again. */
  async continueVerified(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.abort);
    if ('kind' in loaded) return loaded;
    return this.#finish(loaded, request, { emailVerified: true });
  }

  /** POST /interaction/:uid/abort: the user cancelled; the app hears access_denied. */
  async abort(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.abort);
    if ('kind' in loaded) return loaded;
    return this.#finish(loaded, request, { cancelled: true });
  }
}
