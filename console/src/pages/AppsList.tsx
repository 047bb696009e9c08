import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DataTable } from '../components/DataTable';
import { Badge, EmptyState, ErrorSummary, Loading, PageHeader, StatusBadge } from '../components/ui';
import { get, query } from '../lib/api';
import { typeLabel } from '../lib/app-rules';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import type { App, Page } from '../lib/types';

const perPage = 20;

export function AppsList() {
  const org = useOrg();
  useTitle('OAuth apps');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);
  const apps = useLoad(() => get<Page<App>>(`/orgs/${encodeURIComponent(org.slug)}/apps${query({ q, status, page, perPage })}`), [org.slug, q, status, page]);
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  const items = apps.data?.items ?? [];
  const total = apps.data?.total ?? 0;
  const filtered = q !== '' || status !== '';

  return (
    <>
      <PageHeader title="OAuth apps" lead="Apps that sign users in with Latchkey or call your APIs.">
        {org.can('apps:create') ? (
          <Link to={org.path('apps/new')} className="button primary">
            Create New OAuth App
          </Link>
        ) : null}
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
          <label htmlFor="app-search">Search apps</label>
          <input id="app-search" type="search" value={search} placeholder="Name" onChange={(event) => setSearch(event.target.value)} />
        </div>
        <div className="field inline">
          <label htmlFor="app-status">Status</label>
          <select id="app-status" value={status} onChange={(event) => set({ status: event.target.value, page: '' })}>
            <option value="">Any</option>
            <option value="draft">Draft</option>
            <option value="submitted">Submitted</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
          </select>
        </div>
        <button type="submit">Search</button>
        {filtered ? (
          <button type="button" className="link" onClick={() => set({ q: '', status: '', page: '' })}>
            Clear
          </button>
        ) : null}
      </form>
      {apps.error ? <ErrorSummary error={apps.error} title="The apps could not be loaded" /> : null}
      {apps.loading ? <Loading label={apps.data ? 'Updating…' : 'Loading apps…'} /> : null}
      {apps.data && items.length === 0 ? (
        filtered ? (
          <EmptyState title="No app matches">
            <p>Try another name or status.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No OAuth apps yet">
            <p>Create one to sign users in or to call your APIs with client credentials.</p>
            {org.can('apps:create') ? (
              <Link to={org.path('apps/new')} className="button primary">
                Create New OAuth App
              </Link>
            ) : null}
          </EmptyState>
        )
      ) : null}
      {items.length > 0 ? (
        <>
          <DataTable
            caption="OAuth apps"
            rows={items}
            rowKey={(app) => app.clientId}
            columns={[
              {
                header: 'Name',
                cell: (app) => (
                  <>
                    <Link to={org.path(`apps/${encodeURIComponent(app.clientId)}`)}>{app.name}</Link>
                    {app.createdBy === 'latchkey' ? <Badge>built in</Badge> : null}
                    {app.visibility === 'public' ? <Badge kind="info">public</Badge> : null}
                    {app.description ? <div className="hint clamp">{app.description}</div> : null}
                  </>
                ),
              },
              { header: 'Type', cell: (app) => typeLabel(app.type) },
              { header: 'Status', cell: (app) => <StatusBadge status={app.status} /> },
              { header: 'Client ID', className: 'mono small-text', cell: (app) => app.clientId },
            ]}
          />
          <Pager page={page} perPage={perPage} total={total} onPage={(next) => set({ page: next > 1 ? String(next) : '' })} />
        </>
      ) : null}
    </>
  );
}

export function Pager({ page, perPage: size, total, onPage }: { page: number; perPage: number; total: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) return <p className="hint">{total === 1 ? '1 item' : `${total} items`}</p>;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} ({total} items)
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}
