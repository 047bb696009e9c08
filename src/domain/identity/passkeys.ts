import type * as WebAuthnLibrary from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import type { AccountTokenPurpose } from '../../ports/account-tokens.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { PasskeyDeviceType, PasskeyRecord } from '../../ports/passkey-repository.js';
import type { Storage } from '../../ports/storage.js';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { base64url } from '../../shared/encoding.js';
import { randomId } from '../../shared/random.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { accountLinkLifetimeMs, accountTokenHash } from './account-links.js';
import type { SecondFactorSource } from './second-factors.js';

/** The WebAuthn library, loaded on the first passkey ceremony: most servers never hold one, and it is large. */
let webAuthnLibrary: Promise<typeof WebAuthnLibrary> | undefined;
const webAuthn = () => (webAuthnLibrary ??= import('@simplewebauthn/server'));

/**
 * The WebAuthn relying party Latchkey is: its id is the issuer's host name and its origin the
 * issuer's origin (WebAuthn Level 2 §5.1.3, §13.4.9), so a passkey works only as long as the issuer
 * keeps its host.
 */
export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

export function relyingPartyOf(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, name, origin: url.origin };
}

/** WebAuthn Level 2 §5.1.4.1: an RP ID is a domain; browsers refuse an IP address (an issuer such as http://127.0.0.1:3000). */
export function passkeysPossible(relyingParty: RelyingParty): boolean {
  return !/^(\d{1,3}\.){3}\d{1,3}$/.test(relyingParty.id) && !relyingParty.id.startsWith('[');
}

/** Passkeys as a second factor: a user who has one proves it after a password, as with an authenticator app. */
export function passkeySecondFactor(storage: Pick<Storage, 'passkeys'>): SecondFactorSource {
  return { method: 'passkey', enrolled: async (userId) => (await storage.passkeys.listForUser(userId)).length > 0 };
}

export interface PasskeyServiceDependencies extends ChangeDependencies {
  relyingParty: RelyingParty;
}

/** A passkey proved who the user is: the passkey, and whether the authenticator verified the user (PIN, biometrics). */
export interface PasskeyAssertion {
  passkey: PasskeyRecord;
  userVerified: boolean;
}

/**
 * What a challenge is for: a registration by `userId`, or a sign-in for `userId` (a second factor)
 * or for anyone (passwordless, `userId` null) on the page `binding` names.
 */
export interface ChallengeBinding {
  userId: string | null;
  binding: string;
}

/**
 * RFC 8176 §2: `hwk` for a key bound to one device, `swk` for a synced one; `user` when the
 * authenticator verified the user. A passwordless sign-in with user verification is two factors
 * at once (something you have and something you know or are), so it adds `mfa`; one without
 * user verification is a single factor.
 */
export function passkeyAmr(deviceType: PasskeyDeviceType, userVerified: boolean, passwordless: boolean): string[] {
  const amr = [deviceType === 'singleDevice' ? 'hwk' : 'swk'];
  if (userVerified) amr.push('user');
  if (userVerified && passwordless) amr.push('mfa');
  return amr;
}

const base64urlText = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/);

const registrationResponse = z.looseObject({
  id: base64urlText.min(1),
  rawId: base64urlText.min(1),
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: base64urlText, attestationObject: base64urlText, transports: z.array(z.string().max(32)).max(10).optional() }),
  clientExtensionResults: z.looseObject({}),
});

const authenticationResponse = z.looseObject({
  id: base64urlText.min(1),
  rawId: base64urlText.min(1),
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: base64urlText, authenticatorData: base64urlText, signature: base64urlText, userHandle: base64urlText.optional() }),
  clientExtensionResults: z.looseObject({}),
});

/** A ceremony's answer as the browser posted it (JSON text); undefined when it can't be one. */
function parseResponse<T>(schema: z.ZodType, text: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as T) : undefined;
  } catch {
    return undefined;
  }
}

const nameSchema = z.string().trim().min(1, { error: 'must not be empty' }).max(64, { error: 'must be at most 64 characters' });

function parseName(name: string): string {
  const parsed = nameSchema.safeParse(name);
  if (!parsed.success) throw DomainError.validation([{ field: 'passkeyName', message: parsed.error.issues[0]?.message ?? 'is not valid' }]);
  return parsed.data;
}

/** How long a browser has for the ceremony once it has the options. */
const ceremonyTimeoutMs = accountLinkLifetimeMs.passkey_authentication;

/**
 * Passkeys (WebAuthn Level 2): registering them on the account page, signing in with them, and
 * renaming and removing them. Each challenge is single use and server side: only its SHA-256
 * digest is stored, consumed atomically when the answer comes back, and valid five minutes.
 */
export class PasskeyService {
  readonly #deps: PasskeyServiceDependencies;

  constructor(deps: PasskeyServiceDependencies) {
    this.#deps = deps;
  }

  get relyingParty(): RelyingParty {
    return this.#deps.relyingParty;
  }

  list(userId: string): Promise<PasskeyRecord[]> {
    return this.#deps.storage.passkeys.listForUser(userId);
  }

  async #storeChallenge(challenge: string, purpose: AccountTokenPurpose, bound: ChallengeBinding): Promise<void> {
    const now = this.#deps.clock.now();
    await this.#deps.storage.accountTokens.insert({
      tokenHash: accountTokenHash(challenge),
      purpose,
      userId: bound.userId,
      email: null,
      data: { binding: bound.binding },
      createdAt: now,
      expiresAt: now + accountLinkLifetimeMs[purpose],
      usedAt: null,
    });
  }

  /** The check simplewebauthn runs on the challenge the browser signed: ours, unused, unexpired, for this purpose and binding. */
  #challengeCheck(purpose: AccountTokenPurpose, bound: ChallengeBinding): (challenge: string) => Promise<boolean> {
    return async (challenge) => {
      const token = await this.#deps.storage.accountTokens.consume(accountTokenHash(challenge), purpose, this.#deps.clock.now());
      const binding = token?.data['binding'];
      return token !== undefined && token.userId === bound.userId && typeof binding === 'string' && constantTimeEqual(binding, bound.binding);
    };
  }

  /** The options of navigator.credentials.create() for a new passkey of `user` (WebAuthn Level 2 §5.4). */
  async registrationOptions(user: UserRecord, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { relyingParty } = this.#deps;
    const existing = await this.list(user.id);
    const options = await (
      await webAuthn()
    ).generateRegistrationOptions({
      rpID: relyingParty.id,
      rpName: relyingParty.name,
      userID: new TextEncoder().encode(user.id),
      userName: user.email,
      userDisplayName: user.name || user.email,
      timeout: ceremonyTimeoutMs,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.#storeChallenge(options.challenge, 'passkey_registration', { userId: user.id, binding });
    return options;
  }

  /** Verifies a registration (WebAuthn Level 2 §7.1) and stores the passkey; a refusal says what was wrong and stores nothing. */
  async register(context: RequestContext, user: UserRecord, input: { name: string; response: string; binding: string }): Promise<PasskeyRecord> {
    const name = parseName(input.name);
    const response = parseResponse<RegistrationResponseJSON>(registrationResponse, input.response);
    if (!response) throw DomainError.validation([{ field: 'passkey', message: 'is not a WebAuthn registration response' }]);
    const { relyingParty } = this.#deps;
    let verified;
    try {
      verified = await (
        await webAuthn()
      ).verifyRegistrationResponse({
        response,
        expectedChallenge: this.#challengeCheck('passkey_registration', { userId: user.id, binding: input.binding }),
        expectedOrigin: relyingParty.origin,
        expectedRPID: relyingParty.id,
        requireUserVerification: false,
      });
    } catch {
      verified = { verified: false } as const;
    }
    if (!verified.verified) {
      throw DomainError.validation([{ field: 'passkey', message: 'could not be verified: its challenge expired or was used, or it is not for this server' }]);
    }
    const info = verified.registrationInfo;
    const now = this.#deps.clock.now();
    const record: PasskeyRecord = {
      id: `pk_${randomId(12)}`,
      userId: user.id,
      name,
      credentialId: info.credential.id,
      publicKey: base64url(info.credential.publicKey),
      signCount: info.credential.counter,
      transports: info.credential.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      createdAt: now,
      lastUsedAt: null,
    };
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.passkeys.insert(record))) throw new DomainError('conflict', 'this passkey is registered already');
      const event = { type: 'passkey.registered', userId: user.id, passkeyId: record.id } as const;
      const changes = { name, deviceType: record.deviceType, aaguid: record.aaguid };
      return { result: record, changes: [serverChange(event, { action: 'passkey.registered', targetType: 'passkey', targetId: record.id, changes })] };
    });
  }

  async rename(context: RequestContext, userId: string, passkeyId: string, newName: string): Promise<void> {
    const name = parseName(newName);
    const passkey = (await this.list(userId)).find((candidate) => candidate.id === passkeyId);
    if (!passkey) throw DomainError.notFound('the passkey');
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.passkeys.rename(passkeyId, userId, name))) throw DomainError.notFound('the passkey');
      const event = { type: 'passkey.renamed', userId, passkeyId } as const;
      const changes = { name: { from: passkey.name, to: name } };
      return { result: undefined, changes: [serverChange(event, { action: 'passkey.renamed', targetType: 'passkey', targetId: passkeyId, changes })] };
    });
  }

  async remove(context: RequestContext, userId: string, passkeyId: string): Promise<void> {
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.passkeys.delete(passkeyId, userId))) throw DomainError.notFound('the passkey');
      const event = { type: 'passkey.removed', userId, passkeyId } as const;
      return { result: undefined, changes: [serverChange(event, { action: 'passkey.removed', targetType: 'passkey', targetId: passkeyId })] };
    });
  }

  /**
   * The options of navigator.credentials.get() (WebAuthn Level 2 §5.5): for a known user, their
   * passkeys; for a passwordless sign-in, none, so that the authenticator offers its discoverable
   * credentials for this relying party.
   */
  async authenticationOptions(bound: ChallengeBinding): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = bound.userId === null ? [] : await this.list(bound.userId);
    const options = await (
      await webAuthn()
    ).generateAuthenticationOptions({
      rpID: this.#deps.relyingParty.id,
      allowCredentials: passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      userVerification: 'preferred',
      timeout: ceremonyTimeoutMs,
    });
    await this.#storeChallenge(options.challenge, 'passkey_authentication', bound);
    return options;
  }

  /**
   * Verifies an assertion (WebAuthn Level 2 §7.2) against the challenge issued for `bound`, and
   * records the use. Undefined for every refusal: an unknown or removed passkey, one of another
   * user, a used or expired challenge, a bad signature, or a counter that did not grow (a cloned
   * authenticator, §6.1.1).
   */
  async authenticate(responseText: string, bound: ChallengeBinding): Promise<PasskeyAssertion | undefined> {
    const response = parseResponse<AuthenticationResponseJSON>(authenticationResponse, responseText);
    if (!response) return undefined;
    const passkey = await this.#deps.storage.passkeys.findByCredentialId(response.id);
    if (!passkey || (bound.userId !== null && passkey.userId !== bound.userId)) return undefined;
    // §7.2 step 6: the user handle, when the authenticator returns one, names the passkey's owner.
    const userHandle = response.response.userHandle;
    if (userHandle && userHandle !== base64url(new TextEncoder().encode(passkey.userId))) return undefined;
    const { relyingParty } = this.#deps;
    let verified;
    try {
      verified = await (
        await webAuthn()
      ).verifyAuthenticationResponse({
        response,
        expectedChallenge: this.#challengeCheck('passkey_authentication', bound),
        expectedOrigin: relyingParty.origin,
        expectedRPID: relyingParty.id,
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: passkey.signCount,
          transports: passkey.transports,
        },
        requireUserVerification: false,
      });
    } catch {
      return undefined;
    }
    if (!verified.verified) return undefined;
    const { newCounter, userVerified } = verified.authenticationInfo;
    if (!(await this.#deps.storage.passkeys.recordUse(passkey.id, newCounter, this.#deps.clock.now()))) return undefined;
    return { passkey: { ...passkey, signCount: newCounter }, userVerified };
  }
}
