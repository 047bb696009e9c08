import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Badge, Checkbox, EmptyState, ErrorSummary, Loading, Notice, PageHeader, TextField } from '../components/ui';
import { api, enc, get, query } from '../lib/api';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { firstFor, useServerProblems } from '../lib/problems';
import { useSession } from '../lib/session';
import type { Page, User, UserSession } from '../lib/types';
import { Pager } from './AppsList';

const perPage = 20;

/** "1 authenticator app, passkeys, 10 recovery codes left" or "Off". */
function twoStepSummary(factors: User['secondFactors']): string {
  if (!factors.enabled) return 'Off';
  const parts = [
    ...(factors.totp > 0 ? [`${factors.totp} authenticator app${factors.totp === 1 ? '' : 's'}`] : []),
    ...(factors.methods.includes('passkey') ? ['passkeys'] : []),
    `${factors.recoveryCodesLeft} recovery code${factors.recoveryCodesLeft === 1 ? '' : 's'} left`,
  ];
  return `On: ${parts.join(', ')}`;
}

function isLocked(user: User): boolean {
  return user.lockedUntil !== null && Date.parse(user.lockedUntil) > Date.now();
}

function UserBadges({ user }: { user: User }) {
  return (
    <>
      {user.isAdmin ? <Badge kind="info">administrator</Badge> : null}
      {user.disabled ? <Badge kind="warning">disabled</Badge> : null}
      {isLocked(user) ? <Badge kind="warning">locked</Badge> : null}
      {user.emailVerified ? null : <Badge>not verified</Badge>}
      {user.secondFactors.enabled ? <Badge kind="info">two-step on</Badge> : <Badge>two-step off</Badge>}
    </>
  );
}

/** Only server administrators manage users; the navigation hides the page from everyone else. */
function AdministratorsOnly() {
  return (
    <EmptyState title="Only server administrators manage users">
      <p>Ask a server administrator if you need an account changed.</p>
    </EmptyState>
  );
}

/** Every user of this server, a page at a time, as cards that fit a phone. */
export function Users() {
  const { session } = useSession();
  const org = useOrg();
  useTitle('Users');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const [search, setSearch] = useState(q);
  const [creating, setCreating] = useState(false);
  useEffect(() => setSearch(q), [q]);
  const users = useLoad(
    () => (session.user.isAdmin ? get<Page<User>>(`/users${query({ q, page, perPage })}`) : Promise.resolve(undefined)),
    [q, page, session.user.isAdmin],
  );
  if (!session.user.isAdmin) return <AdministratorsOnly />;
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  const items = users.data?.items ?? [];
  const total = users.data?.total ?? 0;

  return (
    <>
      <PageHeader title="Users" lead="Everyone with an account on this server. Server administrators only.">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create user
        </button>
      </PageHeader>
      <form
        className="toolbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          set({ q: search.trim(), page: '' });
        }}
      >
        <div className="field inline">
          <label htmlFor="user-search">Search users</label>
          <input id="user-search" type="search" value={search} placeholder="Email or name" onChange={(event) => setSearch(event.target.value)} />
        </div>
        <button type="submit">Search</button>
        {q ? (
          <button type="button" className="link" onClick={() => set({ q: '', page: '' })}>
            Clear
          </button>
        ) : null}
      </form>
      {users.error ? <ErrorSummary error={users.error} title="The users could not be loaded" /> : null}
      {users.loading ? <Loading label={users.data ? 'Updating…' : 'Loading users…'} /> : null}
      {users.data && items.length === 0 ? <EmptyState title={q ? 'No user matches' : 'No users yet'} /> : null}
      {items.length > 0 ? (
        <ul className="user-cards" aria-label="Users">
          {items.map((user) => (
            <li key={user.id} className="card user-card">
              <Link to={org.path(`users/${enc(user.id)}`)} className="user-card-name">
                {user.name || user.email}
              </Link>
              <div className="hint user-card-email">{user.email}</div>
              <div className="user-card-badges">
                <UserBadges user={user} />
              </div>
              <div className="hint small-text">Created {formatTime(user.createdAt)}</div>
            </li>
          ))}
        </ul>
      ) : null}
      {users.data ? <Pager page={page} perPage={perPage} total={total} onPage={(next) => set({ page: next > 1 ? String(next) : '' })} /> : null}
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} onCreated={users.reload} />
    </>
  );
}

function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const org = useOrg();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [setPassword, setSetPassword] = useState(false);
  const [password, setPasswordValue] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setEmail('');
      setName('');
      setSetPassword(false);
      setPasswordValue('');
      setIsAdmin(false);
      setError(null);
    }
  }, [open]);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const user = await api<User>('POST', '/users', {
        email: email.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(setPassword ? { password } : {}),
        ...(isAdmin ? { isAdmin: true } : {}),
      });
      onCreated();
      onClose();
      void navigate(org.path(`users/${enc(user.id)}`), { state: { created: !setPassword } });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const errors = useServerProblems(error, { email, name, password, isAdmin });
  return (
    <Dialog open={open} title="Create a user" onClose={onClose} dismissible={!busy}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <TextField label="Email" type="email" value={email} onChange={setEmail} required error={firstFor(errors, 'email')} />
        <TextField label="Name" value={name} onChange={setName} hint="Optional: the part of the email before @ by default." error={firstFor(errors, 'name')} />
        <Checkbox
          label="Set a password now"
          checked={setPassword}
          onChange={setSetPassword}
          hint="Otherwise the user is mailed a link, valid 72 hours, to set their own."
        />
        {setPassword ? (
          <TextField
            label="Password"
            type="password"
            value={password}
            onChange={setPasswordValue}
            required
            autoComplete="new-password"
            hint="At least 8 characters, not a common password, not the email."
            error={firstFor(errors, 'password')}
          />
        ) : null}
        <Checkbox label="Server administrator" checked={isAdmin} onChange={setIsAdmin} hint="May manage every user and organization." />
        <ErrorSummary error={error} title="The user was not created" problems={errors} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create user'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type Pending =
  | { kind: 'disable' }
  | { kind: 'delete' }
  | { kind: 'reset-two-step' }
  | { kind: 'server-admin'; isAdmin: boolean }
  | { kind: 'end-sessions' }
  | { kind: 'end-session'; sid: string };

/** One user: their state, their sign-in sessions, and what an administrator may do about them. */
export function UserDetail() {
  const { userId = '' } = useParams();
  const { session } = useSession();
  const org = useOrg();
  const navigate = useNavigate();
  const user = useLoad(() => (session.user.isAdmin ? get<User>(`/users/${enc(userId)}`) : Promise.resolve(undefined)), [userId, session.user.isAdmin]);
  const sessions = useLoad(
    () => (session.user.isAdmin ? get<{ items: UserSession[] }>(`/users/${enc(userId)}/sessions`) : Promise.resolve(undefined)),
    [userId, session.user.isAdmin],
  );
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>(null);
  const location = useLocation();
  const invited = (location.state as { created?: boolean } | null)?.created === true;
  const [done, setDone] = useState(invited ? 'User created. They were mailed a link, valid 72 hours, to set their password.' : '');
  useTitle(user.data?.email ?? 'User');
  if (!session.user.isAdmin) return <AdministratorsOnly />;
  if (user.error) return <ErrorSummary error={user.error} title="The user could not be loaded" />;
  if (!user.data) return <Loading />;
  const shown = user.data;
  const self = shown.id === session.user.id;

  /** A change that needs no confirmation: enable, verify, unlock, send a reset link. */
  const run = async (path: string, message: string) => {
    setError(null);
    setDone('');
    try {
      const changed = await api<User | undefined>('POST', `/users/${enc(shown.id)}/${path}`);
      if (changed) user.setData(changed);
      setDone(message);
    } catch (caught) {
      setError(caught);
    }
  };

  const confirm = async () => {
    if (!pending) return;
    if (pending.kind === 'disable') {
      user.setData(await api<User>('POST', `/users/${enc(shown.id)}/disable`));
      sessions.reload();
      setDone(`${shown.email} is disabled: they can't sign in, and their tokens no longer work.`);
    } else if (pending.kind === 'delete') {
      await api('DELETE', `/users/${enc(shown.id)}`);
      setPending(null);
      void navigate(org.path('users'));
      return;
    } else if (pending.kind === 'reset-two-step') {
      const reset = await api<{ removed: number; user: User }>('POST', `/users/${enc(shown.id)}/second-factors/reset`);
      user.setData(reset.user);
      setDone(
        `Two-step verification of ${shown.email} is reset: ${reset.removed === 1 ? '1 second factor' : `${reset.removed} second factors`} and the recovery codes removed. They were mailed.`,
      );
    } else if (pending.kind === 'server-admin') {
      user.setData(await api<User>('PATCH', `/users/${enc(shown.id)}`, { isAdmin: pending.isAdmin }));
      setDone(
        pending.isAdmin
          ? `${shown.email} is a server administrator: they manage every user and organization, and review any app.`
          : `${shown.email} is no longer a server administrator.`,
      );
    } else if (pending.kind === 'end-sessions') {
      await api('DELETE', `/users/${enc(shown.id)}/sessions`);
      sessions.reload();
      setDone(`Every session of ${shown.email} ended.`);
    } else {
      await api('DELETE', `/users/${enc(shown.id)}/sessions/${enc(pending.sid)}`);
      sessions.reload();
      setDone('The session ended.');
    }
    setPending(null);
  };

  const items = sessions.data?.items ?? [];
  return (
    <>
      <p className="breadcrumb">
        <Link to={org.path('users')}>← Users</Link>
      </p>
      <PageHeader title={shown.name || shown.email} lead={shown.email}>
        <UserBadges user={shown} />
      </PageHeader>
      {done ? (
        <p className="notice notice-success" role="status">
          {done}
        </p>
      ) : null}
      <ErrorSummary error={error} title="That did not work" />
      <section className="card" aria-labelledby="user-facts">
        <h2 id="user-facts">Account</h2>
        <dl className="facts">
          <div>
            <dt>Email</dt>
            <dd>
              {shown.email} {shown.emailVerified ? '(verified)' : '(not verified)'}
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>{shown.disabled ? `Disabled since ${formatTime(shown.disabledAt)}` : 'Enabled'}</dd>
          </div>
          <div>
            <dt>Sign-in</dt>
            <dd>{isLocked(shown) ? `Locked until ${formatTime(shown.lockedUntil)} after too many failed sign-ins` : 'Not locked'}</dd>
          </div>
          <div>
            <dt>Password</dt>
            <dd>{shown.hasPassword ? 'Set' : 'Not set yet'}</dd>
          </div>
          <div>
            <dt>Two-step verification</dt>
            <dd>{twoStepSummary(shown.secondFactors)}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatTime(shown.createdAt)}</dd>
          </div>
          {shown.profile.givenName || shown.profile.familyName ? (
            <div>
              <dt>Full name</dt>
              <dd>{[shown.profile.givenName, shown.profile.familyName].filter(Boolean).join(' ')}</dd>
            </div>
          ) : null}
          {shown.profile.locale ? (
            <div>
              <dt>Locale</dt>
              <dd>{shown.profile.locale}</dd>
            </div>
          ) : null}
          {shown.profile.phoneNumber ? (
            <div>
              <dt>Phone</dt>
              <dd>{shown.profile.phoneNumber}</dd>
            </div>
          ) : null}
        </dl>
        <div className="button-row">
          {shown.disabled ? (
            <button type="button" onClick={() => void run('enable', `${shown.email} is enabled again.`)}>
              Enable
            </button>
          ) : (
            <button type="button" className="danger-outline" disabled={self} onClick={() => setPending({ kind: 'disable' })}>
              Disable
            </button>
          )}
          {shown.emailVerified ? null : (
            <button type="button" onClick={() => void run('verify', `${shown.email} is marked as verified.`)}>
              Mark verified
            </button>
          )}
          {isLocked(shown) ? (
            <button type="button" onClick={() => void run('unlock', `${shown.email} may sign in again.`)}>
              Unlock
            </button>
          ) : null}
          <button type="button" onClick={() => void run('password-reset', `Mailed ${shown.email} a link, valid 30 minutes, to set a new password.`)}>
            Send password reset
          </button>
          {shown.secondFactors.enabled ? (
            <button type="button" className="danger-outline" onClick={() => setPending({ kind: 'reset-two-step' })}>
              Reset two-step verification
            </button>
          ) : null}
          {shown.isAdmin ? (
            <button type="button" className="danger-outline" disabled={self} onClick={() => setPending({ kind: 'server-admin', isAdmin: false })}>
              Remove server administrator
            </button>
          ) : (
            <button type="button" onClick={() => setPending({ kind: 'server-admin', isAdmin: true })}>
              Make server administrator
            </button>
          )}
          <button type="button" className="danger-outline" disabled={self} onClick={() => setPending({ kind: 'delete' })}>
            Delete
          </button>
        </div>
        {self ? <p className="hint">You can't disable, delete or demote yourself; ask another server administrator.</p> : null}
      </section>
      <section className="card" aria-labelledby="user-sessions">
        <h2 id="user-sessions">Sign-in sessions</h2>
        {sessions.error ? <ErrorSummary error={sessions.error} title="The sessions could not be loaded" /> : null}
        {sessions.data && items.length === 0 ? <p className="hint">No sign-in sessions.</p> : null}
        {items.length > 0 ? (
          <>
            <ul className="plain-list session-list">
              {items.map((item) => (
                <li key={item.sid} className="session-item">
                  <div>
                    <strong>{item.userAgent ?? 'Unknown browser'}</strong>
                    <div className="hint small-text">
                      {item.ip ?? 'unknown address'} · signed in {formatTime(item.authTime)} · last seen {formatTime(item.lastSeenAt)}
                    </div>
                  </div>
                  <button type="button" className="small danger-outline" onClick={() => setPending({ kind: 'end-session', sid: item.sid })}>
                    End
                  </button>
                </li>
              ))}
            </ul>
            <button type="button" className="danger-outline" onClick={() => setPending({ kind: 'end-sessions' })}>
              End every session
            </button>
          </>
        ) : null}
        <Notice>Ending a session signs that browser out. Tokens already issued to apps keep working until they expire; disable the user to stop those.</Notice>
      </section>
      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.kind === 'disable'
            ? `Disable ${shown.email}?`
            : pending?.kind === 'delete'
              ? `Delete ${shown.email}?`
              : pending?.kind === 'reset-two-step'
                ? `Reset two-step verification of ${shown.email}?`
                : pending?.kind === 'server-admin'
                  ? pending.isAdmin
                    ? `Make ${shown.email} a server administrator?`
                    : `Remove ${shown.email} as a server administrator?`
                  : pending?.kind === 'end-sessions'
                    ? 'End every session?'
                    : 'End this session?'
        }
        confirmLabel={
          pending?.kind === 'disable'
            ? 'Disable user'
            : pending?.kind === 'delete'
              ? 'Delete user'
              : pending?.kind === 'reset-two-step'
                ? 'Reset two-step verification'
                : pending?.kind === 'server-admin'
                  ? pending.isAdmin
                    ? 'Make server administrator'
                    : 'Remove server administrator'
                  : 'End'
        }
        danger
        onCancel={() => setPending(null)}
        onConfirm={confirm}
      >
        {pending?.kind === 'disable' ? <p>They can't sign in, their sessions end, and every token issued to them stops working at once.</p> : null}
        {pending?.kind === 'delete' ? <p>The account goes with its sessions, memberships, tokens and client credentials. This cannot be undone.</p> : null}
        {pending?.kind === 'reset-two-step' ? (
          <p>
            Every authenticator app, passkey and recovery code of the account is removed, and they are mailed about it. Where an app or organization requires
            two-step verification, they set up a new second factor at their next sign-in. Do this only once you are sure the request comes from them.
          </p>
        ) : null}
        {pending?.kind === 'server-admin' ? (
          <p>
            {pending.isAdmin
              ? 'A server administrator manages every user and organization of this server, its signing keys, and reviews any app submitted for approval.'
              : 'They keep their account and their roles in organizations, and lose what only server administrators may do.'}
          </p>
        ) : null}
        {pending?.kind === 'end-sessions' || pending?.kind === 'end-session' ? <p>The browser must sign in again.</p> : null}
      </ConfirmDialog>
    </>
  );
}
