import type { Clock } from '../../ports/clock.js';
import type { ClientDirectory } from '../../ports/directories.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import type { DeviceCodeRecord, InteractionLogin, InteractionRecord, InteractionStep } from '../../ports/oauth-repositories.js';
import type { Storage } from '../../ports/storage.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import { mayUseApp, type AppAccessDependencies } from '../app-access.js';
import { consentItems } from '../authorization-coverage.js';
import { interactionLifetimeMs, loginOfSession, type InteractionEngine } from '../interaction/engine.js';
import { deviceConsentPolicy, deviceLoginPolicy, failingCheck, type PolicyContext } from '../interaction/policy.js';
import type { SecondFactorDirectory } from '../interaction/login-method.js';
import { moveInteraction, transition, type InteractionEvent } from '../interaction/state.js';
import type { CookieInstruction, ProtocolRequest } from '../messages.js';
import { currentSession, type CurrentSession, type SessionDependencies } from '../sessions.js';
import { normalizeUserCode } from './user-code.js';

/** Wrong user codes an address may try per quarter hour (RFC 8628 §5.1: codes are short, so guessing is throttled). */
const codeEntryRule: RateRule = { windowMs: 15 * 60_000, freeAttempts: 20 };

export interface DeviceVerificationDependencies extends SessionDependencies, AppAccessDependencies {
  clock: Clock;
  storage: Pick<Storage, 'deviceCodes' | 'sessions' | 'interactions' | 'transaction'>;
  clients: Pick<ClientDirectory, 'getClient'>;
  /** Keyed hash of the browser binding that a device interaction is bound to. */
  tokenHasher: SecretHasher;
  secondFactors: Pick<SecondFactorDirectory, 'requiredByOrganization'>;
}

export type CodeEntry = { ok: true; userCode: string } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** The browser on the verification page: the request, and the value of its device binding cookie. */
export interface DeviceBrowser {
  request: ProtocolRequest;
  binding: string;
}

/** A pending device request as the verification page sees it, and the step of its interaction. */
export interface DeviceDetails {
  record: DeviceCodeRecord;
  client: Awaited<ReturnType<ClientDirectory['getClient']>>;
  session: CurrentSession | undefined;
  step: InteractionStep;
  interaction: InteractionRecord;
  /** False when the signed-in user may not use the app (a private app of an organization they are not in). */
  permitted: boolean;
}

export type DeviceDecision = 'approved' | 'denied' | 'not_at_consent' | 'email_unverified' | 'not_permitted' | undefined;

/**
 * The verification side of the device flow (RFC 8628 §3.3): the user enters the code from the
 * device, signs in if needed through the interaction engine, and approves or denies. Each browser
 * that enters a code gets an interaction row, bound to its device binding cookie, that moves
 * through the same state machine as the authorization flow's; the device code is approved or
 * denied when that interaction finishes.
 */
export class DeviceVerification {
  readonly #deps: DeviceVerificationDependencies;
  readonly #engine: InteractionEngine;
  readonly #limiter: RateLimiter;

  constructor(deps: DeviceVerificationDependencies, engine: InteractionEngine, limiter: RateLimiter) {
    this.#deps = deps;
    this.#engine = engine;
    this.#limiter = limiter;
  }

  async #pending(userCode: string | null): Promise<DeviceCodeRecord | undefined> {
    if (!userCode) return undefined;
    const record = await this.#deps.storage.deviceCodes.getByUserCode(userCode);
    return record && record.status === 'pending' && record.expiresAt > this.#deps.clock.now() ? record : undefined;
  }

  /**
   * Checks a typed code, throttled per address; only wrong codes count against it. A right one
   * starts this browser's interaction for the device request, unless it has one already.
   */
  async enterCode(typed: string, ip: string, browser: DeviceBrowser): Promise<CodeEntry> {
    const now = this.#deps.clock.now();
    const key = `device-code:${ip}`;
    // Counted before the lookup, so that parallel guesses can't all pass an uncounted check.
    const reservation = await this.#limiter.reserve([{ key, rule: codeEntryRule }], now);
    if (!reservation.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((reservation.retryAt - now) / 1000)) };
    const userCode = normalizeUserCode(typed);
    const record = await this.#pending(userCode);
    if (!userCode || !record) return { ok: false, reason: 'invalid' };
    await this.#limiter.release(key);
    await this.#interactionOf(record, browser);
    return { ok: true, userCode };
  }

  /** This browser's live interaction for the device request; one starts if it has none. */
  async #interactionOf(record: DeviceCodeRecord, browser: DeviceBrowser): Promise<InteractionRecord> {
    const { storage, tokenHasher, clock } = this.#deps;
    const browserHash = tokenHasher.hash(browser.binding);
    const now = clock.now();
    const live = await storage.interactions.findLiveForDevice(record.deviceCodeHash, browserHash, now);
    if (live) return live;
    const session = await currentSession(browser.request, this.#deps);
    const interaction: InteractionRecord = {
      uid: randomId(16),
      flow: 'device',
      clientId: record.clientId,
      request: { userCode: record.userCode },
      deviceCodeHash: record.deviceCodeHash,
      browserHash,
      // The device login policy asks only for a session: a signed-in browser goes straight to the confirmation.
      step: session ? 'consent_pending' : 'login_pending',
      login: session ? loginOfSession(session) : null,
      consent: null,
      error: null,
      createdAt: now,
      // It can not outlive the device code it is for.
      expiresAt: Math.min(now + interactionLifetimeMs, record.expiresAt),
      completedAt: null,
    };
    await storage.interactions.insert(interaction);
    return interaction;
  }

  /** The pending request a user code names, and the step of this browser's interaction: sign in, confirm, or a second factor. */
  async details(userCode: string | null, browser: DeviceBrowser): Promise<DeviceDetails | undefined> {
    const record = await this.#pending(userCode);
    if (!record) return undefined;
    const interaction = await this.#interactionOf(record, browser);
    const session = await currentSession(browser.request, this.#deps);
    const step = await this.#settle(interaction, session);
    if (!step) return undefined;
    const client = await this.#deps.clients.getClient(record.clientId);
    const permitted = !client || !session || step !== 'consent_pending' || (await mayUseApp(this.#deps, client, session.user.id));
    return { record, client, session, step, interaction, permitted };
  }

  /**
   * Brings the interaction in line with the browser's session, through the device policy: without
   * a session sign-in is pending; with one, the session's login is recorded and confirmation is
   * pending (also when the browser signed in as someone else meanwhile). Undefined when another
   * request moved it first.
   */
  async #settle(interaction: InteractionRecord, session: CurrentSession | undefined): Promise<InteractionStep | undefined> {
    const { step } = interaction;
    if (step !== 'login_pending' && step !== 'consent_pending') return step;
    const context = this.#policyContext(session, interaction);
    if (await failingCheck(deviceLoginPolicy, context)) {
      return step === 'login_pending' ? step : this.#move(interaction, step, ['login_required'], { login: null });
    }
    if (await this.#needsSecondFactor(interaction, session!)) {
      return this.#move(interaction, step, ['login_succeeded', 'second_factor_required'], { login: loginOfSession(session!) });
    }
    if (step === 'consent_pending' && interaction.login?.userId === session!.user.id) return step;
    if (!(await failingCheck(deviceConsentPolicy, context))) return step;
    return this.#move(interaction, step, ['login_succeeded', 'consent_required'], { login: loginOfSession(session!) });
  }

  /** The app (security.requireMfa) or an organization of the user asks for a second factor, and the session has none: a step-up. */
  async #needsSecondFactor(interaction: InteractionRecord, session: CurrentSession): Promise<boolean> {
    if (session.session.amr.includes('mfa')) return false;
    const client = await this.#deps.clients.getClient(interaction.clientId);
    return client?.policy.security.requireMfa === true || (await this.#deps.secondFactors.requiredByOrganization(session.user.id));
  }

  #policyContext(session: CurrentSession | undefined, interaction: InteractionRecord): PolicyContext {
    return {
      prompt: new Set(),
      maxAge: null,
      now: this.#deps.clock.now(),
      session: session?.session,
      login: interaction.login,
      consent: interaction.consent,
      consentCovered: () => Promise.resolve(false),
      // The device flow checks the verified-address rule when the user approves (decide).
      email: { verificationRequired: false, verified: true },
      // The device flow has no claims parameter.
      subject: { requested: null, session: session?.user.id },
      // A second factor the app or an organization asks for is settled in #settle (#needsSecondFactor).
      secondFactor: { proven: true, required: () => Promise.resolve(false) },
    };
  }

  /** Takes the interaction through `events` in memory and stores where they lead in one conditional write. */
  async #move(
    interaction: InteractionRecord,
    at: InteractionStep,
    events: readonly InteractionEvent[],
    change: Parameters<typeof moveInteraction>[4],
  ): Promise<InteractionStep | undefined> {
    let step = at;
    for (const event of events.slice(0, -1)) {
      const moved = transition(step, event);
      if (!moved.ok) return undefined;
      step = moved.step;
    }
    return moveInteraction(this.#deps.storage.interactions, interaction, step, events.at(-1)!, change, this.#deps.clock.now());
  }

  /**
   * A sign-in on the verification page: the browser's new session, and the interaction moves on to
   * the confirmation with the login recorded. A code that is no longer pending still signs the browser in.
   */
  async signedIn(userCode: string | null, browser: DeviceBrowser, login: InteractionLogin): Promise<CookieInstruction | undefined> {
    const record = await this.#pending(userCode);
    const interaction = record && (await this.#interactionOf(record, browser));
    if (interaction && !transition(interaction.step, 'login_succeeded').ok) return undefined;
    const started = await this.#engine.startSession(browser.request, login);
    if (!started) return undefined;
    if (interaction) await this.#move(interaction, interaction.step, ['login_succeeded', 'consent_required'], { login });
    return started.cookies[0];
  }

  /** The first sign-in method asks for a second factor: the interaction waits for it, with what was proven so far. */
  async secondFactorRequired(userCode: string | null, browser: DeviceBrowser, login: InteractionLogin): Promise<void> {
    const record = await this.#pending(userCode);
    if (!record) return;
    const interaction = await this.#interactionOf(record, browser);
    await this.#move(interaction, interaction.step, ['second_factor_required'], { login });
  }

  /**
   * The user's answer for a device. Only a signed-in user whose interaction is at the confirmation
   * step answers; the interaction finishes, then the device code is approved with the login it
   * recorded, or denied. `undefined` means the request is no longer pending.
   */
  async decide(userCode: string, browser: DeviceBrowser, allowed: boolean): Promise<DeviceDecision> {
    const record = await this.#pending(userCode);
    if (!record) return undefined;
    const now = this.#deps.clock.now();
    const interaction = await this.#deps.storage.interactions.findLiveForDevice(record.deviceCodeHash, this.#deps.tokenHasher.hash(browser.binding), now);
    const current = await currentSession(browser.request, this.#deps);
    const login = interaction?.login;
    if (!interaction || !current || interaction.step !== 'consent_pending' || login?.userId !== current.user.id) return 'not_at_consent';
    if (!allowed) return this.#deny(record, interaction);
    const refusal = await this.#refusal(record, current);
    // RFC 8628 §3.5: a user the app may not serve denies the request, so the device hears access_denied rather than polling until the code expires.
    if (refusal === 'not_permitted') return (await this.#deny(record, interaction)) ? refusal : undefined;
    return refusal ?? this.#approve(record, interaction, current, login);
  }

  /** Why the app can't be allowed for the signed-in user, if it can't. */
  async #refusal(record: DeviceCodeRecord, current: CurrentSession): Promise<'not_permitted' | 'email_unverified' | null> {
    const client = await this.#deps.clients.getClient(record.clientId);
    if (client && !(await mayUseApp(this.#deps, client, current.user.id))) return 'not_permitted';
    // The app's security.requireVerifiedEmail holds for devices too: nothing is approved until the address is verified.
    if (!current.user.emailVerified && client?.policy.security.requireVerifiedEmail) return 'email_unverified';
    return null;
  }

  async #approve(record: DeviceCodeRecord, interaction: InteractionRecord, current: CurrentSession, login: InteractionLogin): Promise<DeviceDecision> {
    const consent = consentItems(record.scope, record.audiences);
    if (!(await this.#move(interaction, interaction.step, ['completed'], { consent }))) return undefined;
    const approval = { userId: login.userId, sessionSid: current.session.sid, authTime: login.authTime, amr: login.amr };
    return (await this.#deps.storage.deviceCodes.approve(record.userCode, approval, this.#deps.clock.now())) ? 'approved' : undefined;
  }

  async #deny(record: DeviceCodeRecord, interaction: InteractionRecord): Promise<DeviceDecision> {
    if (!(await this.#move(interaction, interaction.step, ['failed'], { error: 'access_denied' }))) return undefined;
    return (await this.#deps.storage.deviceCodes.deny(record.userCode, this.#deps.clock.now())) ? 'denied' : undefined;
  }
}
