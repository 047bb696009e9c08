import { useMemo } from 'react';
import { Link, NavLink, Navigate, useParams } from 'react-router';
import { Badge, ErrorSummary, Loading, StatusBadge } from '../../components/ui';
import { get } from '../../lib/api';
import { typeLabel } from '../../lib/app-rules';
import { formatTime } from '../../lib/format';
import { useLoad, useTitle } from '../../lib/hooks';
import { useOrg } from '../../lib/org';
import type { App } from '../../lib/types';
import { AdvancedTab } from './AdvancedTab';
import { BasicTab } from './BasicTab';
import { AppContext, type AppValue } from './context';
import { LifecycleTab } from './LifecycleTab';
import { LogoutTab } from './LogoutTab';
import { OAuthTab } from './OAuthTab';
import { Playground } from './Playground';
import { QuickstartTab } from './QuickstartTab';
import { TokensTab } from './TokensTab';

const tabs = [
  { id: 'basic', label: 'Basic info' },
  { id: 'quickstart', label: 'Quickstart' },
  { id: 'oauth', label: 'OAuth & scopes' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'advanced', label: 'Advanced' },
  { id: 'logout', label: 'Logout' },
  { id: 'lifecycle', label: 'Lifecycle' },
  { id: 'playground', label: 'Playground' },
] as const;

export function AppPage() {
  const { clientId = '', tab } = useParams();
  const org = useOrg();
  const loaded = useLoad(() => get<App>(`/apps/${encodeURIComponent(clientId)}`), [clientId]);
  const app = loaded.data;
  useTitle(app ? app.name : 'App');
  const value = useMemo<AppValue | null>(() => {
    if (!app) return null;
    const builtIn = app.createdBy === 'latchkey';
    return { app, setApp: loaded.setData, reload: loaded.reload, canEdit: org.can('apps:update') && !builtIn, builtIn };
  }, [app, loaded.setData, loaded.reload, org]);

  if (!tab) return <Navigate to="basic" replace />;
  if (loaded.error)
    return (
      <>
        <p>
          <Link to={org.path('apps')}>← OAuth apps</Link>
        </p>
        <ErrorSummary error={loaded.error} title="The app could not be loaded" />
      </>
    );
  if (!value || !app) return <Loading label="Loading the app…" />;
  const current = tabs.find((candidate) => candidate.id === tab) ?? tabs[0];
  return (
    <AppContext.Provider value={value}>
      <p className="breadcrumb">
        <Link to={org.path('apps')}>← OAuth apps</Link>
      </p>
      <div className="page-header">
        <div>
          <h1 tabIndex={-1}>{app.name}</h1>
          <p className="lead">
            <StatusBadge status={app.status} /> {typeLabel(app.type)} · {app.clientType} client · {app.visibility}{' '}
            {value.builtIn ? <Badge>built in</Badge> : null}
          </p>
          <p className="hint">
            Client ID <span className="mono">{app.clientId}</span>
            {app.clientType === 'confidential' ? ` · last used: ${app.lastUsedAt ? formatTime(app.lastUsedAt) : 'never'}` : null}
          </p>
        </div>
      </div>
      <nav className="tabs" aria-label="App settings">
        {tabs.map((item) => (
          <NavLink
            key={item.id}
            to={org.path(`apps/${encodeURIComponent(app.clientId)}/${item.id}`)}
            className={({ isActive }) => (isActive ? 'tab active' : 'tab')}
          >
            {item.label}
          </NavLink>
        ))}
      </nav>
      <section className="tab-panel" aria-label={current.label}>
        {current.id === 'basic' ? <BasicTab /> : null}
        {current.id === 'quickstart' ? <QuickstartTab /> : null}
        {current.id === 'oauth' ? <OAuthTab /> : null}
        {current.id === 'tokens' ? <TokensTab /> : null}
        {current.id === 'advanced' ? <AdvancedTab /> : null}
        {current.id === 'logout' ? <LogoutTab /> : null}
        {current.id === 'lifecycle' ? <LifecycleTab /> : null}
        {current.id === 'playground' ? <Playground /> : null}
      </section>
    </AppContext.Provider>
  );
}
