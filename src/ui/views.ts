import type { ScopeDescription } from '../protocol/authorize/scope-descriptions.js';
import type { CookieInstruction, ProtocolResponse } from '../protocol/messages.js';
import type { ErrorText } from './text.js';

/** login.eta: the sign-in form of an interaction. */
export interface LoginView {
  uid: string;
  csrf: string;
  clientName: string;
  logoUri: string | null;
  email: string;
  error: string | null;
  action: string;
  /** The account chooser (prompt=select_account): the browser's signed-in accounts, each posted as `sid` to `chooseAction`. */
  accounts: { sid: string; email: string; name: string }[];
  chooseAction: string;
  abortAction: string;
  forgotPasswordUri: string;
  /** The sign-up page for this interaction; null when sign-up is off and the request carries no invitation that allows it. */
  signUpUri: string | null;
  /**
   * The passwordless passkey form (where the options come from, where the assertion goes, whether
   * the email field's autofill offers passkeys); null when it is off.
   */
  passkey: { optionsAction: string; action: string; autofill: boolean } | null;
  /** Lets the page's passkey scripts run (the renderer's CSP). */
  passkeyScript: boolean;
  /** A button per upstream provider the sign-in may use, posting to `action`. */
  federation: { action: string; connections: { id: string; displayName: string }[] };
}

/** consent.eta: what the app asks for, and who is signed in. */
export interface ConsentView {
  uid: string;
  csrf: string;
  clientName: string;
  logoUri: string | null;
  homepageUri: string | null;
  privacyPolicyUri: string | null;
  termsOfServiceUri: string | null;
  userEmail: string;
  /** The organization an invitation made the user a member of at this sign-in; null when none. */
  joinedOrganization: string | null;
  scopes: ScopeDescription[];
  action: string;
}

/** second-factor.eta: prove a second factor, or set one up when one is required and the user has none. */
export interface SecondFactorView {
  csrf: string;
  clientName: string;
  logoUri: string | null;
  error: string | null;
  abortAction: string | null;
  /** Why a second factor is asked (set up one, or prove one). */
  reason: string;
  /** Lets the page's passkey scripts run (the renderer's CSP). */
  passkeyScript: boolean;
  step:
    | {
        kind: 'challenge';
        methods: string[];
        codeAction: string;
        /** Where the passkey's options come from and its assertion goes; null when this page offers none. */
        passkey: { optionsAction: string; action: string } | null;
      }
    | { kind: 'enroll'; factorId: string; secret: string; qrCode: string; action: string }
    | { kind: 'recovery_codes'; codes: string[]; factorId: string; proof: string; action: string };
}

/** What every step of device.eta has: its forms' actions and CSRF token. */
export interface DeviceForms {
  csrf: string;
  codeAction: string;
  loginAction: string;
  consentAction: string;
  error: string | null;
  userCode: string;
}

/** The app and device a code belongs to. */
interface DeviceRequestView {
  clientName: string;
  logoUri: string | null;
}

/** One variant per step of the verification page (RFC 8628 §3.3). */
export type DeviceStepView =
  | { step: 'code' }
  | ({ step: 'login'; email: string } & DeviceRequestView)
  | ({ step: 'consent'; userEmail: string; scopes: ScopeDescription[] } & DeviceRequestView)
  /** A private app of an organization the signed-in user is not in: nothing to allow. */
  | ({ step: 'not_permitted'; userEmail: string } & DeviceRequestView)
  | { step: 'approved' }
  | { step: 'denied' };

/** device.eta. */
export type DeviceView = DeviceForms & DeviceStepView;

/** error.eta. */
export interface ErrorView {
  title: string;
  error: string;
  description: string;
}

/** form-post.eta: the authorization response as an auto-posting form (OAuth 2.0 Form Post Response Mode). */
export interface FormPostView {
  action: string;
  fields: [string, string][];
}

/** What the renderer adds to every view for layout.eta: the script nonce and where the assets are. */
export interface LayoutView {
  nonce: string;
  assetsPath: string;
}

/** The view model of each template the interactions and the authorization response use. */
export interface TemplateViews {
  login: LoginView;
  consent: ConsentView;
  device: DeviceView;
  error: ErrorView;
  'form-post': FormPostView;
  'second-factor': SecondFactorView;
}

/** Every hosted page of the interactions, with its template's view model. */
export type HostedView =
  | { template: 'login'; view: LoginView }
  | { template: 'consent'; view: ConsentView }
  | { template: 'device'; view: DeviceView }
  | { template: 'error'; view: ErrorView }
  | { template: 'second-factor'; view: SecondFactorView };

/** A hosted page: never cached (RFC 9700 §4.16), whatever else it sends. */
export function pageResponse(hosted: HostedView, status = 200, headers: Record<string, string> = {}, cookies?: CookieInstruction[]): ProtocolResponse {
  return {
    kind: 'page',
    status,
    page: { template: hosted.template, data: { ...hosted.view } },
    headers: { 'cache-control': 'no-store', ...headers },
    ...(cookies !== undefined ? { cookies } : {}),
  };
}

export function errorResponse(status: number, text: ErrorText): ProtocolResponse {
  return pageResponse({ template: 'error', view: { title: text.title, error: text.code, description: text.description } }, status);
}

/** A 303 after a POST (RFC 9700 §4.12), never cached. */
export function seeOther(location: string, cookies?: CookieInstruction[]): ProtocolResponse {
  return { kind: 'redirect', status: 303, location, headers: { 'cache-control': 'no-store' }, ...(cookies !== undefined ? { cookies } : {}) };
}
