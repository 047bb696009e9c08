import type { UserRecord } from '../ports/identity-repositories.js';
import type { SessionRecord } from '../ports/oauth-repositories.js';
import { randomId } from '../shared/random.js';
import type { ProtocolDependencies } from './context.js';
import type { CookieInstruction, ProtocolRequest } from './messages.js';

export interface CurrentSession {
  session: SessionRecord;
  user: UserRecord;
}

/** The signed-in user of this browser, if its session cookie names a live session. */
export async function currentSession(request: ProtocolRequest, deps: ProtocolDependencies): Promise<CurrentSession | undefined> {
  const cookie = request.cookies[deps.cookies.session];
  if (!cookie || cookie.length > 100) return undefined;
  const session = await deps.storage.sessions.getByHash(deps.tokenHasher.hash(cookie));
  if (!session || session.expiresAt <= deps.clock.now()) return undefined;
  const user = await deps.users.getUser(session.userId);
  // A disabled user's sessions end with them.
  return user && user.disabledAt === null ? { session, user } : undefined;
}

export function sessionCookie(deps: ProtocolDependencies, value: string | null): CookieInstruction {
  return {
    name: deps.cookies.session,
    value,
    path: deps.cookies.path,
    ...(value === null ? {} : { maxAgeSeconds: Math.floor(deps.sessionTtlMs / 1000) }),
  };
}

/** Starts a session for a user who just signed in; the cookie holds 256 random bits, the store only their hash. */
export async function startSession(deps: ProtocolDependencies, user: UserRecord, amr: string[]): Promise<{ current: CurrentSession; cookie: CookieInstruction }> {
  const now = deps.clock.now();
  const value = randomId(32);
  const session: SessionRecord = {
    idHash: deps.tokenHasher.hash(value),
    sid: randomId(16),
    userId: user.id,
    authTime: now,
    amr,
    createdAt: now,
    expiresAt: now + deps.sessionTtlMs,
  };
  await deps.storage.sessions.insert(session);
  return { current: { session, user }, cookie: sessionCookie(deps, value) };
}

/** Ends the browser's session, if it has one; returns what ended. */
export async function endSession(request: ProtocolRequest, deps: ProtocolDependencies): Promise<SessionRecord | undefined> {
  const cookie = request.cookies[deps.cookies.session];
  if (!cookie || cookie.length > 100) return undefined;
  return deps.storage.sessions.delete(deps.tokenHasher.hash(cookie));
}
