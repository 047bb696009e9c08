import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ConfirmDialog } from '../../components/Dialog';
import { Notice, StatusBadge, TextField } from '../../components/ui';
import { api } from '../../lib/api';
import { formatTime } from '../../lib/format';
import { useOrg } from '../../lib/org';
import { useSession } from '../../lib/session';
import type { Permission } from '../../lib/permissions';
import type { App, AppStatus } from '../../lib/types';
import { useApp } from './context';

type Action = 'submit' | 'approve' | 'reject' | 'activate' | 'disable' | 'enable' | 'delete';

interface ActionInfo {
  label: string;
  from: readonly AppStatus[];
  permission: Permission;
  title: string;
  explanation: string;
  danger: boolean;
  visibility?: 'public' | 'private';
}

/** The app lifecycle: draft → (submitted →) active ⇄ disabled, with the permissions of docs/permissions.md. */
const actions: Record<Action, ActionInfo> = {
  submit: {
    label: 'Submit for approval',
    from: ['draft'],
    permission: 'apps:update',
    visibility: 'public',
    title: 'Submit this app for approval?',
    explanation: 'An admin reviews it. Every redirect URI must be real by now: placeholders are refused.',
    danger: false,
  },
  activate: {
    label: 'Activate',
    from: ['draft'],
    permission: 'apps:update',
    visibility: 'private',
    title: 'Activate this app?',
    explanation: 'It can get tokens from now on. Every redirect URI must be real: placeholders are refused.',
    danger: false,
  },
  approve: {
    label: 'Approve',
    from: ['submitted'],
    permission: 'apps:approve',
    title: 'Approve this app?',
    explanation: 'It becomes active and can get tokens.',
    danger: false,
  },
  reject: {
    label: 'Reject',
    from: ['submitted'],
    permission: 'apps:approve',
    title: 'Reject this app?',
    explanation: 'It goes back to draft; the developer sees your reason.',
    danger: true,
  },
  disable: {
    label: 'Disable',
    // A draft gets no tokens anyway: there is nothing to disable.
    from: ['submitted', 'active'],
    permission: 'apps:approve',
    title: 'Disable this app?',
    explanation: 'It gets no more tokens, and the tokens it has stop working at once (introspection says inactive). You can enable it again.',
    danger: true,
  },
  enable: {
    label: 'Enable',
    from: ['disabled'],
    permission: 'apps:approve',
    title: 'Enable this app?',
    explanation: 'It becomes active again.',
    danger: false,
  },
  delete: {
    label: 'Delete app',
    from: ['draft', 'submitted', 'active', 'disabled'],
    permission: 'apps:delete',
    title: 'Delete this app?',
    explanation: 'The app, its secrets and its certificates are deleted for good, and its client ID stops working. This can’t be undone.',
    danger: true,
  },
};

const statusText: Record<AppStatus, string> = {
  draft: 'A draft: it gets no tokens yet, and may keep placeholder redirect URIs.',
  submitted: 'Waiting for an admin to approve or reject it.',
  active: 'Live: it can get tokens.',
  disabled: 'Disabled: it gets no tokens, and its tokens do not work.',
};

export function LifecycleTab() {
  const { app, setApp, builtIn } = useApp();
  const org = useOrg();
  const { session } = useSession();
  const navigate = useNavigate();
  // The server decides (apps.selfApproval); this only says why an approval may be refused.
  const ownSubmission = app.status === 'submitted' && app.review?.submitterUserId === session.user.id && !session.user.isAdmin;
  const [pending, setPending] = useState<Action | null>(null);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState('');
  const available = (Object.keys(actions) as Action[]).filter((action) => {
    const info = actions[action];
    return info.from.includes(app.status) && (!info.visibility || info.visibility === app.visibility);
  });

  const run = async (action: Action) => {
    if (action === 'delete') {
      await api('DELETE', `/apps/${encodeURIComponent(app.clientId)}`);
      // Under BrowserRouter navigate is synchronous; only a data router returns a promise.
      void navigate(org.path('apps'), { replace: true });
      return;
    }
    const updated = await api<App>('POST', `/apps/${encodeURIComponent(app.clientId)}/${action}`, action === 'reject' ? { reason } : {});
    setApp(updated);
    setPending(null);
    setReason('');
    setDone(`${actions[action].label}: the app is now ${updated.status}.`);
  };

  const info = pending ? actions[pending] : null;
  return (
    <section className="card" aria-labelledby="lifecycle-heading">
      <h2 id="lifecycle-heading">Lifecycle</h2>
      <p>
        <StatusBadge status={app.status} /> {statusText[app.status]}
      </p>
      {app.placeholderRedirectUris.length > 0 ? (
        <Notice kind="warning" title="Placeholder redirect URIs">
          {app.placeholderRedirectUris.join(', ')} {app.placeholderRedirectUris.length === 1 ? 'is a placeholder' : 'are placeholders'}. Replace{' '}
          {app.placeholderRedirectUris.length === 1 ? 'it' : 'them'} on the Basic info tab before you {app.visibility === 'public' ? 'submit' : 'activate'} the
          app.
        </Notice>
      ) : null}
      {app.review ? (
        <dl className="facts">
          {app.review.submittedAt ? (
            <>
              <dt>Submitted</dt>
              <dd>
                {formatTime(app.review.submittedAt)} by {app.review.submittedBy}
              </dd>
            </>
          ) : null}
          {app.review.decision ? (
            <>
              <dt>Review</dt>
              <dd>
                {app.review.decision === 'approved' ? 'Approved' : 'Rejected'} {formatTime(app.review.reviewedAt)} by {app.review.reviewedBy}
                {app.review.reason ? <span className="block">Reason: {app.review.reason}</span> : null}
              </dd>
            </>
          ) : null}
        </dl>
      ) : null}
      {ownSubmission && org.can('apps:approve') ? (
        <Notice title="You submitted this app">
          Another owner or admin of the organization, or a server administrator, reviews it: it is in their <strong>Reviews</strong> queue.
        </Notice>
      ) : null}
      {done ? (
        <p className="notice notice-success" role="status">
          {done}
        </p>
      ) : null}
      {builtIn ? (
        <p className="hint">This app is built in and can't change status or be deleted.</p>
      ) : (
        <div className="button-row wrap">
          {available.map((action) => {
            const allowed = org.can(actions[action].permission);
            return (
              <button
                key={action}
                type="button"
                className={actions[action].danger ? 'danger-outline' : action === 'delete' ? 'danger' : ''}
                disabled={!allowed}
                title={allowed ? undefined : `Your role (${org.role ?? 'none'}) may not do this`}
                onClick={() => {
                  setDone('');
                  setPending(action);
                }}
              >
                {actions[action].label}
              </button>
            );
          })}
        </div>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={info?.title ?? ''}
        confirmLabel={info?.label ?? ''}
        danger={info?.danger ?? false}
        onCancel={() => setPending(null)}
        onConfirm={() => run(pending!)}
        canConfirm={pending !== 'reject' || reason.trim().length > 0}
      >
        <p>{info?.explanation}</p>
        {pending === 'reject' ? (
          <TextField label="Reason" multiline value={reason} onChange={setReason} required hint="1 to 1000 characters; the developer sees it." />
        ) : null}
        {pending === 'delete' ? (
          <p>
            <strong>{app.name}</strong> <span className="mono">{app.clientId}</span>
          </p>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}
