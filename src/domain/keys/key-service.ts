import { z } from 'zod';
import type { SigningAlgorithm } from '../../contracts/algorithms.js';
import type { StoredSigningKey } from '../../ports/signing-key-repository.js';
import type { Authorizer } from '../access/authorizer.js';
import type { RequestContext } from '../audit/audit-log.js';
import type { ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { revokeSigningKey, rotateSigningKeys } from './key-rotation.js';
import { isSigningAlgorithm, type RevokedKey, type RotationResult, type SigningKeys } from './signing-keys.js';

const rotationInput = z.object({ algorithms: z.array(z.string()).max(10).optional() }).strict();

export interface KeyServiceDependencies extends ChangeDependencies {
  signingKeys: SigningKeys;
  authorizer: Authorizer;
}

/** The server's signing keys as server administrators manage them: list, rotate now, revoke. */
export class KeyService {
  readonly #deps: KeyServiceDependencies;

  constructor(deps: KeyServiceDependencies) {
    this.#deps = deps;
  }

  /** Every key, newest first: next, active, retiring, retired and revoked. */
  async list(context: RequestContext): Promise<StoredSigningKey[]> {
    await this.#deps.authorizer.requireServerAdmin(context.actor, 'keys:read');
    return this.#all();
  }

  async #all(): Promise<StoredSigningKey[]> {
    return (await this.#deps.signingKeys.listAll()).reverse();
  }

  /** Makes a new key active now (answering every key after it) for each algorithm of `{ algorithms }` (all configured ones by default). */
  async rotate(context: RequestContext, input: unknown = {}): Promise<{ rotated: RotationResult[]; keys: StoredSigningKey[] }> {
    await this.#deps.authorizer.requireServerAdmin(context.actor, 'keys:write');
    const { algorithms } = parseOrThrow(rotationInput, input ?? {});
    const configured = this.#deps.signingKeys.configuredAlgorithms;
    const requested = algorithms && algorithms.length > 0 ? algorithms : configured;
    const problems = requested
      .filter((alg) => !isSigningAlgorithm(alg) || !configured.includes(alg))
      .map((alg) => ({ field: 'algorithms', message: `${alg} is not one of the configured signing algorithms (${configured.join(', ')})` }));
    if (problems.length > 0) throw DomainError.validation(problems);
    const rotated = await rotateSigningKeys(this.#deps, context, requested as SigningAlgorithm[]);
    return { rotated, keys: await this.#all() };
  }

  /**
   * Revokes a key at once (its private key leaked): it leaves the JWKS and what it signed stops
   * verifying. An active key is replaced by a new one in the same step.
   */
  async revoke(context: RequestContext, kid: string): Promise<{ revoked: RevokedKey; keys: StoredSigningKey[] }> {
    await this.#deps.authorizer.requireServerAdmin(context.actor, 'keys:write');
    const found = await this.#deps.signingKeys.find(kid);
    if (!found) throw DomainError.notFound('signing key');
    if (found.status === 'retired' || found.status === 'revoked') {
      throw new DomainError('invalid_state', `this key is already ${found.status}: it is not published and signs nothing`);
    }
    const revoked = await revokeSigningKey(this.#deps, context, kid);
    if (!revoked) throw new DomainError('invalid_state', 'this key was retired or revoked meanwhile');
    return { revoked, keys: await this.#all() };
  }
}
