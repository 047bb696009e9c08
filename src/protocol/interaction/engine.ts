import { isBuiltInApp } from '../../domain/apps/built-in.js';
import type { OAuthClient } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { InteractionLogin, InteractionRecord, InteractionStep } from '../../ports/oauth-repositories.js';
import { randomId } from '../../shared/random.js';
import { mayUseApp, privateAppRefusal } from '../app-access.js';
import { authorizationOf, consentItems } from '../authorization-coverage.js';
import { requestFromJson, requestToJson, type AuthorizationRequest } from '../authorize/request.js';
import { authorizationError, authorizationResponse } from '../authorize/response.js';
import { OAuthError, type OAuthErrorCode } from '../errors.js';
import type { CookieInstruction, ProtocolRequest, ProtocolResponse } from '../messages.js';
import { isReservedApi } from '../scopes.js';
import { browserSessions, currentSession, replaceSession, switchSession, type CurrentSession } from '../sessions.js';
import { issueCode } from './code.js';
import type { InteractionDependencies } from './dependencies.js';
import type { LoginAttempt, LoginAttemptContext, LoginMethod } from './login-method.js';
import { acrNeedsSecondFactor, combinedAmr } from '../acr.js';
import { claimsBeyondScope, requestedSubject } from '../tokens/claims-request.js';
import { consentPolicy, failingCheck, loginPolicy, secondFactorPolicy, verifiedEmailPolicy, type PolicyContext } from './policy.js';
import { moveInteraction, transition, type InitialStep, type InteractionEvent } from './state.js';

/** Time a person has to sign in and consent. */
export const interactionLifetimeMs = 30 * 60_000;

/** The error_description of the access_denied a cancelled sign-in sends back (RFC 6749 §4.1.2.1). */
export const cancelledDescription = 'the user cancelled the sign-in';

/** Why a hosted page can't go on with an interaction; the pages say it in words. */
export type InteractionProblem = 'expired' | 'other_browser' | 'unknown_client';

/** A live interaction of this browser, as the hosted pages see it. */
export interface InteractionDetails {
  uid: string;
  step: InteractionStep;
  client: OAuthClient;
  request: AuthorizationRequest;
  /** The browser's signed-in session, if it has one. */
  session: CurrentSession | undefined;
  /** The value of the cookie that binds the interaction to this browser. */
  browserBinding: string;
  record: InteractionRecord;
}

/** What the hosted pages learned from the user; modelled on node-oidc-provider's interactionFinished. */
export interface InteractionResult {
  /** A sign-in method proved who the user is. */
  login?: InteractionLogin;
  /** The user's answer on the consent page. */
  consent?: { allowed: boolean };
  /** The first sign-in method succeeded and asks for a second factor; `login` is what it proved so far. */
  secondFactor?: { login: InteractionLogin; methods: string[] };
  /** The user says they verified their address: the engine checks it again and goes on if so. */
  emailVerified?: true;
  /** The user cancelled. */
  cancelled?: true;
  /** On the account chooser, the user picked one of the browser's sessions (by its sid). */
  chosenSession?: { sid: string };
}

export type InteractionOutcome = { ok: true; response: ProtocolResponse } | { ok: false; problem: InteractionProblem };

/** A sign-in attempt as the pages see it: a success carries what the interaction records. */
export type SignInOutcome =
  | Exclude<LoginAttempt, { kind: 'authenticated' | 'second_factor_required' }>
  | { kind: 'authenticated'; login: InteractionLogin; user: UserRecord }
  | { kind: 'second_factor_required'; login: InteractionLogin; methods: string[] };

/** One authorization request on its way: what it is, who is signed in, and where its interaction stands. */
interface Decision {
  client: OAuthClient;
  request: AuthorizationRequest;
  session: CurrentSession | undefined;
  status: 302 | 303;
  cookies: CookieInstruction[];
  interaction?: {
    record: InteractionRecord;
    /** The step after this request's events, not yet stored. */
    step: InteractionStep;
    login: InteractionLogin | null;
    consent: string[] | null;
  };
}

const expired = { ok: false, problem: 'expired' } as const;

/** The event that moves a live interaction to the step a pause waits at. */
const pauseEvents: Record<InitialStep, InteractionEvent> = {
  login_pending: 'login_required',
  second_factor_pending: 'second_factor_required',
  verification_pending: 'verification_required',
  consent_pending: 'consent_required',
};

/** The login a browser's session stands for: who signed in, how and when. */
export function loginOfSession(current: CurrentSession): InteractionLogin {
  return { userId: current.user.id, amr: current.session.amr, authTime: current.session.authTime, acr: null };
}

/**
 * The interaction engine shared by the authorization and the device flow: it runs the prompt
 * policy, keeps each interaction in its state machine and records what happened (who signed in,
 * how, when, what they consented to), signs users in through a LoginMethod, and answers the
 * client when nothing more is needed.
 */
export class InteractionEngine {
  readonly #deps: InteractionDependencies;

  constructor(deps: InteractionDependencies) {
    this.#deps = deps;
  }

  /** The request passed every check of the authorization endpoint: answer it, or pause it for the hosted pages. */
  async begin(request: ProtocolRequest, client: OAuthClient, authRequest: AuthorizationRequest): Promise<ProtocolResponse> {
    const session = await currentSession(request, this.#deps);
    const outcome = await this.#decide({ client, request: authRequest, session, status: 302, cookies: [] });
    // Without an interaction there is nothing to expire.
    if (!outcome.ok) throw new Error('an authorization request without an interaction can not expire');
    return outcome.response;
  }

  /** The interaction behind a hosted page, if it is live and this browser started it. */
  async details(uid: string, request: ProtocolRequest): Promise<{ ok: true; details: InteractionDetails } | { ok: false; problem: InteractionProblem }> {
    const deps = this.#deps;
    const record = /^[A-Za-z0-9_-]{22}$/.test(uid) ? await deps.storage.interactions.get(uid) : undefined;
    // A device interaction is finished on the device pages only.
    if (!record || record.flow !== 'authorization' || record.completedAt !== null || record.expiresAt <= deps.clock.now()) return expired;
    const binding = request.cookies[deps.cookies.interaction + uid];
    if (!binding || !deps.tokenHasher.matches(binding, record.browserHash)) return { ok: false, problem: 'other_browser' };
    const client = await deps.clients.getClient(record.clientId);
    if (!client) return { ok: false, problem: 'unknown_client' };
    const session = await currentSession(request, deps);
    const details: InteractionDetails = { uid, step: record.step, client, request: requestFromJson(record.request), session, browserBinding: binding, record };
    return { ok: true, details };
  }

  /** The step a page should show. Consent and verification need a session: without one, sign-in starts over. */
  async pageStep(details: InteractionDetails): Promise<InteractionStep> {
    if ((details.step !== 'consent_pending' && details.step !== 'verification_pending') || details.session) return details.step;
    await moveInteraction(this.#deps.storage.interactions, details.record, details.step, 'login_required', { login: null }, this.#deps.clock.now());
    return 'login_pending';
  }

  /**
   * The accounts the chooser offers (prompt=select_account, OIDC Core §3.1.2.1): the browser's
   * live sessions, current first. Empty for any other request.
   */
  async chooserAccounts(details: InteractionDetails, request: ProtocolRequest): Promise<{ sid: string; email: string; name: string }[]> {
    if (!details.request.prompt.includes('select_account')) return [];
    const sessions = await browserSessions(request, this.#deps);
    return sessions.map(({ session, user }) => ({ sid: session.sid, email: user.email, name: user.name }));
  }

  /** Runs a sign-in method and reports the attempt as a domain event; `clientId` is null on the device page. */
  async signIn<Credentials>(
    method: LoginMethod<Credentials>,
    credentials: Credentials,
    context: LoginAttemptContext & { clientId: string | null },
  ): Promise<SignInOutcome> {
    const attempt = await method.authenticate(credentials, context);
    const { clientId } = context;
    // Not a sign-in yet, nor a failed one: the second factor decides.
    if (attempt.kind === 'second_factor_required') {
      return {
        kind: attempt.kind,
        login: { userId: attempt.user.id, amr: attempt.amr, authTime: this.#deps.clock.now(), acr: null },
        methods: attempt.methods,
      };
    }
    if (attempt.kind !== 'authenticated') {
      this.#deps.events.publish({ type: attempt.kind === 'throttled' ? 'signin.throttled' : 'signin.failed', clientId, method: method.id });
      return attempt;
    }
    const now = this.#deps.clock.now();
    // A user who set up a second factor proves it at every sign-in with a single factor.
    if (!attempt.amr.includes('mfa')) {
      const methods = await this.#deps.secondFactors.methodsOf(attempt.user.id);
      if (methods.length > 0) {
        return { kind: 'second_factor_required', login: { userId: attempt.user.id, amr: attempt.amr, authTime: now, acr: null }, methods };
      }
    }
    this.#deps.events.publish({ type: 'signin.succeeded', userId: attempt.user.id, clientId, method: method.id });
    const login: InteractionLogin = { userId: attempt.user.id, amr: attempt.amr, authTime: now, acr: attempt.acr };
    return { kind: 'authenticated', login, user: attempt.user };
  }

  /**
   * Runs a second-factor method for the user of a pending login (a first factor, or the session
   * being stepped up). A success is the login both make: their methods with `mfa`, signed in now.
   */
  async proveSecondFactor<Credentials>(
    method: LoginMethod<Credentials>,
    credentials: Credentials,
    pending: InteractionLogin,
    context: LoginAttemptContext & { clientId: string | null },
  ): Promise<SignInOutcome> {
    const attempt = await method.authenticate(credentials, context);
    const { clientId } = context;
    if (attempt.kind === 'authenticated' && attempt.user.id === pending.userId) {
      this.#deps.events.publish({ type: 'signin.succeeded', userId: attempt.user.id, clientId, method: method.id });
      const login: InteractionLogin = { userId: pending.userId, amr: combinedAmr(pending.amr, attempt.amr), authTime: this.#deps.clock.now(), acr: null };
      return { kind: 'authenticated', login, user: attempt.user };
    }
    this.#deps.events.publish({ type: attempt.kind === 'throttled' ? 'signin.throttled' : 'signin.failed', clientId, method: method.id });
    return attempt.kind === 'throttled' || attempt.kind === 'refused' ? attempt : { kind: 'refused', reason: 'invalid' };
  }

  /**
   * Starts the browser's session for a sign-in, ending the one it had, or with `keepPrevious`
   * (another account added on the account chooser) keeping it among the browser's others.
   */
  async startSession(
    request: ProtocolRequest,
    login: InteractionLogin,
    options: { keepPrevious?: boolean } = {},
  ): Promise<{ current: CurrentSession; cookies: CookieInstruction[] } | undefined> {
    const user = await this.#deps.users.getUser(login.userId);
    if (!user || user.disabledAt !== null) return undefined;
    const { current, cookies, ended } = await replaceSession(request, this.#deps, user, login, options);
    // The browser's previous session ended: whoever acts on a session's end (logout) hears of it as of any other.
    if (ended) this.#deps.events.publish({ type: 'session.ended', sid: ended.sid });
    return { current, cookies };
  }

  /** What the user did on a hosted page: the interaction moves on, and the request goes on with 303. */
  async finish(details: InteractionDetails, request: ProtocolRequest, result: InteractionResult): Promise<InteractionOutcome> {
    const decision = this.#resume(details, details.session);
    if (result.cancelled) return this.#fail(decision, 'access_denied', cancelledDescription);
    if (result.login) return this.#finishLogin(decision, request, result.login);
    if (result.chosenSession) return this.#finishChoice(decision, request, result.chosenSession.sid);
    if (result.secondFactor) return this.#awaitSecondFactor(decision, result.secondFactor.login);
    if (result.consent) return this.#finishConsent(decision, result.consent.allowed);
    if (result.emailVerified) return this.#resumeVerified(decision);
    return { ok: true, response: this.#toPage(details.uid, []) };
  }

  #resume(details: InteractionDetails, session: CurrentSession | undefined): Decision {
    const { record } = details;
    return {
      client: details.client,
      request: details.request,
      session,
      status: 303,
      cookies: [],
      interaction: { record, step: record.step, login: record.login, consent: record.consent },
    };
  }

  async #finishLogin(decision: Decision, request: ProtocolRequest, login: InteractionLogin): Promise<InteractionOutcome> {
    const interaction = decision.interaction!;
    const moved = transition(interaction.step, 'login_succeeded');
    if (!moved.ok) return expired;
    // prompt=select_account: a sign-in adds an account to the browser rather than replacing its session.
    const started = await this.startSession(request, login, { keepPrevious: decision.request.prompt.includes('select_account') });
    if (!started) return expired;
    return this.#decide({
      ...decision,
      session: started.current,
      cookies: started.cookies,
      interaction: { ...interaction, step: moved.step, login, consent: null },
    });
  }

  /**
   * The account chooser's answer (prompt=select_account, OIDC Core §3.1.2.1): the chosen session
   * of this browser becomes its current one and is this request's sign-in, as it was made, with no
   * new authentication. A sid that is not one of this browser's live sessions is refused.
   */
  async #finishChoice(decision: Decision, request: ProtocolRequest, sid: string): Promise<InteractionOutcome> {
    const interaction = decision.interaction!;
    if (interaction.step !== 'login_pending') return { ok: true, response: this.#toPage(interaction.record.uid, []) };
    const switched = await switchSession(request, this.#deps, sid);
    if (!switched) return { ok: true, response: this.#toPage(interaction.record.uid, []) };
    const moved = transition(interaction.step, 'login_succeeded');
    if (!moved.ok) return expired;
    return this.#decide({
      ...decision,
      session: switched.current,
      cookies: switched.cookies,
      interaction: { ...interaction, step: moved.step, login: loginOfSession(switched.current), consent: null },
    });
  }

  /** Records the partial login at `second_factor_pending`; no session starts until the second factor is proven. */
  async #awaitSecondFactor(decision: Decision, login: InteractionLogin): Promise<InteractionOutcome> {
    const interaction = decision.interaction!;
    const moved = await moveInteraction(
      this.#deps.storage.interactions,
      interaction.record,
      interaction.step,
      'second_factor_required',
      { login },
      this.#deps.clock.now(),
    );
    return moved ? { ok: true, response: this.#toPage(interaction.record.uid, decision.cookies) } : expired;
  }

  async #finishConsent(decision: Decision, allowed: boolean): Promise<InteractionOutcome> {
    const interaction = decision.interaction!;
    const uid = interaction.record.uid;
    const current = decision.session;
    if (!current) {
      await moveInteraction(this.#deps.storage.interactions, interaction.record, interaction.step, 'login_required', { login: null }, this.#deps.clock.now());
      return { ok: true, response: this.#toPage(uid, []) };
    }
    // Consent is answered only at the consent step; anything else goes back to the page of the step it is at.
    if (interaction.step !== 'consent_pending') return { ok: true, response: this.#toPage(uid, []) };
    if (!allowed) return this.#fail(decision, 'access_denied', 'the user did not allow the app access');
    const { request } = decision;
    const items = consentItems(request.scope, request.audiences, claimsBeyondScope(request.claims, request.scope));
    await this.#remember(current.user.id, decision.client.clientId, items);
    return this.#decide({ ...decision, interaction: { ...interaction, consent: items } });
  }

  /** Back from verifying the address: decide again (the page comes back while it is still unverified). */
  async #resumeVerified(decision: Decision): Promise<InteractionOutcome> {
    const interaction = decision.interaction!;
    const uid = interaction.record.uid;
    if (!decision.session) {
      await moveInteraction(this.#deps.storage.interactions, interaction.record, interaction.step, 'login_required', { login: null }, this.#deps.clock.now());
      return { ok: true, response: this.#toPage(uid, []) };
    }
    const moved = transition(interaction.step, 'email_verified');
    if (!moved.ok) return { ok: true, response: this.#toPage(uid, []) };
    return this.#decide({ ...decision, interaction: { ...interaction, step: moved.step } });
  }

  /** Adds what the user just allowed to what they allowed this app before. */
  async #remember(userId: string, clientId: string, items: string[]): Promise<void> {
    const now = this.#deps.clock.now();
    const existing = await this.#deps.storage.consents.get(userId, clientId);
    await this.#deps.storage.consents.put({
      userId,
      clientId,
      scopes: [...new Set([...(existing?.scopes ?? []), ...items])],
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
  }

  /** What the request needs next: sign-in, consent, or nothing, and then the code. */
  async #decide(decision: Decision): Promise<InteractionOutcome> {
    const context = this.#policyContext(decision);
    const none = decision.request.prompt.includes('none');
    const login = await failingCheck(loginPolicy, context);
    if (login) return none ? this.#fail(decision, login.error.code, login.error.description) : this.#pause(decision, 'login_pending');
    const secondFactor = await failingCheck(secondFactorPolicy, context);
    if (secondFactor) {
      return none ? this.#fail(decision, secondFactor.error.code, secondFactor.error.description) : this.#pause(decision, 'second_factor_pending');
    }
    const current = decision.session!;
    const subject = requestedSubject(decision.request.claims);
    if (subject !== null && subject !== this.#deps.subjects.of(decision.client, current.user.id)) {
      // Signed in during this request, as someone else than the subject asked for.
      return this.#fail(
        decision,
        'login_required',
        'the user who signed in is not the subject the request asks for (claims id_token.sub.value, OIDC Core §5.5.1)',
      );
    }
    if (!(await this.#member(decision.request, current.user.id))) {
      return this.#fail(decision, 'access_denied', 'the user is not a member of the organization the request names');
    }
    // After the organization check: an invitation it accepted has made the user a member.
    if (
      !(await mayUseApp({ organizations: this.#deps.organizations, preAuthorizations: this.#deps.storage.preAuthorizations }, decision.client, current.user.id))
    ) {
      return this.#fail(decision, 'access_denied', privateAppRefusal);
    }
    const verification = await failingCheck(verifiedEmailPolicy, context);
    if (verification)
      return none ? this.#fail(decision, verification.error.code, verification.error.description) : this.#pause(decision, 'verification_pending');
    const consent = await failingCheck(consentPolicy, context);
    if (consent) return none ? this.#fail(decision, consent.error.code, consent.error.description) : this.#pause(decision, 'consent_pending');
    return this.#complete(decision, current);
  }

  #policyContext(decision: Decision): PolicyContext {
    const { request, session, interaction, client } = decision;
    return {
      prompt: new Set(request.prompt),
      maxAge: request.maxAge,
      now: this.#deps.clock.now(),
      session: session?.session,
      login: interaction?.login ?? null,
      consent: interaction?.consent ?? null,
      consentCovered: () => this.#consentCovers(session!, client, request),
      // As the app knows the user: pairwise for a pairwise app.
      subject: { requested: requestedSubject(request.claims), session: session ? this.#deps.subjects.of(client, session.user.id) : undefined },
      email: { verificationRequired: client.policy.security.requireVerifiedEmail, verified: session?.user.emailVerified ?? false },
      secondFactor: {
        proven: session?.session.amr.includes('mfa') ?? false,
        required: async () =>
          client.policy.security.requireMfa ||
          acrNeedsSecondFactor(request.acrValues) ||
          acrNeedsSecondFactor(request.essentialAcr) ||
          (session !== undefined && (await this.#deps.secondFactors.requiredByOrganization(session.user.id))),
      },
    };
  }

  /** The organization the request names, if any, must count the user as a member; an invitation can make them one. */
  async #member(request: AuthorizationRequest, userId: string): Promise<boolean> {
    if (request.organizationUnknown) return false;
    const orgId = request.organizationId;
    if (orgId === null) return true;
    if (await this.#deps.organizations.isMember(orgId, userId)) return true;
    return request.invitation !== null && this.#deps.organizations.acceptInvitation(userId, request.invitation, orgId);
  }

  /**
   * Whether the user need not be asked: they consented to all of it before, or an administrator
   * pre-authorized them for it, or the app is first-party. First-party skips consent for the
   * organization's own APIs only: a token for the management plane is always consented to,
   * except by Latchkey's own console.
   */
  async #consentCovers(current: CurrentSession, client: OAuthClient, request: AuthorizationRequest): Promise<boolean> {
    if (client.policy.security.firstParty) {
      if (isBuiltInApp(client.clientId)) return true;
      const apis = await Promise.all(request.audiences.map((audience) => this.#deps.resources.getApi(audience)));
      if (!apis.some((api) => api !== undefined && isReservedApi(api))) return true;
    }
    const { consents, preAuthorizations } = this.#deps.storage;
    const coverage = { consents, preAuthorizations, organizations: this.#deps.organizations };
    const claims = claimsBeyondScope(request.claims, request.scope);
    return (await authorizationOf(coverage, client, current.user.id, request.scope, request.audiences, claims)) !== null;
  }

  /** Stores the interaction's move in one conditional write; false when another request moved it first. */
  async #store(decision: Decision, event: InteractionEvent, error: string | null = null): Promise<boolean> {
    const interaction = decision.interaction;
    if (!interaction) return true;
    const change = { login: interaction.login, consent: interaction.consent, ...(error !== null ? { error } : {}) };
    return (await moveInteraction(this.#deps.storage.interactions, interaction.record, interaction.step, event, change, this.#deps.clock.now())) !== undefined;
  }

  async #fail(decision: Decision, code: OAuthErrorCode, description: string): Promise<InteractionOutcome> {
    const cookies = [...decision.cookies];
    if (decision.interaction) {
      await this.#store(decision, 'failed', code);
      cookies.push(this.#bindingCookie(decision.interaction.record.uid, null));
    }
    const error = new OAuthError(code, description);
    return { ok: true, response: authorizationError(decision.request, error, this.#deps.issuer, decision.status, cookies) };
  }

  async #complete(decision: Decision, current: CurrentSession): Promise<InteractionOutcome> {
    const cookies = [...decision.cookies];
    if (decision.interaction) {
      if (!(await this.#store(decision, 'completed'))) return expired;
      cookies.push(this.#bindingCookie(decision.interaction.record.uid, null));
    }
    const code = await issueCode(this.#deps, decision.client, decision.request, current);
    return { ok: true, response: authorizationResponse(decision.request, { code }, this.#deps.issuer, decision.status, cookies) };
  }

  /** Pauses the request for the hosted pages; a cookie binds a new interaction to this browser. */
  async #pause(decision: Decision, step: InitialStep): Promise<InteractionOutcome> {
    if (decision.interaction) {
      const interaction = decision.interaction;
      // A step-up proves a second factor on top of the session's sign-in: that is the login it waits with.
      if (step === 'second_factor_pending' && interaction.login === null && decision.session) {
        decision = { ...decision, interaction: { ...interaction, login: loginOfSession(decision.session) } };
      }
      const stored = await this.#store(decision, pauseEvents[step]);
      return stored ? { ok: true, response: this.#toPage(interaction.record.uid, decision.cookies) } : expired;
    }
    const deps = this.#deps;
    const now = deps.clock.now();
    const uid = randomId(16);
    const binding = randomId(24);
    await deps.storage.interactions.insert({
      uid,
      flow: 'authorization',
      clientId: decision.client.clientId,
      request: requestToJson(decision.request),
      deviceCodeHash: null,
      browserHash: deps.tokenHasher.hash(binding),
      step,
      // A second factor, verification or consent alone is asked when the session satisfied sign-in: it is who signed in for this request.
      login: step !== 'login_pending' && decision.session ? loginOfSession(decision.session) : null,
      consent: null,
      error: null,
      createdAt: now,
      expiresAt: now + interactionLifetimeMs,
      completedAt: null,
    });
    return {
      ok: true,
      response: {
        kind: 'redirect',
        status: decision.status,
        location: `${deps.endpoints.interaction}/${uid}`,
        headers: { 'cache-control': 'no-store' },
        cookies: [...decision.cookies, this.#bindingCookie(uid, binding)],
      },
    };
  }

  #toPage(uid: string, cookies: CookieInstruction[]): ProtocolResponse {
    return { kind: 'redirect', status: 303, location: `${this.#deps.endpoints.interaction}/${uid}`, cookies };
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
}
