import type { FirstRun, SetupProblem } from '../domain/identity/first-run.js';
import { accountTokenHash } from '../domain/identity/account-links.js';
import { isDomainError, type FieldProblem } from '../domain/errors.js';
import type { InvitationProblem, InvitationSignUp } from '../domain/orgs/invitation-sign-up.js';
import type { InteractionEngine } from '../protocol/interaction/engine.js';
import { param, type CookieInstruction, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { randomId } from '../shared/random.js';
import { csrfToken, csrfValid } from './csrf.js';
import { seeOther } from './views.js';

export interface SetupPagesDependencies {
  csrfKey: SecretHasher;
  firstRun: FirstRun;
  invitations: InvitationSignUp;
  engine: Pick<InteractionEngine, 'startSession'>;
  now: () => number;
  /** The browser binding cookie of these forms (Path: the console's). */
  bindingCookie: { name: string; path: string };
  urls: { setup: string; invitation: string; console: string; consoleLogin: string };
}

/** setup.eta: the first administrator and organization. */
export interface SetupView {
  csrf: string;
  action: string;
  token: string;
  email: string;
  name: string;
  organization: string;
  errors: Record<string, string>;
}

/** invitation.eta: join an organization, creating an account or signing in. */
export interface InvitationView {
  csrf: string;
  action: string;
  token: string;
  organization: string;
  role: string;
  email: string;
  name: string;
  accountExists: boolean;
  signInUrl: string;
  errors: Record<string, string>;
}

/** link-notice.eta: a link that can't be used, and what to do next. */
export interface LinkNoticeView {
  title: string;
  message: string;
  next: string;
  linkUrl: string | null;
  linkLabel: string | null;
}

const setupProblemText: Record<SetupProblem, Omit<LinkNoticeView, 'linkUrl' | 'linkLabel'>> = {
  done: {
    title: 'Setup is already done',
    message: 'This server already has an administrator, so the setup link no longer does anything.',
    next: 'Sign in to the console. If you have lost the administrator account, an operator can create another with `latchkey users create --admin`.',
  },
  used: {
    title: 'Setup link already used',
    message: 'This setup link was used once and can not be used again.',
    next: 'Sign in to the console, or restart the server (`latchkey start`) to print a new link while it has no administrator.',
  },
  expired: {
    title: 'Setup link expired',
    message: 'Setup links are valid for 24 hours, and this one is older.',
    next: 'Restart the server (`latchkey start`): while it has no administrator, it prints a new setup link.',
  },
  unknown: {
    title: 'Unknown setup link',
    message: 'This is not a setup link this server issued. Check that you copied the whole link.',
    next: 'Restart the server (`latchkey start`): while it has no administrator, it prints a new setup link.',
  },
};

const invitationProblemText: Record<InvitationProblem, Omit<LinkNoticeView, 'linkUrl' | 'linkLabel'>> = {
  used: {
    title: 'Invitation already accepted',
    message: 'This invitation was accepted already and can not be used again.',
    next: 'Sign in to the console with the account that accepted it.',
  },
  expired: {
    title: 'Invitation expired',
    message: 'Invitations are valid for 7 days, and this one is older.',
    next: 'Ask an owner or admin of the organization to invite you again.',
  },
  revoked: {
    title: 'Invitation withdrawn',
    message: 'The organization withdrew this invitation.',
    next: 'Ask an owner or admin of the organization if you should have access.',
  },
  unknown: {
    title: 'Unknown invitation',
    message: 'This is not an invitation this server issued. Check that you copied the whole link.',
    next: 'Ask whoever invited you to send the invitation again.',
  },
};

const forgedText = 'The form expired (CSRF check failed). Reload the page and try again.';

/** One of these pages, never cached (RFC 9700 §4.16). */
function page(
  template: 'setup' | 'invitation' | 'link-notice',
  view: SetupView | InvitationView | LinkNoticeView,
  status: number,
  cookies: CookieInstruction[] = [],
): ProtocolResponse {
  return { kind: 'page', status, page: { template, data: { ...view } }, headers: { 'cache-control': 'no-store' }, cookies };
}

function fieldErrors(problems: readonly FieldProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) errors[problem.field] ??= problem.message;
  return errors;
}

/**
 * The first-run setup page and the invitation page: server-rendered forms reached through a
 * single-use link, with a CSRF token bound to the browser and to the link.
 */
export class SetupPages {
  readonly #deps: SetupPagesDependencies;

  constructor(deps: SetupPagesDependencies) {
    this.#deps = deps;
  }

  #binding(request: ProtocolRequest): { value: string; cookies: CookieInstruction[] } {
    const existing = request.cookies[this.#deps.bindingCookie.name];
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return { value: existing, cookies: [] };
    const value = randomId(24);
    return { value, cookies: [{ name: this.#deps.bindingCookie.name, value, path: this.#deps.bindingCookie.path, maxAgeSeconds: 3600 }] };
  }

  #csrf(purpose: string, token: string, binding: string): string {
    return csrfToken(this.#deps.csrfKey, `${purpose}:${accountTokenHash(token)}`, binding);
  }

  #csrfValid(purpose: string, token: string, request: ProtocolRequest): boolean {
    return csrfValid(this.#deps.csrfKey, `${purpose}:${accountTokenHash(token)}`, request.cookies[this.#deps.bindingCookie.name], request.body);
  }

  #notice(text: Omit<LinkNoticeView, 'linkUrl' | 'linkLabel'>, status: number, signIn: boolean): ProtocolResponse {
    const view: LinkNoticeView = { ...text, linkUrl: signIn ? this.#deps.urls.consoleLogin : null, linkLabel: signIn ? 'Sign in to the console' : null };
    return page('link-notice', view, status);
  }

  #setupProblem(problem: SetupProblem): ProtocolResponse {
    const status = problem === 'unknown' ? 404 : 410;
    return this.#notice(setupProblemText[problem], problem === 'done' ? 409 : status, problem === 'done' || problem === 'used');
  }

  #setupForm(request: ProtocolRequest, token: string, values: Partial<SetupView>, status = 200, errors: Record<string, string> = {}): ProtocolResponse {
    const binding = this.#binding(request);
    const view: SetupView = {
      csrf: this.#csrf('setup', token, binding.value),
      action: this.#deps.urls.setup,
      token,
      email: values.email ?? '',
      name: values.name ?? '',
      organization: values.organization ?? '',
      errors,
    };
    return page('setup', view, status, binding.cookies);
  }

  /** GET /console/setup?token=...: the form, or why the link does nothing. */
  async showSetup(request: ProtocolRequest): Promise<ProtocolResponse> {
    const token = param(request.query, 'token') ?? '';
    const problem = await this.#deps.firstRun.check(token);
    if (problem) return this.#setupProblem(problem);
    return this.#setupForm(request, token, {});
  }

  /** POST /console/setup: creates the first administrator and organization, signs them in, and goes to the console (303). */
  async submitSetup(request: ProtocolRequest): Promise<ProtocolResponse> {
    const token = param(request.body, 'token') ?? '';
    const values = {
      email: param(request.body, 'email') ?? '',
      name: param(request.body, 'name') ?? '',
      organization: param(request.body, 'organization') ?? '',
    };
    const password = request.body.get('password')?.[0] ?? '';
    const problem = await this.#deps.firstRun.check(token);
    if (problem) return this.#setupProblem(problem);
    if (!this.#csrfValid('setup', token, request)) return this.#setupForm(request, token, values, 403, { form: forgedText });
    let outcome;
    try {
      outcome = await this.#deps.firstRun.complete(token, { ...values, password });
    } catch (error) {
      if (isDomainError(error) && error.kind === 'validation') return this.#setupForm(request, token, values, 400, fieldErrors(error.problems));
      throw error;
    }
    if (!outcome.ok) return this.#setupProblem(outcome.problem);
    return this.#signedIn(request, outcome.result.user.id);
  }

  async #signedIn(request: ProtocolRequest, userId: string): Promise<ProtocolResponse> {
    const started = await this.#deps.engine.startSession(request, { userId, amr: ['pwd'], authTime: this.#deps.now(), acr: null });
    return seeOther(this.#deps.urls.console, started ? started.cookies : []);
  }

  #invitationProblem(problem: InvitationProblem): ProtocolResponse {
    return this.#notice(invitationProblemText[problem], problem === 'unknown' ? 404 : 410, problem === 'used');
  }

  #invitationPage(
    request: ProtocolRequest,
    token: string,
    open: { organization: { displayName: string; id: string }; invitation: { email: string; role: string }; accountExists: boolean },
    name: string,
    status = 200,
    errors: Record<string, string> = {},
  ): ProtocolResponse {
    const binding = this.#binding(request);
    const signIn = new URL(this.#deps.urls.consoleLogin);
    signIn.searchParams.set('organization', open.organization.id);
    signIn.searchParams.set('invitation', token);
    signIn.searchParams.set('login_hint', open.invitation.email);
    const view: InvitationView = {
      csrf: this.#csrf('invitation', token, binding.value),
      action: this.#deps.urls.invitation,
      token,
      organization: open.organization.displayName,
      role: open.invitation.role,
      email: open.invitation.email,
      name,
      accountExists: open.accountExists,
      signInUrl: signIn.toString(),
      errors,
    };
    return page('invitation', view, status, binding.cookies);
  }

  /** GET /console/invitation?token=...: create an account for the invited address, or sign in, to join. */
  async showInvitation(request: ProtocolRequest): Promise<ProtocolResponse> {
    const token = param(request.query, 'token') ?? '';
    const opened = await this.#deps.invitations.open(token);
    if (!opened.ok) return this.#invitationProblem(opened.problem);
    return this.#invitationPage(request, token, opened.open, '');
  }

  /** POST /console/invitation: creates the invitee's account, makes them a member, signs them in (303 to the console). */
  async submitInvitation(request: ProtocolRequest): Promise<ProtocolResponse> {
    const token = param(request.body, 'token') ?? '';
    const name = param(request.body, 'name') ?? '';
    const opened = await this.#deps.invitations.open(token);
    if (!opened.ok) return this.#invitationProblem(opened.problem);
    if (!this.#csrfValid('invitation', token, request)) return this.#invitationPage(request, token, opened.open, name, 403, { form: forgedText });
    let outcome;
    try {
      outcome = await this.#deps.invitations.createAccount(token, { name, password: request.body.get('password')?.[0] ?? '' });
    } catch (error) {
      if (isDomainError(error) && error.kind === 'validation') return this.#invitationPage(request, token, opened.open, name, 400, fieldErrors(error.problems));
      if (isDomainError(error) && error.kind === 'conflict') {
        return this.#invitationPage(request, token, { ...opened.open, accountExists: true }, name, 409, { form: error.message });
      }
      throw error;
    }
    if (!outcome.ok) return this.#invitationProblem(outcome.problem);
    return this.#signedIn(request, outcome.user.id);
  }
}
