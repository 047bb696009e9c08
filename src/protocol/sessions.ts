import type { Clock } from '../ports/clock.js';
import type { UserDirectory } from '../ports/directories.js';
import type { UserRecord } from '../ports/identity-repositories.js';
import type { InteractionLogin, SessionRecord } from '../ports/oauth-repositories.js';
import type { Storage } from '../ports/storage.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { randomId } from '../shared/random.js';
import type { CookiePolicy } from './context.js';
import type { CookieInstruction, ProtocolRequest } from './messages.js';

/** The ports sign-in sessions use. */
export interface SessionDependencies {
  clock: Clock;
  storage: Pick<Storage, 'sessions'>;
  users: Pick<UserDirectory, 'getUser'>;
  tokenHasher: SecretHasher;
  cookies: Pick<CookiePolicy, 'session' | 'path'>;
  sessionTtlMs: number;
}

export interface CurrentSession {
  session: SessionRecord;
  user: UserRecord;
}

/** The signed-in user of this browser, if its session cookie names a live session. */
export async function currentSession(request: ProtocolRequest, deps: SessionDependencies): Promise<CurrentSession | undefined> {
  const cookie = request.cookies[deps.cookies.session];
  if (!cookie || cookie.length > 100) return undefined;
  const session = await deps.storage.sessions.getByHash(deps.tokenHasher.hash(cookie));
  if (!session || session.expiresAt <= deps.clock.now()) return undefined;
  const user = await deps.users.getUser(session.userId);
  // A disabled user's sessions end with them.
  return user && user.disabledAt === null ? { session, user } : undefined;
}

export function sessionCookie(deps: Pick<SessionDependencies, 'cookies' | 'sessionTtlMs'>, value: string | null): CookieInstruction {
  return {
    name: deps.cookies.session,
    value,
    path: deps.cookies.path,
    ...(value === null ? {} : { maxAgeSeconds: Math.floor(deps.sessionTtlMs / 1000) }),
  };
}

/**
 * Starts a session for a user who just signed in, as the sign-in recorded it; the cookie holds
 * 256 random bits, the store only their hash.
 */
export async function startSession(
  deps: SessionDependencies,
  user: UserRecord,
  login: Pick<InteractionLogin, 'amr' | 'authTime'>,
): Promise<{ current: CurrentSession; cookie: CookieInstruction }> {
  const now = deps.clock.now();
  const value = randomId(32);
  const session: SessionRecord = {
    idHash: deps.tokenHasher.hash(value),
    sid: randomId(16),
    userId: user.id,
    authTime: login.authTime,
    amr: login.amr,
    createdAt: now,
    expiresAt: now + deps.sessionTtlMs,
    lastSeenAt: now,
    ip: null,
    userAgent: null,
  };
  await deps.storage.sessions.insert(session);
  return { current: { session, user }, cookie: sessionCookie(deps, value) };
}

/** A new sign-in replaces the browser's previous session: the old one ends, so no cookie of it stays valid. */
export async function replaceSession(
  request: ProtocolRequest,
  deps: SessionDependencies,
  user: UserRecord,
  login: Pick<InteractionLogin, 'amr' | 'authTime'>,
): Promise<{ current: CurrentSession; cookie: CookieInstruction }> {
  await endSession(request, deps);
  return startSession(deps, user, login);
}

/** Ends the browser's session, if it has one; returns what ended. */
export async function endSession(
  request: ProtocolRequest,
  deps: Pick<SessionDependencies, 'cookies' | 'storage' | 'tokenHasher'>,
): Promise<SessionRecord | undefined> {
  const cookie = request.cookies[deps.cookies.session];
  if (!cookie || cookie.length > 100) return undefined;
  return deps.storage.sessions.delete(deps.tokenHasher.hash(cookie));
}
