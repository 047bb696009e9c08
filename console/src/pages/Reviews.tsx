import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DataTable } from '../components/DataTable';
import { ConfirmDialog } from '../components/Dialog';
import { Badge, EmptyState, ErrorSummary, Loading, PageHeader, TextField } from '../components/ui';
import { api, enc, get, query } from '../lib/api';
import { typeLabel } from '../lib/app-rules';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useSession, type SessionValue } from '../lib/session';
import type { App, Page, ReviewItem } from '../lib/types';
import { Pager } from './AppsList';

const perPage = 20;

/** Who reviews public apps: server administrators, and owners and admins of an organization. */
export function mayReview(session: SessionValue): boolean {
  return session.session.user.isAdmin || session.me.organizations.some((org) => org.role === 'owner' || org.role === 'admin');
}

type Decision = { item: ReviewItem; action: 'approve' | 'reject' };

/**
 * The review queue: submitted public apps awaiting a review you may give, across your
 * organizations (every organization for server administrators). Your own submissions are
 * someone else's to review.
 */
export function Reviews() {
  const session = useSession();
  useTitle('Reviews');
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page') ?? '1') || 1;
  const allowed = mayReview(session);
  const queue = useLoad(() => (allowed ? get<Page<ReviewItem>>(`/reviews${query({ page, perPage })}`) : Promise.resolve(undefined)), [page, allowed]);
  const [pending, setPending] = useState<Decision | null>(null);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState('');

  if (!allowed) {
    return (
      <EmptyState title="Only owners and admins review apps">
        <p>Public apps are approved by an owner or admin of their organization, or by a server administrator.</p>
      </EmptyState>
    );
  }
  const items = queue.data?.items ?? [];
  const decide = async ({ item, action }: Decision) => {
    const updated = await api<App>('POST', `/apps/${enc(item.clientId)}/${action}`, action === 'reject' ? { reason } : {});
    setPending(null);
    setReason('');
    setDone(`${item.name} ${action === 'approve' ? 'was approved' : 'was rejected'}: it is now ${updated.status}.`);
    queue.reload();
  };

  return (
    <>
      <PageHeader
        title="Reviews"
        lead={
          session.session.user.isAdmin
            ? 'Public apps submitted for approval in every organization, oldest first.'
            : 'Public apps submitted for approval in the organizations you own or administer, oldest first. Your own submissions are reviewed by someone else.'
        }
      />
      {done ? (
        <p className="notice notice-success" role="status">
          {done}
        </p>
      ) : null}
      {queue.error ? <ErrorSummary error={queue.error} title="The review queue could not be loaded" /> : null}
      {queue.loading ? <Loading label={queue.data ? 'Updating…' : 'Loading the review queue…'} /> : null}
      {queue.data && items.length === 0 ? (
        <EmptyState title="Nothing to review">
          <p>When a developer submits a public app for approval, it shows up here.</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <>
          <DataTable
            caption="Apps awaiting review"
            rows={items}
            rowKey={(item) => item.clientId}
            columns={[
              {
                header: 'App',
                cell: (item) => (
                  <>
                    <Link to={`/orgs/${enc(item.orgName)}/apps/${enc(item.clientId)}`}>{item.name}</Link> <Badge>{typeLabel(item.type)}</Badge>
                    {item.description ? <div className="hint clamp">{item.description}</div> : null}
                    <div className="mono small-text">{item.clientId}</div>
                  </>
                ),
              },
              { header: 'Organization', cell: (item) => item.orgName },
              {
                header: 'Submitted',
                cell: (item) => (
                  <>
                    {formatTime(item.review?.submittedAt)}
                    {item.review?.submittedBy ? <div className="hint">by {item.review.submittedBy}</div> : null}
                  </>
                ),
              },
              {
                header: 'Decision',
                cell: (item) => (
                  <div className="button-row wrap">
                    <button
                      type="button"
                      aria-label={`Approve ${item.name}`}
                      onClick={() => {
                        setDone('');
                        setPending({ item, action: 'approve' });
                      }}
                    >
                      Approve
                    </button>
                    <button
                      type="button"
                      className="danger-outline"
                      aria-label={`Reject ${item.name}`}
                      onClick={() => {
                        setDone('');
                        setPending({ item, action: 'reject' });
                      }}
                    >
                      Reject
                    </button>
                  </div>
                ),
              },
            ]}
          />
          <Pager
            page={page}
            perPage={perPage}
            total={queue.data?.total ?? 0}
            onPage={(next) => setParams(next > 1 ? { page: String(next) } : {}, { replace: true })}
          />
        </>
      ) : null}
      <ConfirmDialog
        open={pending !== null}
        title={pending?.action === 'reject' ? 'Reject this app?' : 'Approve this app?'}
        confirmLabel={pending?.action === 'reject' ? 'Reject' : 'Approve'}
        danger={pending?.action === 'reject'}
        onCancel={() => {
          setPending(null);
          setReason('');
        }}
        onConfirm={() => decide(pending!)}
        canConfirm={pending?.action !== 'reject' || reason.trim().length > 0}
      >
        <p>
          <strong>{pending?.item.name}</strong> of {pending?.item.orgName}{' '}
          {pending?.action === 'reject' ? 'goes back to draft; the developer sees your reason.' : 'becomes active and can get tokens.'}
        </p>
        {pending?.action === 'reject' ? (
          <TextField label="Reason" multiline value={reason} onChange={setReason} required hint="1 to 1000 characters; the developer sees it." />
        ) : null}
      </ConfirmDialog>
    </>
  );
}
