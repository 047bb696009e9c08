import type { ConnectionView } from '@contracts/views';
import { useState } from 'react';
import { ConfirmAction } from '../components/Dialog';
import { Badge, Checkbox, EmptyState, ErrorSummary, Loading, Notice, PageHeader, TextField } from '../components/ui';
import { api, enc, get } from '../lib/api';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { firstFor, useServerProblems } from '../lib/problems';
import { useSession } from '../lib/session';
import type { Page } from '../lib/types';

const mappedFields = ['email', 'given_name', 'family_name', 'name', 'picture', 'locale'] as const;

interface Draft {
  name: string;
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  domains: string;
  mapping: Record<string, string>;
  trustUpstreamMfa: boolean;
  enabled: boolean;
}

function draftOf(connection: ConnectionView | null): Draft {
  return {
    name: connection?.name ?? '',
    displayName: connection?.displayName ?? '',
    issuer: connection?.issuer ?? '',
    clientId: connection?.clientId ?? '',
    clientSecret: '',
    scopes: (connection?.scopes ?? ['openid', 'email', 'profile']).join(' '),
    domains: (connection?.domains ?? []).join(' '),
    mapping: { ...(connection?.claimMapping ?? {}) },
    trustUpstreamMfa: connection?.trustUpstreamMfa ?? false,
    enabled: connection?.enabled ?? true,
  };
}

function bodyOf(draft: Draft, creating: boolean): Record<string, unknown> {
  const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);
  return {
    name: draft.name.trim(),
    displayName: draft.displayName.trim(),
    issuer: draft.issuer.trim(),
    clientId: draft.clientId.trim(),
    // Write-only: left empty on an edit, the stored secret stays.
    ...(creating || draft.clientSecret ? { clientSecret: draft.clientSecret } : {}),
    scopes: words(draft.scopes),
    domains: words(draft.domains),
    claimMapping: Object.fromEntries(Object.entries(draft.mapping).filter(([, claim]) => claim.trim() !== '')),
    trustUpstreamMfa: draft.trustUpstreamMfa,
    enabled: draft.enabled,
  };
}

/** Adds or changes one connection. */
function ConnectionEditor(props: { connection: ConnectionView | null; createPath: string; onDone: () => void; onCancel: () => void }) {
  const creating = props.connection === null;
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.connection));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useServerProblems(error, { ...draft, claimMapping: draft.mapping });
  const set = (changes: Partial<Draft>) => setDraft((current) => ({ ...current, ...changes }));
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      if (creating) await api('POST', props.createPath, bodyOf(draft, true));
      else await api('PATCH', `/connections/${enc(props.connection!.id)}`, bodyOf(draft, false));
      props.onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="card"
      aria-label={creating ? 'New connection' : `Edit ${props.connection!.displayName}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>{creating ? 'New connection' : `Edit ${props.connection!.displayName}`}</h2>
      <ErrorSummary error={error} title="The connection was not saved" problems={errors} labels={{ clientId: 'Client ID', domains: 'Email domains' }} />
      <TextField
        label="Display name"
        value={draft.displayName}
        onChange={(value) => set({ displayName: value })}
        required
        hint='The button reads "Continue with …".'
        error={firstFor(errors, 'displayName')}
        autoFocus
      />
      <TextField
        label="Name"
        value={draft.name}
        onChange={(value) => set({ name: value })}
        required
        hint="A slug: lower-case letters, digits and hyphens."
        error={firstFor(errors, 'name')}
      />
      <TextField
        label="Issuer"
        type="url"
        value={draft.issuer}
        onChange={(value) => set({ issuer: value })}
        required
        hint="https; http only on 127.0.0.1, ::1 or localhost."
        error={firstFor(errors, 'issuer')}
      />
      <TextField label="Client ID" value={draft.clientId} onChange={(value) => set({ clientId: value })} required error={firstFor(errors, 'clientId')} />
      <TextField
        label="Client secret"
        type="password"
        autoComplete="new-password"
        value={draft.clientSecret}
        onChange={(value) => set({ clientSecret: value })}
        required={creating}
        hint={creating ? 'Write-only: it is never shown again.' : 'Leave empty to keep the stored secret.'}
        error={firstFor(errors, 'clientSecret')}
      />
      <TextField
        label="Scopes"
        value={draft.scopes}
        onChange={(value) => set({ scopes: value })}
        hint="Space-separated; must include openid."
        error={firstFor(errors, 'scopes')}
      />
      <TextField
        label="Email domains"
        value={draft.domains}
        onChange={(value) => set({ domains: value })}
        hint="Space-separated: an email of these domains goes straight to this connection."
        error={firstFor(errors, 'domains')}
      />
      <fieldset>
        <legend>Claim mapping (empty: the claim of the same name)</legend>
        {mappedFields.map((field) => (
          <TextField
            key={field}
            label={`${field} from claim`}
            value={draft.mapping[field] ?? ''}
            onChange={(value) => set({ mapping: { ...draft.mapping, [field]: value } })}
            error={firstFor(errors, `claimMapping.${field}`)}
          />
        ))}
      </fieldset>
      <Checkbox
        label="Trust the upstream's multi-factor sign-in (amr mfa)"
        checked={draft.trustUpstreamMfa}
        onChange={(value) => set({ trustUpstreamMfa: value })}
      />
      <Checkbox label="Enabled: offer it on the sign-in page" checked={draft.enabled} onChange={(value) => set({ enabled: value })} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy}>
          {creating ? 'Add connection' : 'Save'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** One scope of connections: the organization's, or the server's. */
function ConnectionList(props: { title: string; lead: string; listPath: string; mayManage: boolean }) {
  const [editing, setEditing] = useState<ConnectionView | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const list = useLoad(() => get<Page<ConnectionView>>(`${props.listPath}?perPage=100`), [props.listPath, reload]);
  const items = list.data?.items ?? [];
  const done = (message: string) => {
    setEditing(null);
    setNotice(message);
    setReload((value) => value + 1);
  };
  return (
    <section aria-label={props.title}>
      <h2>{props.title}</h2>
      <p className="hint">{props.lead}</p>
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.error ? <ErrorSummary error={list.error} title="The connections could not be loaded" /> : null}
      {list.data && items.length === 0 ? <EmptyState title="No connections yet" /> : null}
      <ul className="card-list">
        {items.map((connection) => (
          <li key={connection.id} className="card">
            <div>
              <strong>{connection.displayName}</strong> <code>{connection.name}</code> {connection.enabled ? null : <Badge kind="warning">disabled</Badge>}
              {connection.trustUpstreamMfa ? <Badge kind="info">trusts upstream MFA</Badge> : null}
            </div>
            <div className="hint">
              {connection.issuer} · client {connection.clientId} · domains {connection.domains.join(', ') || '—'}
            </div>
            <div className="hint">
              Callback URL to register: <code>{connection.callbackUrl}</code>
            </div>
            {props.mayManage ? (
              <div className="button-row">
                <button type="button" onClick={() => setEditing(connection)} aria-label={`Edit ${connection.displayName}`}>
                  Edit
                </button>
                <ConfirmAction
                  label="Delete"
                  buttonClassName="danger"
                  ariaLabel={`Delete ${connection.displayName}`}
                  title={`Delete ${connection.displayName}?`}
                  confirmLabel="Delete connection"
                  danger
                  onConfirm={async () => {
                    await api('DELETE', `/connections/${enc(connection.id)}`);
                    done('The connection was deleted.');
                  }}
                >
                  <p>Every identity linked through it is unlinked; people who signed in only with it lose that way in.</p>
                </ConfirmAction>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {props.mayManage && editing === null ? (
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Add connection
        </button>
      ) : null}
      {editing !== null ? (
        <ConnectionEditor
          key={editing === 'new' ? 'new' : editing.id}
          connection={editing === 'new' ? null : editing}
          createPath={props.listPath}
          onDone={() => done(editing === 'new' ? 'The connection was added.' : 'The connection was saved.')}
          onCancel={() => setEditing(null)}
        />
      ) : null}
    </section>
  );
}

/** `/console/orgs/:org/connections`: sign-in connections to upstream OpenID providers. */
export function Connections() {
  const org = useOrg();
  const { session } = useSession();
  useTitle('Sign-in connections');
  const mayRead = org.can('connections:read');
  return (
    <>
      <PageHeader title="Sign-in connections" lead="Upstream OpenID providers people may sign in with: Keycloak, Entra ID, Google, another Latchkey." />
      {mayRead ? (
        <ConnectionList
          title={`${org.org.displayName}'s connections`}
          lead="Offered on the sign-in page when an app's authorization request names this organization."
          listPath={`/orgs/${enc(org.slug)}/connections`}
          mayManage={org.can('connections:manage')}
        />
      ) : (
        <Notice>Owners and admins of the organization manage its sign-in connections.</Notice>
      )}
      {session.user.isAdmin ? (
        <ConnectionList title="Server connections" lead="Offered on every sign-in page. Server administrators only." listPath="/connections" mayManage />
      ) : null}
    </>
  );
}
