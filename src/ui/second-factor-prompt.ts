import QRCode from 'qrcode';
import type { RequestContext } from '../domain/audit/audit-log.js';
import type { SecondFactors } from '../domain/identity/second-factors.js';
import type { UserDirectory } from '../ports/directories.js';
import type { InteractionLogin } from '../ports/oauth-repositories.js';
import type { InteractionEngine, SignInOutcome } from '../protocol/interaction/engine.js';
import type { LoginAttempt, LoginMethod } from '../protocol/interaction/login-method.js';
import type { CodeCredentials } from '../protocol/interaction/second-factor-login.js';
import { param, type ParameterBag, type ProtocolResponse } from '../protocol/messages.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { constantTimeEqual } from '../shared/constant-time.js';
import { secondFactorText, signInText } from './text.js';
import { pageResponse, type SecondFactorView } from './views.js';

export interface SecondFactorPromptDependencies {
  secondFactors: SecondFactors;
  users: Pick<UserDirectory, 'getUser'>;
  /** Keys the proof that an enrollment was confirmed on this page, carried by the recovery codes form. */
  csrfKey: SecretHasher;
  methods: { totp: LoginMethod<CodeCredentials>; recoveryCode: LoginMethod<CodeCredentials> };
}

/** Where a second-factor page sits: its forms' targets, its CSRF token and what it says. */
export interface SecondFactorPlace {
  /** Binds the enrollment proof to this interaction (its uid, or the device interaction's). */
  bindingId: string;
  csrf: string;
  clientName: string;
  logoUri: string | null;
  codeAction: string;
  enrollAction: string;
  continueAction: string;
  /** Where Cancel posts; null when the page has no Cancel (the device page denies on its confirmation). */
  abortAction: string | null;
  /** Who asks for the second factor when one is required (the app, an organization); null when the account itself has one. */
  requiredBy: string | null;
  /**
   * `sign-in`: a sign-in waits for its second factor, and an app may be set up only by a user who
   * has no second factor yet (one who has must prove it); `account`: a signed-in user adds another.
   */
  purpose: 'sign-in' | 'account';
}

/** A second factor proven: the login of both factors. Otherwise the page again with a message. */
export type SecondFactorResult = { ok: true; login: InteractionLogin } | { ok: false; response: ProtocolResponse };

interface EnrollmentProof {
  userId: string;
  factorId: string;
  proof: string;
  bindingId: string;
}

/**
 * The second-factor step of the hosted pages, for the authorization and the device flow alike:
 * a challenge with the methods the user has (an authenticator app's code, a recovery code, and
 * what other methods add), or, when a second factor is required and the user has none, the
 * enrollment of an authenticator app (QR code and key, confirmed by a first code) followed by
 * the recovery codes, shown once.
 */
export class SecondFactorPrompt {
  readonly #deps: SecondFactorPromptDependencies;
  readonly #engine: Pick<InteractionEngine, 'proveSecondFactor'>;
  /** Proves an enrollment confirmed on this page: the form that follows the recovery codes carries the proof. */
  readonly #enrolled: LoginMethod<EnrollmentProof>;

  constructor(deps: SecondFactorPromptDependencies, engine: Pick<InteractionEngine, 'proveSecondFactor'>) {
    this.#deps = deps;
    this.#engine = engine;
    this.#enrolled = {
      id: 'totp',
      amr: 'otp',
      authenticate: async ({ userId, factorId, proof, bindingId }): Promise<LoginAttempt> => {
        const factor = await deps.secondFactors.listTotp(userId).then((factors) => factors.find((candidate) => candidate.id === factorId));
        const user = await deps.users.getUser(userId);
        if (!factor || factor.confirmedAt === null || !user || !constantTimeEqual(proof, this.#proofOf(bindingId, userId, factorId))) {
          return { kind: 'refused', reason: 'invalid' };
        }
        if (user.disabledAt !== null) return { kind: 'refused', reason: 'disabled' };
        return { kind: 'authenticated', user, amr: ['otp'], acr: null };
      },
    };
  }

  /** The page for a pending login: the challenge, or the enrollment when the user has no second factor. */
  async page(pending: InteractionLogin, place: SecondFactorPlace, status = 200, error: string | null = null): Promise<ProtocolResponse> {
    const methods = await this.#deps.secondFactors.methodsOf(pending.userId);
    if (methods.length > 0) {
      const reason = place.requiredBy ? secondFactorText.required(place.requiredBy) : secondFactorText.signIn;
      return this.#render(place, { kind: 'challenge', methods, codeAction: place.codeAction }, reason, status, error);
    }
    const user = await this.#deps.users.getUser(pending.userId);
    return this.#enrollPage(place, await this.#deps.secondFactors.startTotp(pending.userId, user?.email ?? pending.userId), status, error);
  }

  /** The enrollment of an authenticator app, asked for by the user (the account page) rather than required. */
  async enrollPage(userId: string, place: SecondFactorPlace, reason: string): Promise<ProtocolResponse> {
    const user = await this.#deps.users.getUser(userId);
    return this.#enrollPage(place, await this.#deps.secondFactors.startTotp(userId, user?.email ?? userId), 200, null, reason);
  }

  /** A new set of recovery codes, shown once, with a form that goes on. */
  recoveryCodesPage(codes: string[], place: SecondFactorPlace): ProtocolResponse {
    return this.#render(place, { kind: 'recovery_codes', codes, factorId: '', proof: '', action: place.continueAction }, '', 200, null);
  }

  async #enrollPage(
    place: SecondFactorPlace,
    enrollment: { factorId: string; secret: string; uri: string },
    status: number,
    error: string | null,
    reason = place.requiredBy ? secondFactorText.enrollRequired(place.requiredBy) : secondFactorText.enrollOnAccount,
  ): Promise<ProtocolResponse> {
    const qrCode = `data:image/svg+xml;base64,${Buffer.from(await QRCode.toString(enrollment.uri, { type: 'svg', margin: 1 })).toString('base64')}`;
    const step = { kind: 'enroll' as const, factorId: enrollment.factorId, secret: enrollment.secret, qrCode, action: place.enrollAction };
    return this.#render(place, step, reason, status, error);
  }

  /** A code typed on the challenge: the authenticator app's or a recovery code. */
  async prove(
    pending: InteractionLogin,
    body: ParameterBag,
    place: SecondFactorPlace,
    context: { ip: string; clientId: string | null },
  ): Promise<SecondFactorResult> {
    const code = param(body, 'code') ?? '';
    const recovery = param(body, 'method') === 'recovery_code';
    if (!code.trim()) return { ok: false, response: await this.page(pending, place, 400, secondFactorText.missingCode) };
    const method = recovery ? this.#deps.methods.recoveryCode : this.#deps.methods.totp;
    const outcome = await this.#engine.proveSecondFactor(method, { userId: pending.userId, code }, pending, context);
    return this.#result(outcome, pending, place, recovery ? secondFactorText.wrongRecoveryCode : secondFactorText.wrongCode);
  }

  /** The first code of an app being enrolled: it turns two-step verification on and shows the recovery codes. */
  async confirmEnrollment(
    pending: InteractionLogin,
    body: ParameterBag,
    place: SecondFactorPlace,
    context: RequestContext & { ip: string },
  ): Promise<ProtocolResponse> {
    const factorId = param(body, 'factor_id') ?? '';
    const code = param(body, 'code') ?? '';
    // Setting up a new app is no way around the second factor a user already has.
    if (place.purpose === 'sign-in' && (await this.#deps.secondFactors.methodsOf(pending.userId)).length > 0) {
      return this.page(pending, place, 400, secondFactorText.wrongCode);
    }
    const confirmed = await this.#deps.secondFactors.confirmTotp(context, pending.userId, { factorId, code, ip: context.ip });
    if (!confirmed.ok) {
      if (confirmed.reason === 'throttled') {
        const again = await this.#deps.secondFactors.pendingTotp(pending.userId, factorId);
        const message = signInText.throttled(confirmed.retryAfterSeconds);
        const page = again ? await this.#enrollPage(place, again, 429, message) : await this.page(pending, place, 429, message);
        return { ...page, headers: { 'cache-control': 'no-store', 'retry-after': String(confirmed.retryAfterSeconds) } };
      }
      // The key the user already added to their app stays on the page while its enrollment is unconfirmed.
      const again = await this.#deps.secondFactors.pendingTotp(pending.userId, factorId);
      return again ? this.#enrollPage(place, again, 400, secondFactorText.wrongCode) : this.page(pending, place, 400, secondFactorText.wrongCode);
    }
    const proof = this.#proofOf(place.bindingId, pending.userId, factorId);
    const step = { kind: 'recovery_codes' as const, codes: confirmed.recoveryCodes ?? [], factorId, proof, action: place.continueAction };
    return this.#render(place, step, '', 200, null);
  }

  /** Past the recovery codes: the enrollment counts as the second factor of this sign-in. */
  async continueAfterEnrollment(
    pending: InteractionLogin,
    body: ParameterBag,
    place: SecondFactorPlace,
    context: { ip: string; clientId: string | null },
  ): Promise<SecondFactorResult> {
    const credentials = { userId: pending.userId, factorId: param(body, 'factor_id') ?? '', proof: param(body, 'proof') ?? '', bindingId: place.bindingId };
    const outcome = await this.#engine.proveSecondFactor(this.#enrolled, credentials, pending, context);
    return this.#result(outcome, pending, place, secondFactorText.wrongCode);
  }

  async #result(outcome: SignInOutcome, pending: InteractionLogin, place: SecondFactorPlace, wrong: string): Promise<SecondFactorResult> {
    if (outcome.kind === 'authenticated') return { ok: true, login: outcome.login };
    if (outcome.kind === 'throttled') {
      const page = await this.page(pending, place, 429, signInText.throttled(outcome.retryAfterSeconds));
      return { ok: false, response: { ...page, headers: { 'cache-control': 'no-store', 'retry-after': String(outcome.retryAfterSeconds) } } };
    }
    const disabled = outcome.kind === 'refused' && outcome.reason === 'disabled';
    return { ok: false, response: await this.page(pending, place, disabled ? 403 : 401, disabled ? secondFactorText.disabled : wrong) };
  }

  #render(place: SecondFactorPlace, step: SecondFactorView['step'], reason: string, status: number, error: string | null): ProtocolResponse {
    const view: SecondFactorView = {
      csrf: place.csrf,
      clientName: place.clientName,
      logoUri: place.logoUri,
      error,
      abortAction: place.abortAction,
      reason,
      step,
    };
    return pageResponse({ template: 'second-factor', view }, status);
  }

  #proofOf(bindingId: string, userId: string, factorId: string): string {
    return this.#deps.csrfKey.hash(`second-factor-enrolled:${bindingId}:${userId}:${factorId}`);
  }
}
