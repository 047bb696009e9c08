import type { ResourceDirectory } from '../ports/directories.js';
import { describeScopes } from '../protocol/authorize/scope-descriptions.js';
import type { CookiePolicy, EndpointUrls } from '../protocol/context.js';
import type { RequestContext } from '../domain/audit/audit-log.js';
import type { InteractionLogin } from '../ports/oauth-repositories.js';
import type { DeviceBrowser, DeviceDetails, DeviceVerification } from '../protocol/device/verification.js';
import type { SecondFactorPlace, SecondFactorPrompt } from './second-factor-prompt.js';
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
import { pageResponse, seeOther, type DeviceForms, type DeviceStepView } from './views.js';

export interface DevicePagesDependencies {
  csrfKey: SecretHasher;
  cookies: Pick<CookiePolicy, 'deviceBinding' | 'path'>;
  endpoints: Pick<EndpointUrls, 'deviceVerification'>;
  resources: ResourceDirectory;
  secondFactors: { requiredByOrganization(userId: string): Promise<boolean> };
}

/** The device page's forms belong to the device page, not to one request: their CSRF purpose. */
const csrfPurpose = 'device';

type StepView = DeviceStepView & Partial<Pick<DeviceForms, 'error' | 'userCode'>>;

/** The device binding cookie's value, and the cookie to set when the browser had none. */
type Binding = { value: string; cookies: CookieInstruction[] };

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
  readonly #secondFactor: SecondFactorPrompt;

  constructor(
    deps: DevicePagesDependencies,
    engine: InteractionEngine,
    device: DeviceVerification,
    password: LoginMethod<PasswordCredentials>,
    secondFactor: SecondFactorPrompt,
  ) {
    this.#deps = deps;
    this.#engine = engine;
    this.#device = device;
    this.#password = password;
    this.#secondFactor = secondFactor;
  }

  /** The second-factor page's forms for one device code: they carry it in their URL, and the device page's CSRF token. */
  #secondFactorPlace(binding: Binding, details: DeviceDetails, requiredBy: string | null): SecondFactorPlace {
    const base = this.#deps.endpoints.deviceVerification;
    const code = `?user_code=${encodeURIComponent(details.record.userCode)}`;
    return {
      bindingId: details.interaction.uid,
      csrf: csrfToken(this.#deps.csrfKey, csrfPurpose, binding.value),
      clientName: details.client?.app.name ?? details.record.clientId,
      logoUri: details.client?.policy.logoUri ?? null,
      codeAction: `${base}/second-factor${code}`,
      enrollAction: `${base}/second-factor/enroll${code}`,
      continueAction: `${base}/second-factor/continue${code}`,
      // The device request is denied on its confirmation page; here the user can only leave.
      abortAction: null,
      requiredBy,
      purpose: 'sign-in',
      passkeyActions: { options: `${base}/second-factor/passkey/options${code}`, submit: `${base}/second-factor/passkey${code}` },
    };
  }

  async #requiredBy(details: DeviceDetails): Promise<string | null> {
    if (details.client?.policy.security.requireMfa) return details.client.app.name;
    const userId = details.interaction.login?.userId;
    return userId && (await this.#deps.secondFactors.requiredByOrganization(userId)) ? 'Your organization' : null;
  }

  /** Loads a second-factor form's device interaction: it must wait for the second factor, with the first recorded. */
  async #secondFactorForm(
    request: ProtocolRequest,
  ): Promise<{ details: DeviceDetails; pending: InteractionLogin; place: SecondFactorPlace; userCode: string } | ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const binding = this.#binding(request);
    const userCode = normalizeUserCode(param(request.query, 'user_code') ?? '');
    const details = userCode ? await this.#device.details(userCode, this.#browser(request, binding)) : undefined;
    if (!userCode || !details) return this.#invalidCode(binding);
    const pending = details.interaction.login;
    if (details.step !== 'second_factor_pending' || !pending) return seeOther(this.#confirmLocation(userCode));
    return { details, pending, place: this.#secondFactorPlace(binding, details, await this.#requiredBy(details)), userCode };
  }

  /** The second factor proven: the browser signs in and the device request goes on to its confirmation. */
  async #proven(request: ProtocolRequest, userCode: string, login: InteractionLogin): Promise<ProtocolResponse> {
    const cookie = await this.#device.signedIn(userCode, this.#browser(request), login);
    return seeOther(this.#confirmLocation(userCode), cookie ? [cookie] : []);
  }

  /** POST /device/second-factor: a code of the authenticator app, or a recovery code. */
  async submitSecondFactor(request: ProtocolRequest): Promise<ProtocolResponse> {
    const form = await this.#secondFactorForm(request);
    if ('kind' in form) return form;
    const proven = await this.#secondFactor.prove(form.pending, request.body, form.place, { ip: request.ip, clientId: null });
    return proven.ok ? this.#proven(request, form.userCode, proven.login) : proven.response;
  }

  /** POST /device/second-factor/passkey/options: the options of the pending user's passkeys, as JSON. */
  async secondFactorPasskeyOptions(request: ProtocolRequest): Promise<ProtocolResponse> {
    const form = await this.#secondFactorForm(request);
    if ('kind' in form) return form;
    return this.#secondFactor.passkeyOptions(form.pending, form.place);
  }

  /** POST /device/second-factor/passkey: a passkey as the second factor; then the confirmation, as with a code. */
  async submitSecondFactorPasskey(request: ProtocolRequest): Promise<ProtocolResponse> {
    const form = await this.#secondFactorForm(request);
    if ('kind' in form) return form;
    const proven = await this.#secondFactor.provePasskey(form.pending, request.body, form.place, { ip: request.ip, clientId: null });
    return proven.ok ? this.#proven(request, form.userCode, proven.login) : proven.response;
  }

  /** POST /device/second-factor/enroll: the first code of the app being set up. */
  async submitEnrollment(request: ProtocolRequest): Promise<ProtocolResponse> {
    const form = await this.#secondFactorForm(request);
    if ('kind' in form) return form;
    const user = form.details.session?.user.id === form.pending.userId ? form.details.session.user : undefined;
    const context: RequestContext & { ip: string } = {
      actor: { kind: 'user', userId: form.pending.userId, email: user?.email ?? '', scopes: new Set() },
      ip: request.ip,
    };
    return this.#secondFactor.confirmEnrollment(form.pending, request.body, form.place, context);
  }

  /** POST /device/second-factor/continue: past the recovery codes, the device request goes on. */
  async continueAfterEnrollment(request: ProtocolRequest): Promise<ProtocolResponse> {
    const form = await this.#secondFactorForm(request);
    if ('kind' in form) return form;
    const proven = await this.#secondFactor.continueAfterEnrollment(form.pending, request.body, form.place, { ip: request.ip, clientId: null });
    return proven.ok ? this.#proven(request, form.userCode, proven.login) : proven.response;
  }

  #binding(request: ProtocolRequest): Binding {
    const existing = request.cookies[this.#deps.cookies.deviceBinding];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { value: existing, cookies: [] };
    const value = randomId(24);
    const path = `${this.#deps.cookies.path === '/' ? '' : this.#deps.cookies.path}/device`;
    return { value, cookies: [{ name: this.#deps.cookies.deviceBinding, value, path, maxAgeSeconds: 3600 }] };
  }

  /** The browser as the device interaction knows it: the request and its binding cookie's value. */
  #browser(request: ProtocolRequest, binding: Binding = this.#binding(request)): DeviceBrowser {
    return { request, binding: binding.value };
  }

  #csrfValid(request: ProtocolRequest): boolean {
    return csrfValid(this.#deps.csrfKey, csrfPurpose, request.cookies[this.#deps.cookies.deviceBinding], request.body);
  }

  #page(binding: Binding, step: StepView, status = 200, headers: Record<string, string> = {}): ProtocolResponse {
    const base = this.#deps.endpoints.deviceVerification;
    const view = {
      csrf: csrfToken(this.#deps.csrfKey, csrfPurpose, binding.value),
      codeAction: base,
      loginAction: `${base}/login`,
      consentAction: `${base}/consent`,
      error: null,
      userCode: '',
      ...step,
    };
    return pageResponse({ template: 'device', view }, status, headers, binding.cookies);
  }

  #confirmLocation(userCode: string | null): string {
    return `${this.#deps.endpoints.deviceVerification}/confirm?user_code=${userCode ?? ''}`;
  }

  #forged(request: ProtocolRequest): ProtocolResponse {
    return this.#page(this.#binding(request), { step: 'code', error: deviceText.forged }, 403);
  }

  #invalidCode(binding: Binding, typed = ''): ProtocolResponse {
    return this.#page(binding, { step: 'code', userCode: typed, error: deviceText.invalidCode }, 400);
  }

  /** GET /device: the code form, pre-filled from verification_uri_complete. */
  codeForm(request: ProtocolRequest): Promise<ProtocolResponse> {
    return Promise.resolve(this.#page(this.#binding(request), { step: 'code', userCode: userCodeIn(request.query) ?? '' }));
  }

  /** POST /device: checks the code (throttled per address), starts this browser's interaction for it, then 303 to the confirmation. */
  async submitCode(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const binding = this.#binding(request);
    const typed = param(request.body, 'user_code') ?? '';
    const entry = await this.#device.enterCode(typed, request.ip, this.#browser(request, binding));
    if (entry.ok) return seeOther(this.#confirmLocation(entry.userCode));
    if (entry.reason === 'throttled') {
      const wait = entry.retryAfterSeconds;
      return this.#page(binding, { step: 'code', error: deviceText.tooManyCodes(wait) }, 429, { 'retry-after': String(wait) });
    }
    return this.#invalidCode(binding, typed);
  }

  /** GET /device/confirm: sign in first if needed, then the confirmation of app, device and scopes. */
  async confirmPage(request: ProtocolRequest, error: string | null = null, status = 200, headers: Record<string, string> = {}): Promise<ProtocolResponse> {
    const binding = this.#binding(request);
    const userCode = normalizeUserCode(param(request.query, 'user_code') ?? param(request.body, 'user_code') ?? '');
    const details = await this.#device.details(userCode, this.#browser(request, binding));
    if (!details) return this.#invalidCode(binding);
    if (details.step === 'second_factor_pending' && details.interaction.login) {
      return this.#secondFactor.page(details.interaction.login, this.#secondFactorPlace(binding, details, await this.#requiredBy(details)));
    }
    const { record, client, session } = details;
    const common = { userCode: record.userCode, clientName: client?.app.name ?? record.clientId, logoUri: client?.policy.logoUri ?? null, error };
    if (details.step === 'login_pending' || !session) {
      return this.#page(binding, { step: 'login', ...common, email: param(request.body, 'email') ?? '' }, status, headers);
    }
    if (!details.permitted) {
      return this.#page(binding, { step: 'not_permitted', ...common, userEmail: session.user.email, error: deviceText.privateApp(common.clientName) }, 403);
    }
    const scopes = await describeScopes(record.scope, record.audiences, this.#deps.resources);
    return this.#page(binding, { step: 'consent', ...common, userEmail: session.user.email, scopes });
  }

  /** POST /device/login: the hosted sign-in, then 303 back to the confirmation. */
  async submitLogin(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const userCode = userCodeIn(request.body);
    const signedIn = await signInWithForm(this.#engine, this.#password, request.body, { ip: request.ip, clientId: null });
    if (signedIn.kind === 'refused') return this.confirmPage(request, signedIn.message, signedIn.status, signedIn.headers);
    if (signedIn.kind === 'second_factor') {
      await this.#device.secondFactorRequired(userCode, this.#browser(request), signedIn.login);
      return seeOther(this.#confirmLocation(userCode));
    }
    const cookie = await this.#device.signedIn(userCode, this.#browser(request), signedIn.login);
    return seeOther(this.#confirmLocation(userCode), cookie ? [cookie] : []);
  }

  /** POST /device/consent: approve or deny the device; 303 to the outcome. */
  async submitDecision(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request)) return this.#forged(request);
    const userCode = userCodeIn(request.body);
    if (!userCode) return seeOther(this.#confirmLocation(userCode));
    const binding = this.#binding(request);
    const outcome = await this.#device.decide(userCode, this.#browser(request, binding), allowed(request.body));
    if (outcome === 'not_at_consent') return seeOther(this.#confirmLocation(userCode));
    if (outcome === 'not_permitted') {
      return this.#page(binding, { step: 'code', userCode: '', error: deviceText.privateApp('This app') }, 403);
    }
    if (outcome === 'email_unverified') return this.#page(binding, { step: 'code', userCode, error: deviceText.emailUnverified }, 403);
    if (outcome === undefined) return this.#invalidCode(binding);
    return seeOther(`${this.#deps.endpoints.deviceVerification}/done?result=${outcome}`);
  }

  /** GET /device/done: what to do next. */
  done(request: ProtocolRequest): Promise<ProtocolResponse> {
    return Promise.resolve(this.#page(this.#binding(request), { step: param(request.query, 'result') === 'approved' ? 'approved' : 'denied' }));
  }
}
