import type { SessionRecord } from '../../ports/oauth-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { commitChange, serverChange, type Change, type ChangeAuthor, type ChangeDependencies } from '../audit/unit-of-work.js';

/** Which of a user's sign-in sessions to end: all, all but the caller's own (by its id hash), or one by its `sid`. */
export type SessionSelection = { all: true } | { allBut: string } | { sid: string };

/**
 * Ends sign-in sessions of a user inside a transaction; returns them and, for each, the audited
 * `session.ended` change for the caller's commitChange. For changes that end sessions among
 * other things (disabling a user).
 */
export async function endSessionsIn(
  tx: Pick<Storage, 'sessions'>,
  userId: string,
  selection: SessionSelection,
  now: number,
): Promise<{ ended: SessionRecord[]; changes: Change[] }> {
  let ended: SessionRecord[];
  if ('sid' in selection) {
    const session = (await tx.sessions.listForUser(userId, now)).find((candidate) => candidate.sid === selection.sid);
    const deleted = session ? await tx.sessions.delete(session.idHash) : undefined;
    ended = deleted ? [deleted] : [];
  } else {
    ended = await tx.sessions.deleteForUser(userId, 'allBut' in selection ? selection.allBut : undefined);
  }
  return { ended, changes: ended.map((session) => sessionEnded(userId, session.sid)) };
}

/** The audited change of one ended session. */
export function sessionEnded(userId: string, sid: string): Change {
  return serverChange({ type: 'session.ended', sid }, { action: 'session.ended', targetType: 'user', targetId: userId, changes: { sid } });
}

/**
 * Ends sign-in sessions of a user, each audited and published as `session.ended`: the browser of
 * an ended session must sign in again. Tokens already issued are not sessions (OAuth grants live
 * on their own), so they keep working until they expire or are revoked. Returns the sessions
 * ended, none when the selection matched nothing.
 */
export async function endSessions(deps: ChangeDependencies, author: ChangeAuthor, userId: string, selection: SessionSelection): Promise<SessionRecord[]> {
  return commitChange(deps, author, async (tx) => {
    const { ended, changes } = await endSessionsIn(tx, userId, selection, deps.clock.now());
    return { result: ended, changes };
  });
}
