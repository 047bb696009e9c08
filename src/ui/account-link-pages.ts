import { paths } from '../contracts/paths.js';
import type { AccountServices } from '../domain/identity/account-services.js';
import type { AccountLinkProblem } from '../domain/identity/account-links.js';
import type { VerificationProblem } from '../domain/identity/email-verification.js';
import { isDomainError } from '../domain/errors.js';
import type { OpenInvitation } from '../domain/orgs/invitation-sign-up.js';
import type { CookiePolicy, EndpointUrls } from '../protocol/context.js';
import type { InteractionDetails, InteractionEngine } from '../protocol/interaction/engine.js';
import { param, type CookieInstruction, type PageModel, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import { currentSession, sessionCookie, type SessionDependencies } from '../protocol/sessions.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { randomId } from '../shared/random.js';
import { csrfToken, csrfValid } from './csrf.js';
import { interactionProblemText } from './text.js';

export interface AccountLinkPagesDependencies extends SessionDependencies {
  csrfKey: SecretHasher;
  cookies: Pick<CookiePolicy, 'secure' | 'path' | 'session' | 'interaction' | 'accountBinding'>;
  endpoints: Pick<EndpointUrls, 'interaction'>;
  /** The issuer without a trailing slash: the account pages' URLs are under it. */
  issuerBase: string;
}

/** One button of a notice page: a small form (CSRF-guarded) with hidden fields. */
export interface NoticeForm {
  action: string;
  csrf: string;
  fields: [string, string][];
  label: string;
  primary: boolean;
}

/** account-notice.eta: what happened, and the next steps. */
export interface AccountNoticeView {
  title: string;
  message: string;
  /** Shown as an alert: the link or form could not be used. */
  problem: boolean;
  forms: NoticeForm[];
  links: { href: string; label: string }[];
}

const uidPattern = /^[A-Za-z0-9_-]{22}$/;

/** The forms of these pages that are not tied to an interaction, each its own CSRF purpose. */
type Purpose = 'signup' | 'forgot-password' | 'reset-password' | 'resend-verification';

const linkProblemText: Record<VerificationProblem, { title: string; message: string }> = {
  unknown: { title: 'Link not valid', message: 'This link is not valid: it may be incomplete. Nothing was changed.' },
  used: { title: 'Link already used', message: 'This link was already used, or a newer link replaced it: each works only once. Nothing was changed.' },
  expired: { title: 'Link expired', message: 'This link has expired. Nothing was changed.' },
  email_taken: {
    title: 'Address in use',
    message: 'Another account uses this address now, so your account keeps its current address. Nothing was changed.',
  },
};

const forgedText = 'The form was not sent from this page (CSRF check failed). Reload the page and try again.';

/** signup.eta: the sign-up form, standalone, in an interaction, or with an invitation (the address fixed). */
interface SignUpForm {
  action: string;
  csrf: string;
  clientName: string | null;
  signInUri: string | null;
  /** Set when the form creates the invited account: the email is the invitation's and can't be edited. */
  invitation: { organization: string; role: string } | null;
}

/**
 * The hosted pages of self-service accounts: sign-up (standalone, or inside an authorization so
 * that the user continues it afterwards), the verification link, "forgot password" and the reset
 * link. Forms outside an interaction are bound to the browser by a cookie of their own (Path
 * /account) that keys their CSRF tokens; inside an interaction the interaction's binding does.
 * Every POST answers a page or 303 (RFC 9700 §4.12); refusals change nothing.
 */
export class AccountLinkPages {
  readonly #deps: AccountLinkPagesDependencies;
  readonly #accounts: AccountServices;
  readonly #engine: InteractionEngine;

  constructor(deps: AccountLinkPagesDependencies, accounts: AccountServices, engine: InteractionEngine) {
    this.#deps = deps;
    this.#accounts = accounts;
    this.#engine = engine;
  }

  #url(path: string): string {
    return this.#deps.issuerBase + path;
  }

  get signUpEnabled(): boolean {
    return this.#accounts.signUp !== null;
  }

  get forgotPasswordUri(): string {
    return this.#url(paths.forgotPassword);
  }

  /**
   * The sign-up page of an interaction, linked from its sign-in page; null when sign-up is off,
   * unless the request carries an invitation that still holds for an address with no account.
   */
  async signUpUriFor(details: InteractionDetails): Promise<string | null> {
    if (this.signUpEnabled) return `${this.#url(paths.signUp)}?interaction=${details.uid}`;
    return (await this.#invitationOf(details)) ? `${this.#deps.endpoints.interaction}/${details.uid}/signup` : null;
  }

  /**
   * The invitation the authorization request carries (`organization` and `invitation`), when it
   * is pending, unexpired, for that organization, and its address has no account yet: then the
   * invitee may create the account here. Any other invitation is treated as no invitation at all,
   * so the pages say no more about the organization or the token than they do without one.
   */
  async #invitationOf(details: InteractionDetails): Promise<OpenInvitation | undefined> {
    const { invitation, organizationId } = details.request;
    if (invitation === null || organizationId === null) return undefined;
    const opened = await this.#accounts.invitations.open(invitation, organizationId);
    return opened.ok && !opened.open.accountExists ? opened.open : undefined;
  }

  /** The same binding cookie as the account page's forms: one per browser under /account. */
  get #bindingCookieName(): string {
    return this.#deps.cookies.accountBinding;
  }

  /** The account forms' binding: the cookie's value, and the cookie to set when the browser had none. */
  #binding(request: ProtocolRequest): { value: string; cookies: CookieInstruction[] } {
    const existing = request.cookies[this.#bindingCookieName];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { value: existing, cookies: [] };
    const value = randomId(24);
    const path = `${this.#deps.cookies.path === '/' ? '' : this.#deps.cookies.path}${paths.account}`;
    return { value, cookies: [{ name: this.#bindingCookieName, value, path, maxAgeSeconds: 3600 }] };
  }

  #csrfValid(request: ProtocolRequest, purpose: Purpose): boolean {
    return csrfValid(this.#deps.csrfKey, purpose, request.cookies[this.#bindingCookieName], request.body);
  }

  #page(
    template: PageModel['template'],
    data: object,
    status = 200,
    headers: Record<string, string> = {},
    cookies: CookieInstruction[] = [],
  ): ProtocolResponse {
    return { kind: 'page', status, page: { template, data: { ...data } }, headers: { 'cache-control': 'no-store', ...headers }, cookies };
  }

  #notice(
    view: Partial<AccountNoticeView> & Pick<AccountNoticeView, 'title' | 'message'>,
    status = 200,
    headers: Record<string, string> = {},
    cookies: CookieInstruction[] = [],
  ) {
    const full: AccountNoticeView = { problem: false, forms: [], links: [], ...view };
    return this.#page('account-notice', full, status, headers, cookies);
  }

  #signUpOff(): ProtocolResponse {
    return this.#notice(
      { title: 'Sign-up is off', message: 'This server does not let people create accounts themselves. Ask its administrator for an account.', problem: true },
      404,
    );
  }

  #forged(): ProtocolResponse {
    return this.#notice({ title: 'Form expired', message: forgedText, problem: true }, 403);
  }

  #throttled(seconds: number): { message: string; headers: Record<string, string> } {
    return { message: `Too many attempts. Try again in ${seconds} seconds.`, headers: { 'retry-after': String(seconds) } };
  }

  #checkMail(email: string, cookies: CookieInstruction[] = []): ProtocolResponse {
    return this.#notice(
      { title: 'Check your mail', message: `We sent a mail to ${email}. Follow the link in it to go on; it works for 24 hours.` },
      200,
      {},
      cookies,
    );
  }

  // Sign-up.

  #signUpForm(
    form: SignUpForm,
    values: { email: string; name: string },
    status = 200,
    error: string | null = null,
    headers: Record<string, string> = {},
    cookies: CookieInstruction[] = [],
  ): ProtocolResponse {
    return this.#page('signup', { ...form, ...values, error }, status, headers, cookies);
  }

  async #submitSignUp(request: ProtocolRequest, form: SignUpForm, interaction: string | null): Promise<ProtocolResponse> {
    const signUp = this.#accounts.signUp;
    if (!signUp) return this.#signUpOff();
    const values = { email: param(request.body, 'email') ?? '', name: param(request.body, 'name') ?? '' };
    const password = request.body.get('password')?.[0] ?? '';
    if (!values.email || !password) return this.#signUpForm(form, values, 400, 'Enter your email and a password.');
    const outcome = await signUp.signUp({ ...values, password }, { ip: request.ip, interaction });
    switch (outcome.kind) {
      case 'accepted':
        return this.#checkMail(values.email.trim().toLowerCase());
      case 'invalid':
        return this.#signUpForm(form, values, 400, outcome.message);
      case 'throttled': {
        const { message, headers } = this.#throttled(outcome.retryAfterSeconds);
        return this.#signUpForm(form, values, 429, message, headers);
      }
    }
  }

  #standaloneForm(binding: string) {
    const csrf = csrfToken(this.#deps.csrfKey, 'signup', binding);
    return { action: this.#url(paths.signUp), csrf, clientName: null, signInUri: null, invitation: null };
  }

  /** GET paths.signUp; from a sign-in page (`?interaction=`), the interaction's own sign-up page. */
  signUpPage(request: ProtocolRequest): ProtocolResponse {
    if (!this.signUpEnabled) return this.#signUpOff();
    const uid = param(request.query, 'interaction');
    if (uid !== undefined && uidPattern.test(uid)) {
      return { kind: 'redirect', status: 303, location: `${this.#deps.endpoints.interaction}/${uid}/signup`, headers: { 'cache-control': 'no-store' } };
    }
    const binding = this.#binding(request);
    return this.#signUpForm(this.#standaloneForm(binding.value), { email: '', name: '' }, 200, null, {}, binding.cookies);
  }

  /** POST paths.signUp. */
  async submitSignUpPage(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.signUpEnabled) return this.#signUpOff();
    if (!this.#csrfValid(request, 'signup')) return this.#forged();
    return this.#submitSignUp(request, this.#standaloneForm(this.#binding(request).value), null);
  }

  async #interactionForm(uid: string, request: ProtocolRequest) {
    const found = await this.#engine.details(uid, request);
    if (!found.ok) return this.#notice({ ...noticeOf(interactionProblemText[found.problem]), problem: true }, 400);
    const { details } = found;
    const base = `${this.#deps.endpoints.interaction}/${uid}`;
    const invitation = await this.#invitationOf(details);
    const form: SignUpForm = {
      action: `${base}/signup`,
      csrf: csrfToken(this.#deps.csrfKey, uid, details.browserBinding),
      clientName: details.client.app.name,
      signInUri: base,
      invitation: invitation ? { organization: invitation.organization.displayName, role: invitation.invitation.role } : null,
    };
    return { form, details, invitation };
  }

  /** GET /interaction/:uid/signup: with an invitation, the form of the invited address, even when sign-up is off. */
  async interactionSignUpPage(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#interactionForm(uid, request);
    if ('kind' in loaded) return this.signUpEnabled ? loaded : this.#signUpOff();
    if (loaded.invitation) return this.#signUpForm(loaded.form, { email: loaded.invitation.invitation.email, name: '' });
    if (!this.signUpEnabled) return this.#signUpOff();
    return this.#signUpForm(loaded.form, { email: loaded.details.request.loginHint ?? '', name: '' });
  }

  /**
   * POST /interaction/:uid/signup: the verification link brings the user back to this interaction;
   * with an invitation, the invited account is signed in at once and the interaction goes on.
   */
  async submitInteractionSignUp(uid: string, request: ProtocolRequest): Promise<ProtocolResponse> {
    const loaded = await this.#interactionForm(uid, request);
    if ('kind' in loaded) return this.signUpEnabled ? loaded : this.#signUpOff();
    if (!loaded.invitation && !this.signUpEnabled) return this.#signUpOff();
    if (!csrfValid(this.#deps.csrfKey, uid, loaded.details.browserBinding, request.body)) return this.#forged();
    if (loaded.invitation) return this.#submitInvitationSignUp(request, loaded.details, loaded.form, loaded.invitation);
    return this.#submitSignUp(request, loaded.form, uid);
  }

  /**
   * The invited account: created for the invitation's address (whatever the form posts: the token
   * proves the mail reached it, so it is verified), made a member with the invited role in the same
   * transaction that uses the invitation, then signed in; the authorization goes on from there.
   */
  async #submitInvitationSignUp(request: ProtocolRequest, details: InteractionDetails, form: SignUpForm, open: OpenInvitation): Promise<ProtocolResponse> {
    const base = `${this.#deps.endpoints.interaction}/${details.uid}`;
    // Only a sign-in page's form creates the account: past sign-in, the interaction has no use for one.
    if (details.step !== 'login_pending') return { kind: 'redirect', status: 303, location: base, headers: { 'cache-control': 'no-store' } };
    const { email } = open.invitation;
    const name = param(request.body, 'name') ?? '';
    const password = request.body.get('password')?.[0] ?? '';
    let outcome;
    try {
      outcome = await this.#accounts.invitations.createAccount(details.request.invitation!, { name, password }, open.organization.id);
    } catch (error) {
      if (!isDomainError(error) || (error.kind !== 'validation' && error.kind !== 'conflict')) throw error;
      const message = error.problems.length > 0 ? error.problems.map((problem) => `The ${problem.field} ${problem.message}.`).join(' ') : `${error.message}.`;
      return this.#signUpForm(form, { email, name }, error.kind === 'conflict' ? 409 : 400, message);
    }
    if (!outcome.ok) {
      // Used, withdrawn or expired while the form was open.
      return this.#notice(
        {
          title: 'Invitation no longer valid',
          message: 'The invitation was used, withdrawn or has expired in the meantime. Nothing was changed.',
          problem: true,
          links: [{ href: base, label: 'Back to sign-in' }],
        },
        410,
      );
    }
    // RFC 8176 §2 'pwd': the password just set; the token proved the mailbox, as a verification link does.
    const login = { userId: outcome.user.id, amr: ['pwd'], authTime: this.#deps.clock.now(), acr: null };
    const finished = await this.#engine.finish(details, request, { login });
    return finished.ok ? finished.response : this.#notice({ ...noticeOf(interactionProblemText[finished.problem]), problem: true }, 400);
  }

  // Email verification.

  /**
   * GET paths.verifyEmail?token=: following the link is the proof (the mail reached the mailbox),
   * so it works without a session. A sign-up link also signs the person in, in this browser, and
   * goes back to the authorization it came from.
   */
  async verifyLink(request: ProtocolRequest): Promise<ProtocolResponse> {
    const outcome = await this.#accounts.verifyEmail(param(request.query, 'token') ?? '');
    if (!outcome.ok) {
      const text = linkProblemText[outcome.problem];
      return this.#notice(
        {
          ...text,
          problem: true,
          links: [{ href: this.#url(paths.account), label: 'Sign in to your account to get a new link' }],
        },
        outcome.problem === 'unknown' ? 404 : 410,
      );
    }
    const cookies: CookieInstruction[] = [];
    if (outcome.data.signUp) {
      // RFC 8176 §2 'otp': a one-time secret delivered out of band proved who this is.
      const started = await this.#engine.startSession(request, { userId: outcome.user.id, amr: ['otp'], authTime: this.#deps.clock.now(), acr: null });
      if (started) cookies.push(...started.cookies);
      const uid = outcome.data.interaction;
      if (started && uid && uidPattern.test(uid)) {
        return {
          kind: 'redirect',
          status: 303,
          location: `${this.#deps.endpoints.interaction}/${uid}/resume`,
          headers: { 'cache-control': 'no-store' },
          cookies,
        };
      }
    }
    return this.#notice(
      {
        title: 'Address verified',
        message: `${outcome.user.email} is verified. You can go back to the app you came from.`,
        links: [{ href: this.#url(paths.account), label: 'Go to your account' }],
      },
      200,
      {},
      cookies,
    );
  }

  /** The page of an authorization paused for an unverified address: resend the link, or go on once verified. */
  verificationNeededPage(details: InteractionDetails, request: ProtocolRequest): ProtocolResponse {
    const binding = this.#binding(request);
    const base = `${this.#deps.endpoints.interaction}/${details.uid}`;
    const email = details.session?.user.email ?? '';
    return this.#notice(
      {
        title: 'Verify your email address',
        message: `${details.client.app.name} needs a verified address. Follow the link we sent to ${email}, then continue here.`,
        forms: [
          {
            action: `${base}/verified`,
            csrf: csrfToken(this.#deps.csrfKey, details.uid, details.browserBinding),
            fields: [],
            label: 'I verified it: continue',
            primary: true,
          },
          {
            action: `${this.#url(paths.verifyEmail)}/resend`,
            csrf: csrfToken(this.#deps.csrfKey, 'resend-verification', binding.value),
            fields: [['interaction', details.uid]],
            label: 'Send the link again',
            primary: false,
          },
        ],
      },
      200,
      {},
      binding.cookies,
    );
  }

  /** POST paths.verifyEmail/resend: a new link for the signed-in user's address (throttled). */
  async resendVerification(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request, 'resend-verification')) return this.#forged();
    const current = await currentSession(request, this.#deps);
    if (!current) {
      return this.#notice(
        { title: 'Not signed in', message: 'Sign in first: the link goes to the address of the account you are signed in to.', problem: true },
        401,
      );
    }
    const uid = param(request.body, 'interaction');
    const links = uid !== undefined && uidPattern.test(uid) ? [{ href: `${this.#deps.endpoints.interaction}/${uid}`, label: 'Back to sign-in' }] : [];
    const sent = await this.#accounts.resendVerification(current.user, request.ip);
    if (!sent.allowed) {
      const { message, headers } = this.#throttled(sent.retryAfterSeconds);
      return this.#notice({ title: 'Too many mails', message, problem: true, links }, 429, headers);
    }
    const message = current.user.emailVerified
      ? `${current.user.email} is already verified.`
      : `We sent a new link to ${current.user.email}. Links sent before keep working until they expire.`;
    return this.#notice({ title: 'Check your mail', message, links });
  }

  // Password reset.

  #forgotForm(
    binding: string,
    email: string,
    status = 200,
    error: string | null = null,
    headers: Record<string, string> = {},
    cookies: CookieInstruction[] = [],
  ) {
    const view = { action: this.#url(paths.forgotPassword), csrf: csrfToken(this.#deps.csrfKey, 'forgot-password', binding), email, error };
    return this.#page('forgot-password', view, status, headers, cookies);
  }

  /** GET paths.forgotPassword. */
  forgotPasswordPage(request: ProtocolRequest): ProtocolResponse {
    const binding = this.#binding(request);
    return this.#forgotForm(binding.value, '', 200, null, {}, binding.cookies);
  }

  /** POST paths.forgotPassword: the same answer whether or not the address has an account. */
  async submitForgotPassword(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request, 'forgot-password')) return this.#forged();
    const binding = this.#binding(request).value;
    const email = (param(request.body, 'email') ?? '').trim().toLowerCase();
    if (!email.includes('@') || email.length > 254) return this.#forgotForm(binding, email, 400, 'Enter the email address of your account.');
    const outcome = await this.#accounts.passwordReset.request(email, request.ip);
    if (outcome.kind === 'throttled') {
      const { message, headers } = this.#throttled(outcome.retryAfterSeconds);
      return this.#forgotForm(binding, email, 429, message, headers);
    }
    return this.#notice({
      title: 'Check your mail',
      message: `If an account uses ${email}, we sent it a link to set a new password. The link works once, for 30 minutes.`,
    });
  }

  #resetProblem(problem: AccountLinkProblem): ProtocolResponse {
    return this.#notice(
      { ...linkProblemText[problem], problem: true, links: [{ href: this.forgotPasswordUri, label: 'Ask for a new link' }] },
      problem === 'unknown' ? 404 : 410,
    );
  }

  #resetForm(binding: string, token: string, email: string, status = 200, error: string | null = null, cookies: CookieInstruction[] = []) {
    const view = { action: this.#url(paths.resetPassword), csrf: csrfToken(this.#deps.csrfKey, 'reset-password', binding), token, email, error };
    return this.#page('reset-password', view, status, {}, cookies);
  }

  /** GET paths.resetPassword?token=: the form, if the link can still be used (looking does not use it). */
  async resetPasswordPage(request: ProtocolRequest): Promise<ProtocolResponse> {
    const token = param(request.query, 'token') ?? '';
    const inspected = await this.#accounts.passwordReset.inspect(token);
    if (!inspected.ok) return this.#resetProblem(inspected.problem);
    const binding = this.#binding(request);
    return this.#resetForm(binding.value, token, inspected.link.email ?? '', 200, null, binding.cookies);
  }

  /** POST paths.resetPassword: sets the password; every session ends, this browser's too. */
  async submitResetPassword(request: ProtocolRequest): Promise<ProtocolResponse> {
    if (!this.#csrfValid(request, 'reset-password')) return this.#forged();
    const token = param(request.body, 'token') ?? '';
    const outcome = await this.#accounts.passwordReset.complete(token, request.body.get('password')?.[0] ?? '');
    switch (outcome.kind) {
      case 'link_problem':
        return this.#resetProblem(outcome.problem);
      case 'invalid_password':
        return this.#resetForm(this.#binding(request).value, token, outcome.link.email ?? '', 400, `The password ${outcome.message}.`);
      case 'reset':
        return this.#notice(
          {
            title: 'Password changed',
            message: 'Your new password is set. Every device that was signed in to your account is signed out: sign in again with the new password.',
            links: [{ href: this.#url(paths.account), label: 'Sign in to your account' }],
          },
          200,
          {},
          [sessionCookie(this.#deps, null)],
        );
    }
  }
}

function noticeOf(text: { title: string; description: string }): { title: string; message: string } {
  return { title: text.title, message: text.description };
}
