import { generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import type { TotpFactorRecord } from '../../ports/second-factor-repositories.js';
import type { SecretSealer } from '../../ports/secret-sealer.js';
import type { Storage } from '../../ports/storage.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { randomId, secureRandomBytes } from '../../shared/random.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type Change } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { queueMail } from '../mail/outgoing-mail.js';

/** How a second factor is proven: an authenticator app's code, a passkey, or a recovery code. */
export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

/** A kind of second factor kept elsewhere (passkeys): whether a user has one. */
export interface SecondFactorSource {
  method: Exclude<SecondFactorMethod, 'recovery_code'>;
  enrolled(userId: string): Promise<boolean>;
}

export interface SecondFactorDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  sealer: SecretSealer;
  /** Keys the digests of recovery codes. */
  codeHasher: SecretHasher;
  limiter: RateLimiter;
  /** The name authenticator apps show for the account (the server's name). */
  issuerName: string;
  sources?: readonly SecondFactorSource[];
}

export type FactorCheck = { ok: true } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** RFC 6238 §5.2: one time step either side of now absorbs clock drift and the time it takes to type. */
const toleranceSeconds = 30;
export const recoveryCodeCount = 10;
/** 10 characters of a 32-letter alphabet: 50 bits each, and every guess is throttled. */
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * Codes per user: five wrong ones free, then a doubling wait up to 15 minutes, so a six-digit
 * code can't be guessed in its window and the real user is never locked out for long.
 */
const codeRule: RateRule = { windowMs: 15 * 60_000, freeAttempts: 5, backoff: { baseMs: 2000, maxMs: 15 * 60_000 } };

function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function newRecoveryCode(): string {
  const bytes = secureRandomBytes(10);
  const letters = [...bytes].map((byte) => recoveryAlphabet[byte % recoveryAlphabet.length]).join('');
  return `${letters.slice(0, 5)}-${letters.slice(5)}`;
}

function factorChange(userId: string, type: 'mfa.enrolled' | 'mfa.removed', method: string, changes: Record<string, string> = {}): Change {
  return serverChange({ type, userId, method }, { action: type, targetType: 'user', targetId: userId, changes: { method, ...changes } });
}

/**
 * Second factors of an account: authenticator apps (TOTP, RFC 6238) with their secret sealed at
 * rest, each code accepted once; recovery codes, ten at a time, stored as keyed digests and each
 * used once; and what other kinds (passkeys) report. Every check is throttled per user.
 */
export class SecondFactors {
  readonly #deps: SecondFactorDependencies;

  constructor(deps: SecondFactorDependencies) {
    this.#deps = deps;
  }

  /** The methods the user can prove a second factor with, in the order the page offers them. */
  async methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    const methods: SecondFactorMethod[] = [];
    if ((await this.listTotp(userId)).some((factor) => factor.confirmedAt !== null)) methods.push('totp');
    for (const source of this.#deps.sources ?? []) {
      if (await source.enrolled(userId)) methods.push(source.method);
    }
    if (methods.length > 0 && (await this.#deps.storage.recoveryCodes.countUnused(userId)) > 0) methods.push('recovery_code');
    return methods;
  }

  listTotp(userId: string): Promise<TotpFactorRecord[]> {
    return this.#deps.storage.totpFactors.listForUser(userId);
  }

  recoveryCodesLeft(userId: string): Promise<number> {
    return this.#deps.storage.recoveryCodes.countUnused(userId);
  }

  /** Whether an organization the user is a member of asks its members for a second factor. */
  async requiredByOrganization(userId: string): Promise<boolean> {
    return this.#deps.storage.organizations.anyRequiresMfa(userId);
  }

  /**
   * Starts enrolling an authenticator app: a new secret, sealed and stored unconfirmed (an
   * unfinished enrollment of the user is replaced). The secret and its otpauth URI go to the user
   * once, to type or scan.
   */
  async startTotp(userId: string, accountLabel: string, name = 'Authenticator app'): Promise<{ factorId: string; secret: string; uri: string }> {
    const { storage, clock, sealer, issuerName } = this.#deps;
    const secret = generateSecret({ length: 20 });
    await storage.totpFactors.deleteUnconfirmed(userId);
    const factorId = `totp_${randomId(12)}`;
    await storage.totpFactors.insert({
      id: factorId,
      userId,
      name: name.trim().slice(0, 60) || 'Authenticator app',
      sealedSecret: await sealer.seal(secret),
      lastStep: null,
      createdAt: clock.now(),
      confirmedAt: null,
      lastUsedAt: null,
    });
    return { factorId, secret, uri: generateURI({ issuer: issuerName, label: accountLabel, secret }) };
  }

  /** The key of an enrollment not confirmed yet, to show again after a wrong first code; undefined when there is none. */
  async pendingTotp(userId: string, factorId: string): Promise<{ factorId: string; secret: string; uri: string } | undefined> {
    const factor = await this.#deps.storage.totpFactors.get(factorId);
    if (!factor || factor.userId !== userId || factor.confirmedAt !== null) return undefined;
    const user = await this.#deps.storage.users.get(userId);
    const secret = await this.#deps.sealer.open(factor.sealedSecret);
    return { factorId, secret, uri: generateURI({ issuer: this.#deps.issuerName, label: user?.email ?? userId, secret }) };
  }

  /**
   * Confirms an enrollment with a first code from the app. The first factor of an account comes
   * with ten recovery codes, returned once; later ones keep the codes the user has.
   */
  async confirmTotp(
    context: RequestContext,
    userId: string,
    input: { factorId: string; code: string; ip: string },
  ): Promise<FactorCheck & { recoveryCodes?: string[] }> {
    const { storage, clock } = this.#deps;
    const factor = await storage.totpFactors.get(input.factorId);
    if (!factor || factor.userId !== userId || factor.confirmedAt !== null) return { ok: false, reason: 'invalid' };
    const admitted = await this.#admit(userId, input.ip);
    if (!admitted.ok) return admitted;
    const step = await this.#matchingStep(factor, input.code);
    if (step === null) return { ok: false, reason: 'invalid' };
    const name = factor.name;
    const firstFactor = (await this.methodsOf(userId)).length === 0;
    const user = await storage.users.get(userId);
    const now = clock.now();
    const codes = firstFactor ? Array.from({ length: recoveryCodeCount }, newRecoveryCode) : undefined;
    const confirmed = await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.totpFactors.confirm(factor.id, userId, step, now))) return { result: false, changes: [] };
      if (codes)
        await tx.recoveryCodes.replace(
          userId,
          codes.map((code) => this.#digest(code)),
          now,
        );
      if (user) await this.#mailChange(tx, user, 'Two-step verification with an authenticator app was turned on.', now);
      return { result: true, changes: [factorChange(userId, 'mfa.enrolled', 'totp', { name })] };
    });
    if (!confirmed) return { ok: false, reason: 'invalid' };
    await this.#deps.limiter.reset(this.#limitKey(userId));
    return { ok: true, ...(codes ? { recoveryCodes: codes } : {}) };
  }

  /** Checks a code of one of the user's authenticator apps; a code is accepted once. */
  async verifyTotp(userId: string, code: string, ip: string): Promise<FactorCheck> {
    const admitted = await this.#admit(userId, ip);
    if (!admitted.ok) return admitted;
    const now = this.#deps.clock.now();
    for (const factor of await this.listTotp(userId)) {
      if (factor.confirmedAt === null) continue;
      const step = await this.#matchingStep(factor, code);
      // The conditional write refuses a step at or before the last one used: a replayed code.
      if (step !== null && (await this.#deps.storage.totpFactors.acceptStep(factor.id, step, now))) {
        await this.#deps.limiter.reset(this.#limitKey(userId));
        return { ok: true };
      }
    }
    return { ok: false, reason: 'invalid' };
  }

  /** Uses one of the user's recovery codes. */
  async useRecoveryCode(userId: string, code: string, ip: string): Promise<FactorCheck & { left?: number }> {
    const admitted = await this.#admit(userId, ip);
    if (!admitted.ok) return admitted;
    const normalized = normalizeRecoveryCode(code);
    if (
      normalized.length !== 10 ||
      !(await this.#deps.codeHasher.find(
        (digest) => this.#deps.storage.recoveryCodes.consume(userId, digest, this.#deps.clock.now()),
        (hasher) => hasher.hash(`recovery:${normalized}`),
      ))
    ) {
      return { ok: false, reason: 'invalid' };
    }
    await this.#deps.limiter.reset(this.#limitKey(userId));
    return { ok: true, left: await this.recoveryCodesLeft(userId) };
  }

  /** A new set of recovery codes, returned once; the old set stops working. */
  async regenerateRecoveryCodes(context: RequestContext, userId: string): Promise<string[]> {
    if ((await this.methodsOf(userId)).length === 0) {
      throw new DomainError('validation', 'recovery codes come with a second factor: set one up first');
    }
    const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
    const now = this.#deps.clock.now();
    await commitChange(this.#deps, context, async (tx) => {
      await tx.recoveryCodes.replace(
        userId,
        codes.map((code) => this.#digest(code)),
        now,
      );
      const audit = { action: 'mfa.recovery_codes_generated', targetType: 'user', targetId: userId, changes: { count: codes.length } };
      return { result: undefined, changes: [serverChange({ type: 'mfa.recovery_codes_generated', userId }, audit)] };
    });
    return codes;
  }

  /** Removes one of the user's authenticator apps; with the last factor gone, the recovery codes go too. */
  async removeTotp(context: RequestContext, userId: string, factorId: string): Promise<void> {
    const user = await this.#deps.storage.users.get(userId);
    const factor = await this.#deps.storage.totpFactors.get(factorId);
    if (!user || !factor || factor.userId !== userId) throw DomainError.notFound('authenticator app');
    const now = this.#deps.clock.now();
    await commitChange(this.#deps, context, async (tx) => {
      await tx.totpFactors.delete(factorId, userId);
      if (factor.confirmedAt === null) return { result: undefined, changes: [] };
      await this.#dropCodesWithoutFactors(tx, userId);
      await this.#mailChange(tx, user, `The authenticator app "${factor.name}" was removed from two-step verification.`, now);
      return { result: undefined, changes: [factorChange(userId, 'mfa.removed', 'totp', { name: factor.name })] };
    });
  }

  /**
   * Removes every second factor of a user (a server administrator, for a lost phone); the user is
   * told by mail. `removeOthers` removes what other sources keep (passkeys) in the same transaction.
   */
  async reset(context: RequestContext, userId: string, removeOthers: (tx: Storage) => Promise<number> = () => Promise.resolve(0)): Promise<number> {
    const user = await this.#deps.storage.users.get(userId);
    if (!user) throw DomainError.notFound('user');
    const now = this.#deps.clock.now();
    return commitChange(this.#deps, context, async (tx) => {
      const removed = (await tx.totpFactors.deleteForUser(userId)) + (await removeOthers(tx));
      await tx.recoveryCodes.deleteForUser(userId);
      await this.#mailChange(tx, user, 'An administrator removed the second factors of your account. Set one up again at your next sign-in.', now);
      const audit = { action: 'mfa.reset', targetType: 'user', targetId: userId, changes: { removed } };
      return { result: removed, changes: [serverChange({ type: 'mfa.reset', userId }, audit)] };
    });
  }

  async #dropCodesWithoutFactors(tx: Storage, userId: string): Promise<void> {
    const totp = (await tx.totpFactors.listForUser(userId)).some((factor) => factor.confirmedAt !== null);
    let others = false;
    for (const source of this.#deps.sources ?? []) others ||= await source.enrolled(userId);
    if (!totp && !others) await tx.recoveryCodes.deleteForUser(userId);
  }

  async #mailChange(tx: Storage, user: { email: string; name: string }, change: string, now: number): Promise<void> {
    await queueMail(tx.outbox, { to: user.email, template: 'second-factor-changed', variables: { name: user.name, change }, organization: null }, now);
  }

  /** The time step a code is valid for, or null; a step at or before the factor's last one is a replay. */
  async #matchingStep(factor: TotpFactorRecord, code: string): Promise<number | null> {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return null;
    const secret = await this.#deps.sealer.open(factor.sealedSecret);
    const result = await verify({
      secret,
      token,
      epoch: Math.floor(this.#deps.clock.now() / 1000),
      epochTolerance: toleranceSeconds,
      ...(factor.lastStep !== null ? { afterTimeStep: factor.lastStep } : {}),
    });
    // The functional API answers for HOTP and TOTP alike; only a TOTP result has a time step.
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }

  #limitKey(userId: string): string {
    return `second-factor:user:${userId}`;
  }

  async #admit(userId: string, ip: string): Promise<FactorCheck> {
    const now = this.#deps.clock.now();
    const decision = await this.#deps.limiter.reserve(
      [
        { key: this.#limitKey(userId), rule: codeRule },
        { key: `second-factor:ip:${ip}`, rule: { windowMs: 15 * 60_000, freeAttempts: 50 } },
      ],
      now,
    );
    return decision.allowed ? { ok: true } : { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((decision.retryAt - now) / 1000)) };
  }

  #digest(code: string): string {
    return this.#deps.codeHasher.hash(`recovery:${normalizeRecoveryCode(code)}`);
  }
}
