import { commitChange, serverChange, type ChangeAuthor, type ChangeDependencies, type Change } from '../audit/unit-of-work.js';
import { SigningKeys, type RevokedKey, type RotationResult, type ScheduledKey, type SigningAlgorithm } from './signing-keys.js';

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

/**
 * Schedules the keys due for rotation (`keys.rotateEveryDays`), each published `prePublishMs`
 * before it signs, with a server-wide audit row each. Run by one node at a time; a key already
 * scheduled is never scheduled twice.
 */
export async function scheduleDueRotations(deps: KeyRotationDependencies, rotateEveryMs: number, prePublishMs: number): Promise<ScheduledKey[]> {
  const due = await deps.signingKeys.dueForRotation(rotateEveryMs, prePublishMs);
  if (due.length === 0) return [];
  // Generating a key (RSA above all) takes a while: done before the transaction, not inside it.
  const candidates = await deps.signingKeys.generateKeys(due);
  const scheduled = await commitChange(deps, 'latchkey', async (tx) => {
    const keys = await deps.signingKeys.scheduleRotations(tx.signingKeys, candidates, rotateEveryMs, prePublishMs);
    return {
      result: keys,
      changes: keys.map((key) =>
        serverChange(
          { type: 'key.rotation_scheduled', kid: key.kid, alg: key.alg, activateAt: key.activateAt, replacesKid: key.replacesKid },
          {
            action: 'key.rotation_scheduled',
            targetType: 'signing_key',
            targetId: key.kid,
            changes: { alg: key.alg, activateAt: new Date(key.activateAt).toISOString(), replacesKid: key.replacesKid },
          },
        ),
      ),
    };
  });
  if (scheduled.length > 0) await deps.signingKeys.refresh();
  return scheduled;
}

/**
 * Revokes a key in an emergency (a leaked private key): it leaves the JWKS at once on this node,
 * and on the others when they hear of it, and tokens it signed stop verifying. An active key is
 * replaced in the same transaction. Audited server-wide.
 */
export async function revokeSigningKey(deps: KeyRotationDependencies, author: ChangeAuthor, kid: string): Promise<RevokedKey | undefined> {
  const found = await deps.signingKeys.find(kid);
  if (!found || !SigningKeys.isRevocable(found)) return undefined;
  // Generated before the transaction, as rotations do; unused unless the key was active.
  const [replacement] = await deps.signingKeys.generateKeys([found.alg as SigningAlgorithm]);
  if (!replacement) return undefined;
  const revoked = await commitChange(deps, author, async (tx) => {
    const outcome = await deps.signingKeys.revoke(tx.signingKeys, kid, replacement);
    if (!outcome) return { result: undefined, changes: [] };
    return {
      result: outcome,
      changes: [
        serverChange(
          { type: 'key.revoked', kid, alg: outcome.alg, replacementKid: outcome.replacementKid },
          {
            action: 'key.revoked',
            targetType: 'signing_key',
            targetId: kid,
            changes: { alg: outcome.alg, previousStatus: outcome.previousStatus, replacementKid: outcome.replacementKid },
          },
        ),
      ],
    };
  });
  await deps.signingKeys.refresh();
  return revoked;
}
