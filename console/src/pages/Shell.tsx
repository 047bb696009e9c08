import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { ErrorSummary, Loading, TextField } from '../components/ui';
import { api, get, loadSession, redirectToSignIn, signOut, type ConsoleSession } from '../lib/api';
import { loadServerMetadata } from '../lib/discovery';
import { useLoad, useTitle } from '../lib/hooks';
import { OrgContext, orgValue } from '../lib/org';
import { roleAllows } from '../lib/permissions';
import { roleIn, SessionContext, useSession, type SessionValue } from '../lib/session';
import { mayReview } from './Reviews';
import type { Me, Org, Page } from '../lib/types';

/** Loads the session (or goes to the hosted sign-in) and who you are, then renders the console. */
export function SessionGate() {
  const [session, setSession] = useState<ConsoleSession | null | undefined>(undefined);
  const [me, setMe] = useState<Me | null>(null);
  const [allOrgs, setAllOrgs] = useState<Org[]>([]);
  const [error, setError] = useState<unknown>(null);

  const reloadMe = useCallback(async () => {
    const loadedMe = await get<Me>('/me');
    setMe(loadedMe);
    if (loadedMe.user?.isAdmin) {
      const page = await get<Page<Org>>('/orgs?perPage=100');
      setAllOrgs(page.items);
    }
  }, []);

  useEffect(() => {
    loadSession()
      .then(async (loaded) => {
        if (!loaded) {
          setSession(null);
          redirectToSignIn();
          return;
        }
        setSession(loaded);
        await reloadMe();
      })
      .catch(setError);
  }, [reloadMe]);

  const value = useMemo<SessionValue | null>(() => {
    if (!session || !me) return null;
    const orgs = [...me.organizations, ...allOrgs.filter((org) => !me.organizations.some((mine) => mine.id === org.id)).map((org) => ({ ...org, role: null }))];
    return { session, me, orgs, reloadMe };
  }, [session, me, allOrgs, reloadMe]);

  if (error) {
    return (
      <main className="centered">
        <ErrorSummary error={error} title="The console could not start" />
        <button type="button" onClick={() => window.location.reload()}>
          Try again
        </button>
      </main>
    );
  }
  if (session === null) return <Loading label="Taking you to sign in…" />;
  if (!value) return <Loading label="Loading the console…" />;
  return (
    <SessionContext.Provider value={value}>
      <Outlet />
    </SessionContext.Provider>
  );
}

/** `/console/`: your first organization's apps. */
export function Home() {
  const session = useSession();
  const first = session.orgs[0];
  if (!first) return <NoOrganization />;
  return <Navigate to={`/orgs/${encodeURIComponent(first.name)}/apps`} replace />;
}

function NoOrganization() {
  const session = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  useTitle('Welcome');
  const accept = async () => {
    setError(null);
    try {
      await api('POST', '/invitations/accept', { token: token.trim() });
      await session.reloadMe();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <div className="shell">
      <TopBar />
      <main className="content narrow" id="main">
        <h1>You are not in an organization yet</h1>
        {session.me.mayCreateOrganizations ? (
          <p>
            <Link to="/orgs/new" className="button primary">
              Create an organization
            </Link>
          </p>
        ) : null}
        <p className="lead">
          {session.me.mayCreateOrganizations ? 'Or join one: ask' : 'Ask'} an admin of your organization to invite you, then open the link in the invitation
          mail, or paste the invitation token they sent you.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void accept();
          }}
        >
          <ErrorSummary error={error} />
          <TextField label="Invitation token" value={token} onChange={setToken} required />
          <button type="submit" className="primary">
            Accept the invitation
          </button>
        </form>
      </main>
    </div>
  );
}

export function TopBar({ children }: { children?: ReactNode }) {
  const { session } = useSession();
  const [signingOut, setSigningOut] = useState(false);
  return (
    <header className="topbar">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link to="/" className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>{' '}
        Latchkey <span className="brand-sub">console</span>
      </Link>
      <div className="topbar-middle">{children}</div>
      <div className="user-menu">
        <span className="user-email" title={session.user.email}>
          {session.user.name || session.user.email}
        </span>
        <button
          type="button"
          className="small"
          disabled={signingOut}
          onClick={() => {
            setSigningOut(true);
            void signOut();
          }}
        >
          Sign out
        </button>
      </div>
    </header>
  );
}

function OrgSwitcher({ current }: { current: string }) {
  const { orgs } = useSession();
  const navigate = useNavigate();
  return (
    <div className="org-switcher">
      <label htmlFor="org-switcher">Organization</label>
      <select id="org-switcher" value={current} onChange={(event) => void navigate(`/orgs/${encodeURIComponent(event.target.value)}/apps`)}>
        {orgs.map((org) => (
          <option key={org.id} value={org.name}>
            {org.displayName || org.name}
            {org.role ? ` (${org.role})` : ' (administrator)'}
          </option>
        ))}
      </select>
    </div>
  );
}

/** `registration`: initial access tokens, shown to those who may see them and only while the server has dynamic registration on. */
const navItems: { to: string; label: string; only?: 'registration' }[] = [
  { to: 'apps', label: 'OAuth apps' },
  { to: 'apis', label: 'APIs' },
  { to: 'credentials', label: 'Client credentials' },
  { to: 'registration', label: 'Dynamic registration', only: 'registration' },
  { to: 'members', label: 'Members' },
  { to: 'connections', label: 'Sign-in connections' },
  { to: 'audit', label: 'Audit log' },
  { to: 'settings', label: 'Organization settings' },
  { to: 'profile', label: 'My profile' },
];

/** The review queue of public apps, shown to those who may review: owners, admins and server administrators. */
const reviewNavItems = [{ to: 'reviews', label: 'Reviews' }];

/** Server-wide pages, shown to server administrators only. */
const adminNavItems = [
  { to: 'users', label: 'Users' },
  { to: 'keys', label: 'Signing keys' },
];

/** The frame of every organization page: top bar, organization switcher, navigation. */
export function OrgLayout() {
  const params = useParams();
  const session = useSession();
  const slug = params.org ?? '';
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const org = useLoad(() => get<Org>(`/orgs/${encodeURIComponent(slug)}`), [slug]);
  const known = session.orgs.find((candidate) => candidate.name === slug || candidate.id === slug);
  const metadata = useLoad(() => loadServerMetadata(session.session.issuer), [session.session.issuer]);
  const showRegistration = Boolean(metadata.data?.registration_endpoint) && roleAllows(roleIn(session, slug), 'registration_tokens:read');

  // Moves focus to the page heading after navigation, so screen readers announce the new page.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    heading?.focus({ preventScroll: false });
  }, [location.pathname]);

  const value = useMemo(() => (org.data ? orgValue(org.data, roleIn(session, org.data.name)) : null), [org.data, session]);

  return (
    <div className="shell">
      <TopBar>
        <OrgSwitcher current={known?.name ?? slug} />
      </TopBar>
      <div className="frame">
        <nav className="sidenav" aria-label="Console">
          <ul>
            {[
              ...navItems.filter((item) => item.only !== 'registration' || showRegistration),
              ...(mayReview(session) ? reviewNavItems : []),
              ...(session.session.user.isAdmin ? adminNavItems : []),
            ].map((item) => (
              <li key={item.to}>
                <NavLink to={`/orgs/${encodeURIComponent(slug)}/${item.to}`}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main className="content" id="main" ref={mainRef}>
          {org.loading && !org.data ? <Loading /> : null}
          {org.error ? <ErrorSummary error={org.error} title="This organization could not be loaded" /> : null}
          {value ? (
            <OrgContext.Provider value={value}>
              <Outlet />
            </OrgContext.Provider>
          ) : null}
        </main>
      </div>
    </div>
  );
}

export function NotFound() {
  useTitle('Not found');
  return (
    <main className="centered" id="main">
      <h1>There is nothing here</h1>
      <p>
        <Link to="/">Go to the console</Link>
      </p>
    </main>
  );
}
