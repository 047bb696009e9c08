import type { InteractionLogin } from '../../ports/oauth-repositories.js';
import type { Prompt } from '../authorize/request.js';
import type { OAuthErrorCode } from '../errors.js';

/** What the prompt checks look at: the request, the browser's session, and what this interaction recorded. */
export interface PolicyContext {
  /** The request's prompt values (OIDC Core §3.1.2.1). */
  prompt: ReadonlySet<Prompt>;
  /** The request's max_age in seconds, or null. */
  maxAge: number | null;
  now: number;
  /** The browser's live session, if it has one. */
  session: { authTime: number } | undefined;
  /** Who signed in for this interaction: once someone did, prompt=login and max_age are satisfied. */
  login: InteractionLogin | null;
  /** What the user consented to in this interaction: once they did, consent is not asked again. */
  consent: readonly string[] | null;
  /** Whether remembered consent, a pre-authorization or the app's first-party status covers the request. */
  consentCovered(): Promise<boolean>;
  /**
   * Whether the sign-in has a second factor (`mfa` in its amr), and whether the app
   * (security.requireMfa), the request (acr_values, an essential acr) or an organization of the user asks for one.
   */
  secondFactor: { proven: boolean; required(): Promise<boolean> };
  /** The subject the request asks for (claims id_token.sub.value), null when none, and the session's user. */
  subject: { requested: string | null; session: string | undefined };
  /** Whether the app asks for a verified address (security.requireVerifiedEmail), and whether the signed-in user's is. */
  email: { verificationRequired: boolean; verified: boolean };
}

export type PromptName = 'login' | 'second_factor' | 'verified_email' | 'consent';

/** One named reason to show the user a page; modelled on the checks of node-oidc-provider's interaction policy. */
export interface PromptCheck {
  name: string;
  /** What the check requires before the request can go on without the user. */
  requires: string;
  /** The answer when the check fails and prompt=none forbids asking (OIDC Core §3.1.2.6). */
  error: { code: OAuthErrorCode; description: string };
  /** True when the user must be asked. */
  needsPrompt(context: PolicyContext): boolean | Promise<boolean>;
}

export interface PromptPolicy {
  name: PromptName;
  checks: readonly PromptCheck[];
}

const loginRequired: PromptCheck['error'] = {
  code: 'login_required',
  description: 'the user must sign in, and prompt=none forbids showing the sign-in page (OIDC Core §3.1.2.6)',
};
const consentRequired: PromptCheck['error'] = {
  code: 'consent_required',
  description: 'the user must consent, and prompt=none forbids asking (OIDC Core §3.1.2.6)',
};

export const noSession: PromptCheck = {
  name: 'no_session',
  requires: 'a signed-in session in this browser',
  error: loginRequired,
  needsPrompt: (context) => context.session === undefined,
};

/** prompt=login and prompt=select_account ask for a sign-in in this request, whatever the session. */
export const loginPromptCheck: PromptCheck = {
  name: 'login_prompt',
  requires: 'a sign-in in this interaction when the request has prompt=login or prompt=select_account',
  error: loginRequired,
  needsPrompt: (context) => context.login === null && (context.prompt.has('login') || context.prompt.has('select_account')),
};

/** OIDC Core §3.1.2.1: a session older than max_age seconds must sign in again. */
export const maxAgeCheck: PromptCheck = {
  name: 'max_age',
  requires: "a sign-in no older than the request's max_age",
  error: loginRequired,
  needsPrompt: (context) =>
    context.login === null && context.maxAge !== null && context.session !== undefined && context.now - context.session.authTime > context.maxAge * 1000,
};

/**
 * OIDC Core §3.1.2.2, §5.5.1: a request for one subject (claims id_token.sub.value) is answered
 * only for that user; a session of another user asks for a sign-in, as oidc-provider does.
 */
export const subjectMismatch: PromptCheck = {
  name: 'claims_id_token_sub_value',
  requires: 'a sign-in of the subject the claims parameter names (id_token.sub.value)',
  error: {
    code: 'login_required',
    description:
      'the request asks for another subject than the signed-in user (claims id_token.sub.value), and prompt=none forbids showing the sign-in page (OIDC Core §3.1.2.2, §5.5.1)',
  },
  needsPrompt: ({ login, subject }) => login === null && subject.requested !== null && subject.session !== undefined && subject.session !== subject.requested,
};

/** A second factor is asked for and the sign-in has none: the user proves one, or enrolls one first. */
export const secondFactorMissing: PromptCheck = {
  name: 'second_factor_missing',
  requires:
    'a second factor in the sign-in, when the app (security.requireMfa), the request (acr_values, an essential acr claim) or an organization of the user asks for one',
  error: {
    code: 'interaction_required',
    description: 'the request needs a sign-in with a second factor; the user must prove one, and prompt=none forbids asking (OIDC Core §3.1.2.6)',
  },
  needsPrompt: async (context) => !context.secondFactor.proven && (await context.secondFactor.required()),
};

/** The app takes only users whose address is verified: the user is shown how to verify it (a link by mail). */
export const unverifiedEmail: PromptCheck = {
  name: 'unverified_email',
  requires: "a verified email address, when the app's security.requireVerifiedEmail is on",
  error: {
    code: 'interaction_required',
    description: 'the app requires a verified email address; the user must verify it, and prompt=none forbids asking (OIDC Core §3.1.2.6)',
  },
  needsPrompt: (context) => context.email.verificationRequired && !context.email.verified,
};

export const consentPromptCheck: PromptCheck = {
  name: 'consent_prompt',
  requires: 'consent given in this interaction when the request has prompt=consent',
  error: consentRequired,
  needsPrompt: (context) => context.consent === null && context.prompt.has('consent'),
};

export const consentMissing: PromptCheck = {
  name: 'consent_missing',
  requires: 'consent, remembered or given now, or a pre-authorization, for every scope and API asked for',
  error: consentRequired,
  needsPrompt: async (context) => context.consent === null && !(await context.consentCovered()),
};

/** RFC 8628 §5.4: the user confirms each device and what it asks for, even when they consented before. */
export const deviceConfirmation: PromptCheck = {
  name: 'device_confirmation',
  requires: 'the user confirms the device and the access it asks for',
  error: consentRequired,
  needsPrompt: (context) => context.consent === null,
};

export const loginPolicy: PromptPolicy = { name: 'login', checks: [noSession, loginPromptCheck, maxAgeCheck, subjectMismatch] };
export const secondFactorPolicy: PromptPolicy = { name: 'second_factor', checks: [secondFactorMissing] };
export const verifiedEmailPolicy: PromptPolicy = { name: 'verified_email', checks: [unverifiedEmail] };
export const consentPolicy: PromptPolicy = { name: 'consent', checks: [consentPromptCheck, consentMissing] };

/** The device flow asks for a session (it has no prompt or max_age), then always for a confirmation. */
export const deviceLoginPolicy: PromptPolicy = { name: 'login', checks: [noSession] };
export const deviceConsentPolicy: PromptPolicy = { name: 'consent', checks: [deviceConfirmation] };

/** The first check of a prompt that fails, in order; undefined when the prompt need not be shown. */
export async function failingCheck(policy: PromptPolicy, context: PolicyContext): Promise<PromptCheck | undefined> {
  for (const check of policy.checks) {
    if (await check.needsPrompt(context)) return check;
  }
  return undefined;
}
