import type { SessionRecord } from '../../ports/oauth-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { serverChange, type Change } from '../audit/unit-of-work.js';

/** Which of a user's sign-in sessions to end: all, all but the caller's own (by its id hash), or one by its `sid`. */
export type SessionSelection = { all: true } | { allBut: string } | { sid: string };

/**
 * Ends sign-in sessions of a user inside a transaction; returns them and, for each, the audited
 * `session.ended` change for the caller's commitChange, so that what follows a session's end
 * (back-channel logout) hears of each. Every place that ends sessions (the account page, a
 * password change or reset, administrators, disabling or deleting a user) goes through this.
 * Tokens already issued are not sessions: they live on until they expire or are revoked.
 */
export async function endSessionsIn(
  tx: Pick<Storage, 'sessions'>,
  userId: string,
  selection: SessionSelection,
  now: number,
  reason: string,
): Promise<{ ended: SessionRecord[]; changes: Change[] }> {
  let ended: SessionRecord[];
  if ('sid' in selection) {
    const session = (await tx.sessions.listForUser(userId, now)).find((candidate) => candidate.sid === selection.sid);
    const deleted = session ? await tx.sessions.delete(session.idHash) : undefined;
    ended = deleted ? [deleted] : [];
  } else {
    ended = await tx.sessions.deleteForUser(userId, 'allBut' in selection ? selection.allBut : undefined);
  }
  return { ended, changes: ended.map((session) => sessionEnded(userId, session.sid, reason)) };
}

/** The audited change of one ended session. */
export function sessionEnded(userId: string, sid: string, reason: string): Change {
  return serverChange({ type: 'session.ended', sid }, { action: 'session.ended', targetType: 'user', targetId: userId, changes: { sid, reason } });
}
