import { createHash } from 'node:crypto';
import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenRepository } from '../../ports/account-tokens.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import { randomId } from '../../shared/random.js';

/** How long each kind of single-use link lives. */
export const accountLinkLifetimeMs: Record<AccountTokenPurpose, number> = {
  setup: 24 * 60 * 60_000,
  verify_email: 24 * 60 * 60_000,
  reset_password: 30 * 60_000,
  passkey_registration: 5 * 60_000,
  passkey_authentication: 5 * 60_000,
};

/**
 * The stored form of a link's token. A plain SHA-256 suffices (no key, no slow hash): the token
 * is 256 random bits, so the digest can't be reversed by guessing.
 */
export function accountTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Issues a single-use link token (256 random bits) and stores its digest; returns the token for the link. */
export async function issueAccountLink(
  tokens: AccountTokenRepository,
  link: { purpose: AccountTokenPurpose; userId: string | null; email: string | null; data?: Record<string, JsonValue>; lifetimeMs?: number },
  now: number,
): Promise<string> {
  const token = randomId(32);
  await tokens.insert({
    tokenHash: accountTokenHash(token),
    purpose: link.purpose,
    userId: link.userId,
    email: link.email,
    data: link.data ?? {},
    createdAt: now,
    expiresAt: now + (link.lifetimeMs ?? accountLinkLifetimeMs[link.purpose]),
    usedAt: null,
  });
  return token;
}

/** Why a link can't be used: a page says which, and offers the next step. */
export type AccountLinkProblem = 'unknown' | 'used' | 'expired';

/** Looks a link up without using it (to show the page it opens). */
export async function inspectAccountLink(
  tokens: AccountTokenRepository,
  token: string,
  purpose: AccountTokenPurpose,
  now: number,
): Promise<{ ok: true; link: AccountTokenRecord } | { ok: false; problem: AccountLinkProblem }> {
  const link = token.length > 0 && token.length <= 100 ? await tokens.get(accountTokenHash(token)) : undefined;
  if (!link || link.purpose !== purpose) return { ok: false, problem: 'unknown' };
  if (link.usedAt !== null) return { ok: false, problem: 'used' };
  if (link.expiresAt <= now) return { ok: false, problem: 'expired' };
  return { ok: true, link };
}

/** Uses a link once; of two concurrent uses one wins, the other gets the problem as if it came later. */
export async function consumeAccountLink(
  tokens: AccountTokenRepository,
  token: string,
  purpose: AccountTokenPurpose,
  now: number,
): Promise<{ ok: true; link: AccountTokenRecord } | { ok: false; problem: AccountLinkProblem }> {
  const consumed = token.length > 0 && token.length <= 100 ? await tokens.consume(accountTokenHash(token), purpose, now) : undefined;
  if (consumed) return { ok: true, link: consumed };
  const inspected = await inspectAccountLink(tokens, token, purpose, now);
  return { ok: false, problem: inspected.ok ? 'used' : inspected.problem };
}
