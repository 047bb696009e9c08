import { commitChange, serverChange, type ChangeAuthor, type ChangeDependencies, type Change } from '../audit/unit-of-work.js';
import type { RotationResult, SigningAlgorithm, SigningKeys } from './signing-keys.js';

export interface KeyRotationDependencies extends ChangeDependencies {
  signingKeys: SigningKeys;
}

/** A rotation is a change to the server: a server-wide audit row on the new key, and key.rotated. */
function rotationChange(rotation: RotationResult): Change {
  const event = { type: 'key.rotated', kid: rotation.kid, alg: rotation.alg, previousKid: rotation.previousKid } as const;
  return serverChange(event, {
    action: 'key.rotated',
    targetType: 'signing_key',
    targetId: rotation.kid,
    changes: {
      alg: rotation.alg,
      previousKid: rotation.previousKid,
      previousRetiresAt: rotation.previousRetireAt === null ? null : new Date(rotation.previousRetireAt).toISOString(),
    },
  });
}

/**
 * Makes a new key active for each algorithm (all configured ones by default), in one
 * transaction with its audit rows; the keys they replace stay published until what they signed
 * has expired. This process signs with the new keys at once, other nodes at their next refresh.
 */
export async function rotateSigningKeys(
  deps: KeyRotationDependencies,
  author: ChangeAuthor,
  algorithms?: readonly SigningAlgorithm[],
): Promise<RotationResult[]> {
  const fresh = await deps.signingKeys.generateKeys(algorithms);
  const rotated = await commitChange(deps, author, async (tx) => {
    const results: RotationResult[] = [];
    for (const key of fresh) results.push(await deps.signingKeys.install(tx.signingKeys, key));
    return { result: results, changes: results.map(rotationChange) };
  });
  await deps.signingKeys.refresh();
  return rotated;
}
