import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { DataTable } from '../components/DataTable';
import { EmptyState, ErrorSummary, Loading, Notice, PageHeader, Select, TextField } from '../components/ui';
import { get, query } from '../lib/api';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import type { App, AuditEvent, Page } from '../lib/types';
import { Pager } from './AppsList';

const perPage = 25;

/** A datetime-local value (local time) as RFC 3339, which the API wants. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The audit log: every change, who made it and when; never a secret. */
export function Audit() {
  const org = useOrg();
  useTitle('Audit log');
  const [params, setParams] = useSearchParams();
  const appId = params.get('appId') ?? '';
  const action = params.get('action') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const [draft, setDraft] = useState({ appId, action, from, to });
  useEffect(() => setDraft({ appId, action, from, to }), [appId, action, from, to]);
  const canRead = org.can('audit:read');
  const apps = useLoad(() => get<Page<App>>(`/orgs/${encodeURIComponent(org.slug)}/apps?perPage=100`), [org.slug]);
  const events = useLoad(
    () =>
      canRead
        ? get<Page<AuditEvent>>(`/orgs/${encodeURIComponent(org.slug)}/audit${query({ appId, action, from: toIso(from), to: toIso(to), page, perPage })}`)
        : Promise.resolve(undefined),
    [org.slug, appId, action, from, to, page, canRead],
  );

  if (!canRead) {
    return (
      <>
        <PageHeader title="Audit log" />
        <Notice kind="info">Owners and admins read the audit log. Your role is {org.role ?? 'none'}.</Notice>
      </>
    );
  }
  const apply = (next: Record<string, string>) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(next)) if (value) search.set(name, value);
    setParams(search, { replace: true });
  };
  const items = events.data?.items ?? [];
  const filtered = Boolean(appId || action || from || to);
  return (
    <>
      <PageHeader title="Audit log" lead="Every change in this organization: who, when, and what changed. Secrets are never recorded." />
      <form
        className="toolbar wrap"
        onSubmit={(event) => {
          event.preventDefault();
          apply(draft);
        }}
      >
        <Select
          label="App"
          value={draft.appId}
          onChange={(value) => setDraft({ ...draft, appId: value })}
          options={[{ value: '', label: 'All apps' }, ...(apps.data?.items ?? []).map((app) => ({ value: app.clientId, label: app.name }))]}
          className="inline"
        />
        <TextField
          label="Action"
          value={draft.action}
          onChange={(value) => setDraft({ ...draft, action: value })}
          placeholder="app.updated"
          className="inline"
        />
        <TextField label="From" type="datetime-local" value={draft.from} onChange={(value) => setDraft({ ...draft, from: value })} className="inline" />
        <TextField label="To" type="datetime-local" value={draft.to} onChange={(value) => setDraft({ ...draft, to: value })} className="inline" />
        <button type="submit">Filter</button>
        {filtered ? (
          <button type="button" className="link" onClick={() => apply({})}>
            Clear
          </button>
        ) : null}
      </form>
      {events.error ? <ErrorSummary error={events.error} title="The audit log could not be loaded" /> : null}
      {events.loading ? <Loading label={events.data ? 'Updating…' : 'Loading the audit log…'} /> : null}
      {events.data && items.length === 0 ? <EmptyState title={filtered ? 'Nothing matches these filters' : 'Nothing has happened yet'} /> : null}
      {items.length > 0 ? (
        <>
          <DataTable
            caption="Audit records"
            className="audit"
            rows={items}
            rowKey={(event) => event.id}
            columns={[
              { header: 'When', className: 'small-text nowrap', cell: (event) => formatTime(event.createdAt) },
              { header: 'Who', cell: (event) => event.actor.label },
              { header: 'What', className: 'mono small-text', cell: (event) => event.action },
              {
                header: 'Target',
                className: 'small-text',
                cell: (event) => (
                  <>
                    {event.targetType} <span className="mono break">{event.targetId}</span>
                  </>
                ),
              },
              {
                header: 'Changes',
                cell: (event) =>
                  Object.keys(event.changes).length > 0 ? (
                    <details>
                      <summary>
                        {Object.keys(event.changes).slice(0, 4).join(', ')}
                        {Object.keys(event.changes).length > 4 ? '…' : ''}
                      </summary>
                      <pre className="json small">{JSON.stringify(event.changes, null, 2)}</pre>
                    </details>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
          <Pager
            page={page}
            perPage={perPage}
            total={events.data?.total ?? 0}
            onPage={(next) => apply({ appId, action, from, to, page: next > 1 ? String(next) : '' })}
          />
        </>
      ) : null}
    </>
  );
}
