import type { RequestContext } from '../domain/audit/audit-log.js';
import type { ResourceDirectory, UserDirectory } from '../ports/directories.js';
import type { OrganizationDirectory } from '../protocol/context.js';
import type { InteractionLogin } from '../ports/oauth-repositories.js';
import { describeClaims, describeScopes } from '../protocol/authorize/scope-descriptions.js';
import { claimsBeyondScope } from '../protocol/tokens/claims-request.js';
import type { EndpointUrls } from '../protocol/context.js';
import {
  loginOfSession,
  type InteractionDetails,
  type InteractionEngine,
  type InteractionOutcome,
  type InteractionResult,
} from '../protocol/interaction/engine.js';
import type { PasskeyService } from '../domain/identity/passkeys.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasskeyCredentials } from '../protocol/interaction/passkey-login.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { acrNeedsSecondFactor } from '../protocol/acr.js';
import type { AccountLinkPages } from './account-link-pages.js';
import type { SecondFactorPlace, SecondFactorPrompt } from './second-factor-prompt.js';
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
  users: Pick<UserDirectory, 'getUser'>;
  /** Whether an organization of the user asks for a second factor (the page says who asks). */
  secondFactors: { requiredByOrganization(userId: string): Promise<boolean> };
  /** The organization an invitation made the user join, named on the consent page. */
  organizations: Pick<OrganizationDirectory, 'resolve'>;
}

/** `accounts`: what the account chooser offers (prompt=select_account), else empty. */
type Loaded = { details: InteractionDetails; csrf: string; accounts: { sid: string; email: string; name: string }[] };

/** Passwordless sign-in with a passkey on the sign-in page. */
export interface InteractionPasskeys {
  method: LoginMethod<PasskeyCredentials>;
  service: Pick<PasskeyService, 'authenticationOptions'>;
  passwordless: boolean;
}

/** The page a passwordless challenge is bound to: it answers only on this interaction. */
const passkeyBinding = (uid: string) => `interaction:${uid}`;

function jsonError(status: number, description: string): ProtocolResponse {
  return { kind: 'json', status, body: { error: 'invalid_request', error_description: description }, headers: { 'cache-control': 'no-store' } };
}

/**
 * The hosted pages of the authorization flow (/interaction/:uid): they read the forms, check
 * CSRF, put the engine's state into words, and hand what the user did to the engine.
 */
export class InteractionPages {
  readonly #deps: InteractionPagesDependencies;
  readonly #engine: InteractionEngine;
  readonly #password: LoginMethod<PasswordCredentials>;
  readonly #accountPages: AccountLinkPages;
  readonly #secondFactor: SecondFactorPrompt;
  readonly #passkeys: InteractionPasskeys | undefined;
  readonly #federation: FederationPages | undefined;

  constructor(
    deps: InteractionPagesDependencies,
    engine: InteractionEngine,
    password: LoginMethod<PasswordCredentials>,
    accountPages: AccountLinkPages,
    secondFactor: SecondFactorPrompt,
    passkeys?: InteractionPasskeys,
    federation?: FederationPages,
  ) {
    this.#deps = deps;
    this.#engine = engine;
    this.#password = password;
    this.#accountPages = accountPages;
    this.#federation = federation;
    this.#secondFactor = secondFactor;
    this.#passkeys = passkeys;
  }

  /** Where the second-factor page of this interaction sends its forms, and who asks for the factor. */
  async #secondFactorPlace({ details, csrf }: Loaded): Promise<SecondFactorPlace> {
    const { client, uid, request, record } = details;
    const base = `${this.#deps.endpoints.interaction}/${uid}`;
    const byApp = client.policy.security.requireMfa || acrNeedsSecondFactor(request.acrValues) || acrNeedsSecondFactor(request.essentialAcr);
    const byOrganization = !byApp && record.login !== null && (await this.#deps.secondFactors.requiredByOrganization(record.login.userId));
    return {
      bindingId: uid,
      csrf,
      clientName: client.app.name,
      logoUri: client.policy.logoUri,
      codeAction: `${base}/second-factor`,
      enrollAction: `${base}/second-factor/enroll`,
      continueAction: `${base}/second-factor/continue`,
      abortAction: `${base}/abort`,
      requiredBy: byApp ? client.app.name : byOrganization ? 'Your organization' : null,
      purpose: 'sign-in',
      ...(this.#passkeys ? { passkeyActions: { options: `${base}/second-factor/passkey/options`, submit: `${base}/second-factor/passkey` } } : {}),
    };
  }

  /** Loads a form of the second-factor step: the interaction must wait there, with the first factor recorded. */
  async #secondFactorForm(uid: string, request: ProtocolRequest): Promise<(Loaded & { pending: InteractionLogin }) | ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.login);
    if ('kind' in loaded) return loaded;
    const pending = loaded.details.record.login;
    if (loaded.details.step !== 'second_factor_pending' || !pending) return seeOther(`${this.#deps.endpoints.interaction}/${uid}`);
    return { ...loaded, pending };
  }

  /** POST /interaction/:uid/second-factor: a code of the authenticator app, or a recovery code. */
  async submitSecondFactor(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#secondFactorForm(uid, request);
    if ('kind' in loaded) return loaded;
    const place = await this.#secondFactorPlace(loaded);
    const proven = await this.#secondFactor.prove(loaded.pending, request.body, place, { ip: request.ip, clientId: loaded.details.client.clientId });
    return proven.ok ? this.#finish(loaded, request, { login: proven.login }) : proven.response;
  }

  /** POST /interaction/:uid/second-factor/passkey/options: the options of a passkey of the pending user, as JSON. */
  async secondFactorPasskeyOptions(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return jsonError(400, interactionProblemText[found.problem].description);
    if (!csrfValid(this.#deps.csrfKey, uid, found.details.browserBinding, request.body)) return jsonError(403, forgedFormText.login.description);
    const loaded = { details: found.details, csrf: csrfToken(this.#deps.csrfKey, uid, found.details.browserBinding), accounts: [] };
    const pending = found.details.record.login;
    if (found.details.step !== 'second_factor_pending' || !pending) return jsonError(400, interactionProblemText.expired.description);
    return this.#secondFactor.passkeyOptions(pending, await this.#secondFactorPlace(loaded));
  }

  /** POST /interaction/:uid/second-factor/passkey: the assertion of the pending user's passkey, as the second factor. */
  async submitSecondFactorPasskey(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#secondFactorForm(uid, request);
    if ('kind' in loaded) return loaded;
    const place = await this.#secondFactorPlace(loaded);
    const proven = await this.#secondFactor.provePasskey(loaded.pending, request.body, place, { ip: request.ip, clientId: loaded.details.client.clientId });
    return proven.ok ? this.#finish(loaded, request, { login: proven.login }) : proven.response;
  }

  /** POST /interaction/:uid/second-factor/enroll: the first code of the app being set up. */
  async submitEnrollment(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#secondFactorForm(uid, request);
    if ('kind' in loaded) return loaded;
    const { pending } = loaded;
    const user = await this.#deps.users.getUser(pending.userId);
    const context: RequestContext & { ip: string } = {
      actor: { kind: 'user', userId: pending.userId, email: user?.email ?? '', scopes: new Set() },
      ip: request.ip,
    };
    return this.#secondFactor.confirmEnrollment(pending, request.body, await this.#secondFactorPlace(loaded), context);
  }

  /** POST /interaction/:uid/second-factor/continue: past the recovery codes, the sign-in goes on. */
  async continueAfterEnrollment(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#secondFactorForm(uid, request);
    if ('kind' in loaded) return loaded;
    const place = await this.#secondFactorPlace(loaded);
    const proven = await this.#secondFactor.continueAfterEnrollment(loaded.pending, request.body, place, {
      ip: request.ip,
      clientId: loaded.details.client.clientId,
    });
    return proven.ok ? this.#finish(loaded, request, { login: proven.login }) : proven.response;
  }

  get #passwordless(): InteractionPasskeys | undefined {
    return this.#passkeys?.passwordless ? this.#passkeys : undefined;
  }

  async #load(uid: string, request: ProtocolRequest): Promise<Loaded | ProtocolResponse> {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return errorResponse(400, interactionProblemText[found.problem]);
    return {
      details: found.details,
      csrf: csrfToken(this.#deps.csrfKey, uid, found.details.browserBinding),
      accounts: await this.#engine.chooserAccounts(found.details, request),
    };
  }

  /** Loads the interaction and checks the form's CSRF token; a response when either fails. */
  async #form(uid: string, request: ProtocolRequest, forged: ErrorText): Promise<Loaded | ProtocolResponse> {
    const loaded = await this.#load(uid, request);
    if ('kind' in loaded) return loaded;
    if (!csrfValid(this.#deps.csrfKey, uid, loaded.details.browserBinding, request.body)) return errorResponse(403, forged);
    return loaded;
  }

  /** The sign-in page; `autofill` false after a refused passkey, so that the browser does not offer it again unasked. */
  async #loginPage(
    { details, csrf, accounts }: Loaded,
    status: number,
    error: string | null,
    email: string | null,
    headers: Record<string, string> = {},
    autofill = true,
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
          accounts,
          chooseAction: `${base}/choose-account`,
          abortAction: `${base}/abort`,
          forgotPasswordUri: this.#accountPages.forgotPasswordUri,
          signUpUri: await this.#accountPages.signUpUriFor(details),
          passkey: this.#passwordless ? { optionsAction: `${base}/passkey/options`, action: `${base}/passkey`, autofill } : null,
          passkeyScript: this.#passwordless !== undefined,
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
        // The invitation was accepted at sign-in, before this page: say so, the user may not expect it.
        joinedOrganization:
          request.invitation !== null && request.organizationId !== null
            ? ((await this.#deps.organizations.resolve(request.organizationId))?.displayName ?? null)
            : null,
        scopes: [
          ...(await describeScopes(request.scope, request.audiences, this.#deps.resources)),
          ...describeClaims(claimsBeyondScope(request.claims, request.scope)),
        ],
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
    if (step === 'second_factor_pending') {
      const pending = loaded.details.record.login;
      if (pending) return this.#secondFactor.page(pending, await this.#secondFactorPlace(loaded));
    }
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

  /** POST /interaction/:uid/passkey/options: a passwordless challenge for this interaction's sign-in page, as JSON. */
  async passkeyOptions(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return jsonError(400, interactionProblemText[found.problem].description);
    if (!csrfValid(this.#deps.csrfKey, uid, found.details.browserBinding, request.body)) return jsonError(403, forgedFormText.login.description);
    const passkeys = this.#passwordless;
    if (!passkeys) return jsonError(404, signInText.passkeyOff);
    const options = await passkeys.service.authenticationOptions({ userId: null, binding: passkeyBinding(uid) });
    return { kind: 'json', status: 200, body: options, headers: { 'cache-control': 'no-store' } };
  }

  /** POST /interaction/:uid/passkey: a passwordless sign-in with the assertion the page's script posts; then as submitLogin. */
  async submitPasskey(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.login);
    if ('kind' in loaded) return loaded;
    const passkeys = this.#passwordless;
    if (!passkeys) return this.#loginPage(loaded, 400, signInText.passkeyOff, null);
    const credentials = { response: request.body.get('response')?.[0] ?? '', challenge: { userId: null, binding: passkeyBinding(uid) } };
    const outcome = await this.#engine.signIn(passkeys.method, credentials, { ip: request.ip, clientId: loaded.details.client.clientId });
    switch (outcome.kind) {
      case 'authenticated':
        return this.#finish(loaded, request, { login: outcome.login });
      case 'second_factor_required':
        return this.#finish(loaded, request, { secondFactor: { login: outcome.login, methods: outcome.methods } });
      case 'throttled':
        return this.#loginPage(loaded, 429, signInText.throttled(outcome.retryAfterSeconds), null, { 'retry-after': String(outcome.retryAfterSeconds) }, false);
      case 'refused':
        if (outcome.reason === 'disabled') return this.#loginPage(loaded, 403, signInText.disabledAccount, null, {}, false);
        return this.#loginPage(loaded, 401, signInText.passkeyRefused, null, {}, false);
    }
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

  /** POST /interaction/:uid/choose-account: the account chooser's answer, one of this browser's sessions. */
  async chooseAccount(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.login);
    if ('kind' in loaded) return loaded;
    const sid = param(request.body, 'sid');
    if (!sid || !loaded.accounts.some((account) => account.sid === sid)) return this.#loginPage(loaded, 400, signInText.unknownAccount, null);
    return this.#finish(loaded, request, { chosenSession: { sid } });
  }

  /** POST /interaction/:uid/abort: the user cancelled; the app hears access_denied. */
  async abort(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#form(uid, request, forgedFormText.abort);
    if ('kind' in loaded) return loaded;
    return this.#finish(loaded, request, { cancelled: true });
  }
}
