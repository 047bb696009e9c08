import type { BackchannelLogoutPayload } from '../../ports/outbox.js';
import type { SessionRecord } from '../../ports/oauth-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { timeSortableId } from '../../shared/random.js';
import { serverChange, type Change } from '../audit/unit-of-work.js';

/** Which of a user's sign-in sessions to end: all, all but the caller's own (by its id hash), or one by its `sid`. */
export type SessionSelection = { all: true } | { allBut: string } | { sid: string };

/** The stores that ending a session writes to, all in the caller's transaction. */
export type SessionEndStore = Pick<Storage, 'sessions' | 'grants' | 'apps' | 'outbox' | 'consoleSessions'>;

/**
 * What follows the end of one sign-in session, inside the transaction that deleted it, so that
 * it happens exactly when the session ended and once (only the transaction whose delete returned
 * the row gets here):
 * - the session's grants issued without offline_access are revoked: their refresh tokens end
 *   with the session (OIDC Core §11); those with offline_access live on;
 * - the console session signed in with it ends (the console is an app of this server);
 * - each app that got tokens in the session and has a back-channel logout URI gets an outbox
 *   entry; the worker signs the logout token when it sends it (Back-Channel Logout §2.7).
 * Answers the apps of the session (for the front-channel iframes of the logout page) and those told.
 * Every way a session ends calls it: RP-initiated logout, a new sign-in replacing the browser's
 * session, the account page, administrators, disabling or deleting a user, a password reset or
 * change, and expiry (the sweeper).
 */
export async function afterSessionEnded(
  tx: SessionEndStore,
  session: Pick<SessionRecord, 'sid' | 'userId'>,
  now: number,
): Promise<{ clientIds: string[]; notified: string[] }> {
  const { clientIds } = await tx.grants.endSession(session.sid, now);
  await tx.consoleSessions.deleteForSid(session.sid);
  const notified: string[] = [];
  for (const clientId of clientIds) {
    const app = await tx.apps.get(clientId);
    if (!app?.settings.backchannelLogoutUri) continue;
    const payload: BackchannelLogoutPayload = { clientId, sub: session.userId, sid: session.sid };
    await tx.outbox.enqueue({ id: timeSortableId('bcl', now), kind: 'backchannel_logout', appId: clientId, payload: { ...payload }, createdAt: now });
    notified.push(clientId);
  }
  return { clientIds, notified };
}

/**
 * Ends sign-in sessions of a user inside a transaction; returns them, for each the audited
 * `session.ended` change for the caller's commitChange, and the apps each was used with (by sid). Every place that ends sessions of a user
 * (the account page, a password change or reset, administrators, disabling or deleting a user)
 * goes through this, and each ended session through afterSessionEnded.
 */
export async function endSessionsIn(
  tx: SessionEndStore,
  userId: string,
  selection: SessionSelection,
  now: number,
  reason: string,
): Promise<{ ended: SessionRecord[]; changes: Change[]; apps: Map<string, string[]> }> {
  let ended: SessionRecord[];
  if ('sid' in selection) {
    const session = (await tx.sessions.listForUser(userId, now)).find((candidate) => candidate.sid === selection.sid);
    const deleted = session ? await tx.sessions.delete(session.idHash) : undefined;
    ended = deleted ? [deleted] : [];
  } else {
    ended = await tx.sessions.deleteForUser(userId, 'allBut' in selection ? selection.allBut : undefined);
  }
  const changes: Change[] = [];
  const apps = new Map<string, string[]>();
  for (const session of ended) {
    const { clientIds, notified } = await afterSessionEnded(tx, session, now);
    apps.set(session.sid, clientIds);
    changes.push(sessionEnded(userId, session.sid, reason, notified));
  }
  return { ended, changes, apps };
}

/** The audited change of one ended session; `notified`: the apps told by back-channel logout. */
export function sessionEnded(userId: string, sid: string, reason: string, notified: readonly string[] = []): Change {
  return serverChange(
    { type: 'session.ended', sid },
    {
      action: 'session.ended',
      targetType: 'user',
      targetId: userId,
      changes: { sid, reason, ...(notified.length > 0 ? { backchannelLogout: [...notified] } : {}) },
    },
  );
}
