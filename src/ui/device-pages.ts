import type { ResourceDirectory } from '../ports/directories.js';
import { describeScopes } from '../protocol/authorize/scope-descriptions.js';
import type { CookiePolicy, EndpointUrls } from '../protocol/context.js';
import type { DeviceVerification } from '../protocol/device/verification.js';
import type { InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type CookieInstruction, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import { normalizeUserCode } from '../protocol/device/user-code.js';
import { randomId } from '../shared/random.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { csrfToken, csrfValid } from './csrf.js';
import { allowed, userCodeIn } from './forms.js';
import { signInWithForm } from './sign-in-form.js';
import { deviceText } from './text.js';
import { pageResponse, seeOther, type DeviceForms, type DeviceStepView, type DeviceView } from './views.js';

export interface DevicePagesDependencies {
  csrfKey: SecretHasher;
  cookies: Pick<CookiePolicy, 'deviceBinding' | 'path'>;
  endpoints: Pick<EndpointUrls, 'deviceVerification'>;
  resources: ResourceDirectory;
}

/** The device page's forms belong to the device page, not to one request: their CSRF purpose. */
const csrfPurpose = 'device';

type StepView = DeviceStepView & Partial<Pick<DeviceForms, 'error' | 'userCode'>>;

/**
 * The verification page of the device flow (RFC 8628 §3.3): the user enters the code from the
 * device, signs in if needed, sees which app on which device asks for what, and decides. Every
 * POST answers with 303 (RFC 9700 §4.12), and a cookie-bound CSRF token guards every form.
 */
export class DevicePages {
  readonly #deps: DevicePagesDependencies;
  readonly #engine: InteractionEngine;
  readonly #device: DeviceVerification;
  readonly #password: LoginMethod<PasswordCredentials>;

  constructor(deps: DevicePagesDependencies, engine: InteractionEngine, device: DeviceVerification, password: LoginMethod<PasswordCredentials>) {
    this.#deps = deps;
    this.#engine = engine;
    this.#device = device;
    this.#password = password;
  }

  #binding(request: ProtocolRequest): { value: string; cookies: CookieInstruction[] } {
    const existing = request.cookies[this.#deps.cookies.deviceBinding];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { value: existing, cookies: [] };
    const value = randomId(24);
    const path = `${this.#deps.cookies.path === '/' ? '' : this.#deps.cookies.path}/device`;
    return { value, cookies: [{ name: this.#deps.cookies.deviceBinding, value, path, maxAgeSeconds: 3600 }] };
  }

  #csrfValid(request: ProtocolRequest): boolean {
    return csrfValid(this.#deps.csrfKey, csrfPurpose, request.cookies[this.#deps.cookies.deviceBinding], request.body);
  }

  #page(request: ProtocolRequest, step: StepView, status = 200, headers: Record<string, string> = {}): ProtocolResponse {
    const { value, cookies } = this.#binding(request);
    const base = this.#deps.endpoints.deviceVerification;
    const view = {
      csrf: csrfToken(this.#deps.csrfKey, csrfPurpose, value),
      codeAction: base,
      loginAction: `${base}/login`,
      consentAction: `${base}/consent`,
      error: null,
      userCode: '',
      ...step,
    } as DeviceView;
    return pageResponse({ template: 'device', view }, status, headers, cookies);
  }

  #confirmLocation(userCode: string | null): string {
    return `${this.#deps.endpoints.deviceVerification}/confirm?user_code=${userCode ?? ''}`;
  }

  #forged(request: ProtocolRequest): ProtocolResponse {
    return this.#page(request, { step: 'code', error: deviceText.forged }, 403);
  }

  #invalidCode(request: ProtocolRequest, typed = ''): ProtocolResponse {
    return this.#page(request, { step: 'code', userCode: typed, error: deviceText.invalidCode }, 400);
  }

  /** GET /device: the code form, pre-filled from verification_uri_complete. */
  async codeForm(request: ProtocolRequest): Promise<ProtocolResponse> {
    return this.#page(request, { step: 'code', userCode: userCodeIn(request.query) ?? '' });
  }

  /** POST /device: checks the code (throttled per address), then 303 to the confirmation. */
  async submitCode(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const typed = param(request.body, 'user_code') ?? '';
    const entry = await this.#device.enterCode(typed, request.ip);
    if (entry.ok) return seeOther(this.#confirmLocation(entry.userCode));
    if (entry.reason === 'throttled') {
      const wait = entry.retryAfterSeconds;
      return this.#page(request, { step: 'code', error: deviceText.tooManyCodes(wait) }, 429, { 'retry-after': String(wait) });
    }
    return this.#invalidCode(request, typed);
  }

  /** GET /device/confirm: sign in first if needed, then the confirmation of app, device and scopes. */
  async confirmPage(request: ProtocolRequest, error: string | null = null, status = 200, headers: Record<string, string> = {}): Promise<ProtocolResponse> {
    const userCode = normalizeUserCode(param(request.query, 'user_code') ?? param(request.body, 'user_code') ?? '');
    const details = await this.#device.details(userCode, request);
    if (!details) return this.#invalidCode(request);
    const { record, client, session } = details;
    const common = { userCode: record.userCode, clientName: client?.app.name ?? record.clientId, logoUri: client?.policy.logoUri ?? null, error };
    if (details.step === 'login_pending' || !session) {
      return this.#page(request, { step: 'login', ...common, email: param(request.body, 'email') ?? '' }, status, headers);
    }
    const scopes = await describeScopes(record.scope, record.audiences, this.#deps.resources);
    return this.#page(request, { step: 'consent', ...common, userEmail: session.user.email, scopes });
  }

  /** POST /device/login: the hosted sign-in, then 303 back to the confirmation. */
  async submitLogin(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const userCode = userCodeIn(request.body);
    const signedIn = await signInWithForm(this.#engine, this.#password, request.body, { ip: request.ip, clientId: null });
    if (!signedIn.ok) return this.confirmPage(request, signedIn.message, signedIn.status, signedIn.headers);
    const cookie = await this.#device.signedIn(request, signedIn.login);
    return seeOther(this.#confirmLocation(userCode), cookie ? [cookie] : []);
  }

  /** POST /device/consent: approve or deny the device; 303 to the outcome. */
  async submitDecision(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const userCode = userCodeIn(request.body);
    if (!userCode) return seeOther(this.#confirmLocation(userCode));
    const outcome = await this.#device.decide(userCode, request, allowed(request.body));
    if (outcome === 'not_at_consent') return seeOther(this.#confirmLocation(userCode));
    if (outcome === undefined) return this.#invalidCode(request);
    return seeOther(`${this.#deps.endpoints.deviceVerification}/done?result=${outcome}`);
  }

  /** GET /device/done: what to do next. */
  async done(request: ProtocolRequest): Promise<ProtocolResponse> {
    return this.#page(request, { step: param(request.query, 'result') === 'approved' ? 'approved' : 'denied' });
  }
}
