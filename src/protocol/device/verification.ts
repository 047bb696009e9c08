import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import type { DeviceCodeRecord } from '../../ports/oauth-repositories.js';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { randomId } from '../../shared/random.js';
import { disabledAccountMessage, type AuthorizationDependencies } from '../authorize/authorization-service.js';
import { describeScopes } from '../authorize/scope-descriptions.js';
import { param, type CookieInstruction, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { currentSession, startSession } from '../sessions.js';
import { normalizeUserCode } from './user-code.js';

/** Wrong user codes an address may try per quarter hour (RFC 8628 §5.1: codes are short, so guessing is throttled). */
const codeEntryRule: RateRule = { windowMs: 15 * 60_000, freeAttempts: 20 };

type Step = 'code' | 'login' | 'consent' | 'approved' | 'denied';

/**
 * The verification page of the device flow (RFC 8628 §3.3): the user enters the code from the
 * device, signs in if needed, sees which app on which device asks for what, and decides. Every
 * POST answers with 303 (RFC 9700 §4.12), and a cookie-bound CSRF token guards every form.
 */
export class DeviceVerification {
  readonly #deps: AuthorizationDependencies;
  readonly #limiter: RateLimiter;

  constructor(deps: AuthorizationDependencies, limiter: RateLimiter) {
    this.#deps = deps;
    this.#limiter = limiter;
  }

  #binding(request: ProtocolRequest): { value: string; cookies: CookieInstruction[] } {
    const existing = request.cookies[this.#deps.cookies.deviceBinding];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { value: existing, cookies: [] };
    const value = randomId(24);
    const path = `${this.#deps.cookies.path === '/' ? '' : this.#deps.cookies.path}/device`;
    return { value, cookies: [{ name: this.#deps.cookies.deviceBinding, value, path, maxAgeSeconds: 3600 }] };
  }

  #csrf(binding: string): string {
    return this.#deps.csrfKey.hash(`device:${binding}`);
  }

  #csrfValid(request: ProtocolRequest): boolean {
    const binding = request.cookies[this.#deps.cookies.deviceBinding];
    const presented = param(request.body, 'csrf');
    return binding !== undefined && presented !== undefined && constantTimeEqual(presented, this.#csrf(binding));
  }

  #page(step: Step, request: ProtocolRequest, data: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): ProtocolResponse {
    const { value, cookies } = this.#binding(request);
    const base = this.#deps.endpoints.deviceVerification;
    return {
      kind: 'page',
      status,
      page: {
        template: 'device',
        data: { step, csrf: this.#csrf(value), codeAction: base, loginAction: `${base}/login`, consentAction: `${base}/consent`, error: null, userCode: '', ...data },
      },
      headers: { 'cache-control': 'no-store', ...headers },
      cookies,
    };
  }

  #see(location: string): ProtocolResponse {
    return { kind: 'redirect', status: 303, location, headers: { 'cache-control': 'no-store' } };
  }

  #forged(request: ProtocolRequest): ProtocolResponse {
    return this.#page('code', request, { error: 'The form expired (CSRF check failed). Enter the code again.' }, 403);
  }

  async #pending(userCode: string | null): Promise<DeviceCodeRecord | undefined> {
    if (!userCode) return undefined;
    const record = await this.#deps.storage.deviceCodes.getByUserCode(userCode);
    return record && record.status === 'pending' && record.expiresAt > this.#deps.clock.now() ? record : undefined;
  }

  /** GET /device: the code form, pre-filled from verification_uri_complete. */
  async codeForm(request: ProtocolRequest): Promise<ProtocolResponse> {
    return this.#page('code', request, { userCode: normalizeUserCode(param(request.query, 'user_code') ?? '') ?? '' });
  }

  /** POST /device: checks the code (throttled per address), then 303 to the confirmation. */
  async submitCode(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const now = this.#deps.clock.now();
    const key = `device-code:${request.ip}`;
    // Counted before the lookup, so that parallel guesses can't all pass an uncounted check.
    const reservation = await this.#limiter.reserve([{ key, rule: codeEntryRule }], now);
    if (!reservation.allowed) {
      const wait = Math.max(1, Math.ceil((reservation.retryAt - now) / 1000));
      return this.#page('code', request, { error: `Too many wrong codes. Try again in ${wait} seconds.` }, 429, { 'retry-after': String(wait) });
    }
    const typed = param(request.body, 'user_code') ?? '';
    const userCode = normalizeUserCode(typed);
    if (!(await this.#pending(userCode))) {
      return this.#page('code', request, { userCode: typed, error: 'That code is not valid or has expired. Check the code on your device.' }, 400);
    }
    // Only wrong codes count against the address.
    await this.#limiter.release(key);
    return this.#see(`${this.#deps.endpoints.deviceVerification}/confirm?user_code=${userCode}`);
  }

  /** GET /device/confirm: sign in first if needed, then the confirmation of app, device and scopes. */
  async confirmPage(request: ProtocolRequest, error: string | null = null, status = 200, headers: Record<string, string> = {}): Promise<ProtocolResponse> {
    const userCode = normalizeUserCode(param(request.query, 'user_code') ?? param(request.body, 'user_code') ?? '');
    const record = await this.#pending(userCode);
    if (!record) return this.#page('code', request, { error: 'That code is not valid or has expired. Check the code on your device.' }, 400);
    const client = await this.#deps.clients.getClient(record.clientId);
    const current = await currentSession(request, this.#deps);
    const common = { userCode: record.userCode, clientName: client?.app.name ?? record.clientId, logoUri: client?.app.settings.logoUri ?? null, error };
    if (!current) return this.#page('login', request, { ...common, email: param(request.body, 'email') ?? '' }, status, headers);
    const scopes = await describeScopes(record.scope, record.audiences, this.#deps.resources);
    return this.#page('consent', request, { ...common, userEmail: current.user.email, scopes });
  }

  /** POST /device/login: the password check of the hosted sign-in, then 303 back to the confirmation. */
  async submitLogin(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const userCode = normalizeUserCode(param(request.body, 'user_code') ?? '');
    const email = param(request.body, 'email') ?? '';
    const password = request.body.get('password')?.[0] ?? '';
    const result = email && password ? await this.#deps.signIn.attempt(email, password, request.ip) : ({ ok: false, reason: 'invalid' } as const);
    this.#deps.events.publish(
      result.ok
        ? { type: 'signin.succeeded', userId: result.user.id, clientId: null }
        : { type: result.reason === 'throttled' ? 'signin.throttled' : 'signin.failed', clientId: null },
    );
    if (!result.ok) {
      if (result.reason === 'throttled') {
        return this.confirmPage(request, `Too many attempts. Try again in ${result.retryAfterSeconds} seconds.`, 429, { 'retry-after': String(result.retryAfterSeconds) });
      }
      if (result.reason === 'disabled') return this.confirmPage(request, disabledAccountMessage, 403);
      return this.confirmPage(request, 'The email or password is not right.', 401);
    }
    const { cookie } = await startSession(this.#deps, result.user, ['pwd']);
    return { ...this.#see(`${this.#deps.endpoints.deviceVerification}/confirm?user_code=${userCode ?? ''}`), cookies: [cookie] };
  }

  /** POST /device/consent: approve or deny the device; 303 to the outcome. */
  async submitDecision(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const userCode = normalizeUserCode(param(request.body, 'user_code') ?? '');
    const current = await currentSession(request, this.#deps);
    if (!userCode || !current) return this.#see(`${this.#deps.endpoints.deviceVerification}/confirm?user_code=${userCode ?? ''}`);
    const now = this.#deps.clock.now();
    const allow = param(request.body, 'decision') === 'allow';
    const done = allow
      ? await this.#deps.storage.deviceCodes.approve(
          userCode,
          { userId: current.user.id, sessionSid: current.session.sid, authTime: current.session.authTime, amr: current.session.amr },
          now,
        )
      : await this.#deps.storage.deviceCodes.deny(userCode, now);
    if (!done) return this.#page('code', request, { error: 'That code is not valid or has expired. Check the code on your device.' }, 400);
    return this.#see(`${this.#deps.endpoints.deviceVerification}/done?result=${allow ? 'approved' : 'denied'}`);
  }

  /** GET /device/done: what to do next. */
  async done(request: ProtocolRequest): Promise<ProtocolResponse> {
    return this.#page(param(request.query, 'result') === 'approved' ? 'approved' : 'denied', request, {});
  }
}
