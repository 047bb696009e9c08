import type { Clock } from '../../ports/clock.js';
import type { ClientDirectory } from '../../ports/directories.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import type { DeviceCodeRecord, InteractionLogin, InteractionStep } from '../../ports/oauth-repositories.js';
import type { Storage } from '../../ports/storage.js';
import type { InteractionEngine } from '../interaction/engine.js';
import { deviceConsentPolicy, deviceLoginPolicy, failingCheck, type PolicyContext } from '../interaction/policy.js';
import type { CookieInstruction, ProtocolRequest } from '../messages.js';
import { currentSession, type CurrentSession, type SessionDependencies } from '../sessions.js';
import { normalizeUserCode } from './user-code.js';

/** Wrong user codes an address may try per quarter hour (RFC 8628 §5.1: codes are short, so guessing is throttled). */
const codeEntryRule: RateRule = { windowMs: 15 * 60_000, freeAttempts: 20 };

export interface DeviceVerificationDependencies extends SessionDependencies {
  clock: Clock;
  storage: Pick<Storage, 'deviceCodes' | 'sessions'>;
  clients: Pick<ClientDirectory, 'getClient'>;
}

export type CodeEntry = { ok: true; userCode: string } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** A pending device request as the verification page sees it, and the step of its interaction. */
export interface DeviceDetails {
  record: DeviceCodeRecord;
  client: Awaited<ReturnType<ClientDirectory['getClient']>>;
  session: CurrentSession | undefined;
  step: InteractionStep;
}

/**
 * The verification side of the device flow (RFC 8628 §3.3): the user enters the code from the
 * device, signs in if needed through the interaction engine, and approves or denies. The device
 * flow keeps no interaction record: its step follows from the browser's session.
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

  /** Checks a typed code, throttled per address; only wrong codes count against it. */
  async enterCode(typed: string, ip: string): Promise<CodeEntry> {
    const now = this.#deps.clock.now();
    const key = `device-code:${ip}`;
    // Counted before the lookup, so that parallel guesses can't all pass an uncounted check.
    const reservation = await this.#limiter.reserve([{ key, rule: codeEntryRule }], now);
    if (!reservation.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((reservation.retryAt - now) / 1000)) };
    const userCode = normalizeUserCode(typed);
    if (!userCode || !(await this.#pending(userCode))) return { ok: false, reason: 'invalid' };
    await this.#limiter.release(key);
    return { ok: true, userCode };
  }

  /** The pending request a user code names, and whether the user must sign in or confirm. */
  async details(userCode: string | null, request: ProtocolRequest): Promise<DeviceDetails | undefined> {
    const record = await this.#pending(userCode);
    if (!record) return undefined;
    const client = await this.#deps.clients.getClient(record.clientId);
    const session = await currentSession(request, this.#deps);
    const context: PolicyContext = {
      prompt: new Set(),
      maxAge: null,
      now: this.#deps.clock.now(),
      session: session?.session,
      login: null,
      consent: null,
      consentCovered: () => Promise.resolve(false),
    };
    const login = await failingCheck(deviceLoginPolicy, context);
    const step: InteractionStep = login ? 'login_pending' : (await failingCheck(deviceConsentPolicy, context)) ? 'consent_pending' : 'done';
    return { record, client, session, step };
  }

  /** A sign-in on the verification page: the browser's new session. */
  async signedIn(request: ProtocolRequest, login: InteractionLogin): Promise<CookieInstruction | undefined> {
    return (await this.#engine.startSession(request, login))?.cookie;
  }

  /**
   * The user's answer for a device. Only a signed-in user at the confirmation step answers;
   * `undefined` means the request is no longer pending.
   */
  async decide(userCode: string, request: ProtocolRequest, allowed: boolean): Promise<'approved' | 'denied' | 'not_at_consent' | undefined> {
    const current = await currentSession(request, this.#deps);
    if (!current) return 'not_at_consent';
    const now = this.#deps.clock.now();
    const { session, user } = current;
    const done = allowed
      ? await this.#deps.storage.deviceCodes.approve(userCode, { userId: user.id, sessionSid: session.sid, authTime: session.authTime, amr: session.amr }, now)
      : await this.#deps.storage.deviceCodes.deny(userCode, now);
    if (!done) return undefined;
    return allowed ? 'approved' : 'denied';
  }
}
