import { afterSessionEnded } from '../domain/identity/sessions.js';
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
  /** `transaction`: a session ends in one, with what follows its end (afterSessionEnded). */
  storage: Pick<Storage, 'sessions' | 'transaction'>;
  users: Pick<UserDirectory, 'getUser'>;
  tokenHasher: SecretHasher;
  cookies: Pick<CookiePolicy, 'session' | 'path'>;
  /** The absolute lifetime: a session ends this long after sign-in, however much it is used. */
  sessionTtlMs: number;
  /** The idle timeout: a session unused this long ends; without it, only the absolute lifetime counts. */
  sessionIdleMs?: number;
}

/**
 * How often a session's last use is written. Recording every use would add a write to every
 * authorization request; moving the idle end at most once a minute keeps it to one write a
 * minute per session, at the price of an idle timeout that may end up to a minute early.
 */
export const sessionTouchIntervalMs = 60_000;

/** When a session used at `now` ends: the earlier of its absolute end and the idle timeout from now. */
export function sessionEnd(session: Pick<SessionRecord, 'createdAt'>, now: number, deps: Pick<SessionDependencies, 'sessionTtlMs' | 'sessionIdleMs'>): number {
  const absolute = session.createdAt + deps.sessionTtlMs;
  return deps.sessionIdleMs === undefined ? absolute : Math.min(absolute, now + deps.sessionIdleMs);
}

export interface CurrentSession {
  session: SessionRecord;
  user: UserRecord;
}

/** The signed-in user of this browser, if its session cookie names a live session. */
export function currentSession(request: ProtocolRequest, deps: SessionDependencies): Promise<CurrentSession | undefined> {
  return liveSession(request.cookies[deps.cookies.session], deps);
}

/** The session a cookie value names, if it is live and its user is not disabled; its last use recorded. */
async function liveSession(cookie: string | undefined, deps: SessionDependencies): Promise<CurrentSession | undefined> {
  if (!cookie || cookie.length > 100) return undefined;
  const session = await deps.tokenHasher.findByHash(cookie, (hash) => deps.storage.sessions.getByHash(hash));
  const now = deps.clock.now();
  if (!session || session.expiresAt <= now) return undefined;
  const user = await deps.users.getUser(session.userId);
  // A disabled user's sessions end with them.
  if (!user || user.disabledAt !== null) return undefined;
  if (now - session.lastSeenAt < sessionTouchIntervalMs) return { session, user };
  const expiresAt = sessionEnd(session, now, deps);
  if (!(await deps.storage.sessions.touch(session.idHash, now, expiresAt))) return undefined;
  return { session: { ...session, lastSeenAt: now, expiresAt }, user };
}

export function sessionCookie(deps: Pick<SessionDependencies, 'cookies' | 'sessionTtlMs'>, value: string | null): CookieInstruction {
  return sessionLivedCookie(deps, deps.cookies.session, value);
}

/** A cookie under the issuer's path that lives as long as a session; a null value clears it. */
function sessionLivedCookie(deps: Pick<SessionDependencies, 'cookies' | 'sessionTtlMs'>, name: string, value: string | null): CookieInstruction {
  return { name, value, path: deps.cookies.path, ...(value === null ? {} : { maxAgeSeconds: Math.floor(deps.sessionTtlMs / 1000) }) };
}

/** The user agent as sent, cut to what the account page shows; null when the browser sent none. */
function userAgentOf(request: ProtocolRequest): string | null {
  const agent = request.headers['user-agent'];
  return agent ? agent.slice(0, 512) : null;
}

/**
 * Starts a session for a user who just signed in, as the sign-in recorded it; the cookie holds
 * 256 random bits, the store only their hash. Where and with what the browser signed in is kept
 * for the account page's list of sessions.
 */
export async function startSession(
  request: ProtocolRequest,
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
    expiresAt: sessionEnd({ createdAt: now }, now, deps),
    lastSeenAt: now,
    ip: request.ip || null,
    userAgent: userAgentOf(request),
  };
  await deps.storage.sessions.insert(session);
  return { current: { session, user }, cookie: sessionCookie(deps, value) };
}

/**
 * A new sign-in replaces the browser's previous session: the old one ends, so no cookie of it
 * stays valid. When the same user signs in again (a second factor, a step-up, prompt=login) the
 * session is re-authenticated in place instead: a new cookie value (no fixation), the new methods
 * and time, and the same sid, so the apps it signed in to see no sign-out.
 */
export async function replaceSession(
  request: ProtocolRequest,
  deps: AccountChooserDependencies,
  user: UserRecord,
  login: Pick<InteractionLogin, 'amr' | 'authTime'>,
  options: { keepPrevious?: boolean } = {},
): Promise<{ current: CurrentSession; cookies: CookieInstruction[]; ended: SessionRecord | undefined }> {
  const cookie = request.cookies[deps.cookies.session];
  const now = deps.clock.now();
  const existing = cookie && cookie.length <= 100 ? await deps.tokenHasher.findByHash(cookie, (hash) => deps.storage.sessions.getByHash(hash)) : undefined;
  if (existing && existing.userId === user.id && existing.expiresAt > now) {
    const value = randomId(32);
    const change = { idHash: deps.tokenHasher.hash(value), amr: login.amr, authTime: login.authTime, lastSeenAt: now };
    const renewed = await deps.storage.sessions.reauthenticate(existing.idHash, change);
    if (renewed) return { current: { session: renewed, user }, cookies: [sessionCookie(deps, value)], ended: undefined };
  }
  if (options.keepPrevious) {
    // "Use another account" on the chooser: the previous session stays, among the browser's others.
    const others = (await browserSessions(request, deps)).filter((other) => other.user.id !== user.id).map((other) => other.value);
    const started = await startSession(request, deps, user, login);
    return { current: started.current, cookies: [started.cookie, otherSessionsCookie(deps, others)], ended: undefined };
  }
  const ended = await endSession(request, deps);
  const started = await startSession(request, deps, user, login);
  return { current: started.current, cookies: [started.cookie], ended: ended?.session };
}

/** A session that just ended, and the apps that got tokens in it (the logout page's front-channel iframes). */
export interface EndedSession {
  session: SessionRecord;
  clientIds: string[];
}

/**
 * Ends the browser's session, if it has one, with what follows a session's end (online grants
 * revoked, back-channel logouts queued, the console session ended) in the same transaction;
 * returns what ended.
 */
export async function endSession(
  request: ProtocolRequest,
  deps: Pick<SessionDependencies, 'cookies' | 'storage' | 'tokenHasher' | 'clock'>,
): Promise<EndedSession | undefined> {
  const cookie = request.cookies[deps.cookies.session];
  if (!cookie || cookie.length > 100) return undefined;
  return deps.storage.transaction(async (tx) => {
    const session = await deps.tokenHasher.findByHash(cookie, (idHash) => tx.sessions.delete(idHash));
    if (!session) return undefined;
    const { clientIds } = await afterSessionEnded(tx, session, deps.clock.now());
    return { session, clientIds };
  });
}

/** What the account chooser needs besides: the cookie that holds the browser's other sessions. */
export type AccountChooserDependencies = SessionDependencies & { cookies: Pick<CookiePolicy, 'session' | 'accounts' | 'path'> };

/** How many other sessions a browser keeps for the account chooser, besides its current one. */
export const maxOtherSessions = 4;

/** The cookie values of the browser's other sessions, as it sent them (unchecked). */
function otherSessionValues(request: ProtocolRequest, deps: Pick<AccountChooserDependencies, 'cookies'>): string[] {
  const cookie = request.cookies[deps.cookies.accounts];
  if (!cookie || cookie.length > 1000) return [];
  return cookie
    .split('.')
    .filter((value) => value.length > 0 && value.length <= 100)
    .slice(0, maxOtherSessions);
}

export function otherSessionsCookie(deps: Pick<AccountChooserDependencies, 'cookies' | 'sessionTtlMs'>, values: readonly string[]): CookieInstruction {
  const kept = values.slice(0, maxOtherSessions);
  return sessionLivedCookie(deps, deps.cookies.accounts, kept.length === 0 ? null : kept.join('.'));
}

/** A live session of this browser with the cookie value that names it. */
export interface BrowserSession extends CurrentSession {
  value: string;
}

/**
 * Every live session of this browser: the current one first, then the others it kept for the
 * account chooser (OIDC Core §3.1.2.1, prompt=select_account), one per user.
 */
export async function browserSessions(request: ProtocolRequest, deps: AccountChooserDependencies): Promise<BrowserSession[]> {
  const values = [request.cookies[deps.cookies.session] ?? '', ...otherSessionValues(request, deps)];
  const found: BrowserSession[] = [];
  for (const value of values) {
    const live = await liveSession(value, deps);
    if (live && !found.some((other) => other.user.id === live.user.id)) found.push({ ...live, value });
  }
  return found;
}

/**
 * Makes the browser's session `sid` its current one (the account chooser); the one that was
 * current is kept among the others. Undefined when this browser holds no live session `sid`, so
 * that no other browser's session can be chosen.
 */
export async function switchSession(
  request: ProtocolRequest,
  deps: AccountChooserDependencies,
  sid: string,
): Promise<{ current: CurrentSession; cookies: CookieInstruction[] } | undefined> {
  const sessions = await browserSessions(request, deps);
  const chosen = sessions.find((candidate) => candidate.session.sid === sid);
  if (!chosen) return undefined;
  const others = sessions.filter((candidate) => candidate !== chosen).map((candidate) => candidate.value);
  return {
    current: { session: chosen.session, user: chosen.user },
    cookies: [sessionCookie(deps, chosen.value), otherSessionsCookie(deps, others)],
  };
}
