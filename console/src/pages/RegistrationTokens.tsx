import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Checkbox, CopyButton, CopyField, EmptyState, ErrorSummary, Loading, Notice, PageHeader, TextField } from '../components/ui';
import { api, enc, get } from '../lib/api';
import { appTypeChoices, grantTypeLabels, grantTypeNames, typeLabel } from '../lib/app-rules';
import { loadServerMetadata } from '../lib/discovery';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { fieldErrorsOf, type FieldErrors } from '../lib/problems';
import { useSession } from '../lib/session';
import type { AppType, InitialToken } from '../lib/types';
import {
  defaultInitialTokenLifetimeDays,
  defaultRegistrationAppTypes,
  defaultRegistrationGrantTypes,
  maxInitialTokenLifetimeDays,
  maxInitialTokenUses,
} from '@contracts/limits';

type Created = InitialToken & { token: string };

const stateNames: Record<InitialToken['state'], string> = { active: 'Active', used_up: 'Used up', expired: 'Expired', revoked: 'Revoked' };
const stateBadges: Record<InitialToken['state'], string> = {
  active: 'badge-active',
  used_up: 'badge-draft',
  expired: 'badge-warning',
  revoked: 'badge-disabled',
};

const allGrantTypes = Object.values(grantTypeNames);

function list(words: readonly string[], last = 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/** "Authorization code (with PKCE)" → "authorization code (with PKCE)"; "JWT bearer" stays. */
const inSentence = (label: string) => (/^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label);

/** The policy in words: what apps the token registers, with which grants, scopes and redirect URI hosts. */
export function policySummary(policy: InitialToken['policy']): string {
  const types = list(policy.appTypes.map((type) => inSentence(typeLabel(type).replace(/ app$/, ''))));
  const grants = list(
    policy.grantTypes.map((grant) => inSentence(grantTypeLabels[grant] ?? grant)),
    'and',
  );
  const scopes = policy.scopes === null ? 'any scope the organization allows' : `scopes ${policy.scopes.join(' ') || '(none)'}`;
  const hosts = policy.redirectUriHosts === null ? 'redirect URIs on any host' : `redirect URIs on ${list(policy.redirectUriHosts)}`;
  return `Registers ${types} apps using ${grants}; ${scopes}; ${hosts}.`;
}

/** A redirect URI the policy accepts, for the example request. */
function exampleRedirectUri(policy: InitialToken['policy']): string {
  const host = policy.redirectUriHosts?.[0];
  if (!host) return 'https://app.example.com/callback';
  if (host.endsWith(':')) return `${host}/callback`;
  return `https://${host.replace(/^\*\./, 'app.')}/callback`;
}

/** The registration request as a shell command (RFC 7591 §3.1). */
export function curlExample(endpoint: string, created: Created): string {
  const metadata: Record<string, unknown> = { client_name: 'My app', redirect_uris: [exampleRedirectUri(created.policy)] };
  // Without `web`, only public clients may register: RFC 7591's default method is client_secret_basic.
  if (!created.policy.appTypes.includes('web')) metadata.token_endpoint_auth_method = 'none';
  // Without `scope` an app gets its type's default scopes, which a scope policy may not allow.
  if (created.policy.scopes !== null) metadata.scope = created.policy.scopes.join(' ');
  if (created.policy.appTypes.includes('native') && !created.policy.appTypes.includes('spa') && !created.policy.appTypes.includes('web'))
    metadata.application_type = 'native';
  return [
    `curl -X POST ${endpoint} \\`,
    `  -H 'Authorization: Bearer ${created.token}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(metadata)}'`,
  ].join('\n');
}

/** Problems about this field or an item of it (`scopes[2]`), naming the item as it was typed. */
function messageUnder(errors: FieldErrors, field: string, items: readonly string[] = []): string | undefined {
  const messages = errors.flatMap((problem) => {
    if (problem.field === field) return [problem.message];
    const index = new RegExp(`^${field}\\[(\\d+)\\]`).exec(problem.field)?.[1];
    if (index === undefined) return [];
    const item = items[Number(index)];
    return [item === undefined ? problem.message : `${item}: ${problem.message}`];
  });
  return messages.length > 0 ? [...new Set(messages)].join('; ') : undefined;
}

/** The fields as the form labels them, for the summary of a refusal. */
const registrationLabels = {
  maxUses: 'Maximum uses',
  expiresInDays: 'Expires in (days)',
  appTypes: 'App types it may register',
  grantTypes: 'Grant types registered apps may use',
  'redirectUriHosts[]': 'Redirect URI host {n}',
  redirectUriHosts: 'Redirect URI hosts',
  'scopes[]': 'Scope {n}',
};

const withoutField = (errors: FieldErrors, field: string): FieldErrors =>
  errors.filter((problem) => problem.field !== field && !problem.field.startsWith(`${field}[`));

function wholeIn(value: string, max: number): boolean {
  const number = Number(value);
  return value.trim() !== '' && Number.isInteger(number) && number >= 1 && number <= max;
}

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

interface Draft {
  name: string;
  maxUses: string;
  expiresInDays: string;
  appTypes: AppType[];
  grantTypes: string[];
  scopes: string;
  redirectUriHosts: string;
}

const emptyDraft = (): Draft => ({
  name: '',
  maxUses: '1',
  expiresInDays: String(defaultInitialTokenLifetimeDays),
  appTypes: [...defaultRegistrationAppTypes],
  grantTypes: [...defaultRegistrationGrantTypes],
  scopes: '',
  redirectUriHosts: '',
});

/** The console's own checks, with the server's messages, before anything is sent. */
function checkDraft(draft: Draft): FieldErrors {
  const problems: { field: string; message: string }[] = [];
  if (!draft.name.trim()) problems.push({ field: 'name', message: 'must not be empty' });
  if (!wholeIn(draft.maxUses, maxInitialTokenUses)) problems.push({ field: 'maxUses', message: `must be from 1 to ${maxInitialTokenUses}` });
  if (!wholeIn(draft.expiresInDays, maxInitialTokenLifetimeDays))
    problems.push({ field: 'expiresInDays', message: `must be from 1 to ${maxInitialTokenLifetimeDays} days` });
  if (draft.appTypes.length === 0) problems.push({ field: 'appTypes', message: 'name at least one app type' });
  if (draft.grantTypes.length === 0) problems.push({ field: 'grantTypes', message: 'name at least one grant type' });
  return problems;
}

interface CheckboxGroupProps<T extends string> {
  legend: string;
  options: readonly { value: T; label: string; hint?: ReactNode }[];
  checked: readonly T[];
  onChange: (checked: T[]) => void;
  error: string | undefined;
}

/** A fieldset of checkboxes with one error for the whole list (`appTypes`, `grantTypes`). */
function CheckboxGroup<T extends string>({ legend, options, checked, onChange, error }: CheckboxGroupProps<T>) {
  const errorId = useId();
  return (
    <fieldset aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <Checkbox
          key={option.value}
          label={option.label}
          hint={option.hint}
          checked={checked.includes(option.value)}
          onChange={(on) => onChange(on ? [...checked, option.value] : checked.filter((item) => item !== option.value))}
        />
      ))}
      {error ? (
        <div className="field-error" id={errorId} role="alert">
          {error}
        </div>
      ) : null}
    </fieldset>
  );
}

function CreateTokenDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (created: Created) => void }) {
  const org = useOrg();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [errors, setErrors] = useState<FieldErrors>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const edit = <K extends keyof Draft>(field: K, value: Draft[K]) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setErrors((current) => withoutField(current, field));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const problems = checkDraft(draft);
    setErrors(problems);
    if (problems.length > 0) return;
    const scopes = words(draft.scopes);
    const hosts = words(draft.redirectUriHosts);
    setBusy(true);
    try {
      const created = await api<Created>('POST', `/orgs/${enc(org.slug)}/registration-tokens`, {
        name: draft.name.trim(),
        maxUses: Number(draft.maxUses),
        expiresInDays: Number(draft.expiresInDays),
        appTypes: draft.appTypes,
        grantTypes: draft.grantTypes,
        scopes: scopes.length > 0 ? scopes : null,
        redirectUriHosts: hosts.length > 0 ? hosts : null,
      });
      setDraft(emptyDraft());
      setErrors([]);
      onCreated(created);
    } catch (caught) {
      setError(caught);
      setErrors(fieldErrorsOf(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title="Issue a registration token" onClose={onClose} dismissible={!busy} wide>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ErrorSummary error={error} title="The token was not issued" problems={errors} labels={registrationLabels} />
        <TextField
          label="Name"
          hint="What it is for, such as the partner it goes to; the audit log names the apps it registers by it."
          value={draft.name}
          onChange={(value) => edit('name', value)}
          error={messageUnder(errors, 'name')}
          required
        />
        <div className="grid-2">
          <TextField
            label="Maximum uses"
            hint={`How many apps it may register: 1 to ${maxInitialTokenUses.toLocaleString('en')}.`}
            type="number"
            inputMode="numeric"
            min={1}
            max={maxInitialTokenUses}
            value={draft.maxUses}
            onChange={(value) => edit('maxUses', value)}
            error={messageUnder(errors, 'maxUses')}
          />
          <TextField
            label="Expires in (days)"
            hint={`1 to ${maxInitialTokenLifetimeDays} days; ${defaultInitialTokenLifetimeDays} unless you change it.`}
            type="number"
            inputMode="numeric"
            min={1}
            max={maxInitialTokenLifetimeDays}
            value={draft.expiresInDays}
            onChange={(value) => edit('expiresInDays', value)}
            error={messageUnder(errors, 'expiresInDays')}
          />
        </div>
        <CheckboxGroup
          legend="App types it may register"
          options={appTypeChoices.map((choice) => ({ value: choice.type, label: choice.title }))}
          checked={draft.appTypes}
          onChange={(values) => edit('appTypes', values)}
          error={messageUnder(errors, 'appTypes')}
        />
        <CheckboxGroup
          legend="Grant types registered apps may use"
          options={allGrantTypes.map((grant) => ({ value: grant, label: grantTypeLabels[grant] ?? grant, hint: <code>{grant}</code> }))}
          checked={draft.grantTypes}
          onChange={(values) => edit('grantTypes', values)}
          error={messageUnder(errors, 'grantTypes')}
        />
        <TextField
          label="Scopes"
          hint="The scopes registered apps may ask for, separated by spaces. Empty: any scope the organization allows."
          value={draft.scopes}
          onChange={(value) => edit('scopes', value)}
          error={messageUnder(errors, 'scopes', words(draft.scopes))}
          placeholder="openid profile read:orders"
        />
        <TextField
          label="Redirect URI hosts"
          hint={
            <>
              Hosts that redirect URIs may name, separated by spaces or lines: <code>app.example.com</code>, <code>*.example.com</code> (its subdomains) or a
              private-use scheme such as <code>com.example.app:</code>. Empty: any host the usual redirect URI rules allow.
            </>
          }
          value={draft.redirectUriHosts}
          onChange={(value) => edit('redirectUriHosts', value)}
          error={messageUnder(errors, 'redirectUriHosts', words(draft.redirectUriHosts))}
          multiline
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Issuing…' : 'Issue token'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function CreatedToken({ created, endpoint, onDone }: { created: Created; endpoint: string; onDone: () => void }) {
  const example = curlExample(endpoint, created);
  return (
    <section className="card" aria-labelledby="iat-created">
      <h2 id="iat-created">Token “{created.name}” issued</h2>
      <Notice kind="warning" title="Copy the token now">
        It is shown only this once; Latchkey keeps only a hash of it. Give it to whoever registers the apps, over a channel you trust.
      </Notice>
      <CopyField label="Initial access token" value={created.token} secret testId="initial-access-token" />
      <CopyField label="Registration endpoint" value={endpoint} />
      <h3 id="iat-example">Register a client with it</h3>
      <pre className="json small" aria-labelledby="iat-example" tabIndex={0} data-testid="registration-example">
        {example}
      </pre>
      <div className="button-row">
        <CopyButton text={example} label="Copy" what="the example request" />
        <button type="button" onClick={onDone}>
          Done, I copied it
        </button>
      </div>
    </section>
  );
}

function RegistrationOff() {
  const org = useOrg();
  return (
    <EmptyState title="Dynamic registration is off on this server">
      <p>
        Apps can register themselves (RFC 7591) only while the server's <code>registration.enabled</code> setting is on (
        <code>LATCHKEY_REGISTRATION_ENABLED=true</code>); the server's operator turns it on in its configuration and restarts it. Discovery then names{' '}
        <code>registration_endpoint</code> and this page issues the tokens apps register with.
      </p>
      <p>
        Until then, <Link to={org.path('apps/new')}>create apps by hand</Link>.
      </p>
    </EmptyState>
  );
}

function TokenCard({ token, canManage, onRevoke }: { token: InitialToken; canManage: boolean; onRevoke: () => void }) {
  return (
    <li className="card key-card" aria-label={`Token ${token.name}`}>
      <div className="key-card-head">
        <strong className="key-kid">{token.name}</strong> <span className={`badge ${stateBadges[token.state]}`}>{stateNames[token.state]}</span>
      </div>
      <dl className="facts">
        <div>
          <dt>Uses left</dt>
          <dd data-testid="uses-left">
            {token.usesLeft} of {token.maxUses}
          </dd>
        </div>
        <div>
          <dt>{token.state === 'expired' ? 'Expired' : 'Expires'}</dt>
          <dd>{formatTime(token.expiresAt)}</dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd data-testid="last-used">{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'Never'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            {formatTime(token.createdAt)} by {token.createdBy}
          </dd>
        </div>
        {token.revokedAt ? (
          <div>
            <dt>Revoked</dt>
            <dd>{formatTime(token.revokedAt)}</dd>
          </div>
        ) : null}
      </dl>
      <p className="hint small-text key-kid">{policySummary(token.policy)}</p>
      {canManage && token.state !== 'revoked' ? (
        <div className="button-row">
          <button type="button" className="danger-outline" aria-label={`Revoke ${token.name}`} onClick={onRevoke}>
            Revoke
          </button>
        </div>
      ) : null}
    </li>
  );
}

/** `/console/orgs/:org/registration`: initial access tokens for dynamic client registration (RFC 7591 §3). */
export function RegistrationTokens() {
  const org = useOrg();
  const { session } = useSession();
  useTitle('Dynamic registration');
  const canRead = org.can('registration_tokens:read');
  const canManage = org.can('registration_tokens:manage');
  const metadata = useLoad(() => loadServerMetadata(session.issuer), [session.issuer]);
  const endpoint = metadata.data?.registration_endpoint;
  const tokens = useLoad(
    () => (canRead && endpoint ? get<{ items: InitialToken[] }>(`/orgs/${enc(org.slug)}/registration-tokens`) : Promise.resolve(undefined)),
    [org.slug, canRead, endpoint],
  );
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [revoking, setRevoking] = useState<InitialToken | null>(null);
  const [done, setDone] = useState('');

  const header = (
    <PageHeader
      title="Dynamic registration"
      lead="Initial access tokens with which apps register themselves into this organization (RFC 7591), each bounded by a policy."
    >
      {canRead && canManage && endpoint ? (
        <button
          type="button"
          className="primary"
          onClick={() => {
            setDone('');
            setCreating(true);
          }}
        >
          Issue a token
        </button>
      ) : null}
    </PageHeader>
  );

  if (!canRead) {
    return (
      <>
        {header}
        <EmptyState title="Only owners and admins see registration tokens">
          <p>Ask an owner or admin of this organization to issue a token, or to create the app for you.</p>
        </EmptyState>
      </>
    );
  }
  if (metadata.error) {
    return (
      <>
        {header}
        <ErrorSummary error={metadata.error} title="The server's discovery document could not be loaded" />
      </>
    );
  }
  if (!metadata.data) return <Loading label="Loading what the server supports…" />;
  if (!endpoint) {
    return (
      <>
        {header}
        <RegistrationOff />
      </>
    );
  }

  const items = tokens.data?.items ?? [];
  const revoke = async () => {
    const token = revoking!;
    await api('DELETE', `/orgs/${enc(org.slug)}/registration-tokens/${enc(token.id)}`);
    setRevoking(null);
    setDone(`“${token.name}” is revoked: it registers no more apps. The apps it registered stay.`);
    tokens.reload();
  };

  return (
    <>
      {header}
      {done ? (
        <p className="notice notice-success key-notice" role="status">
          {done}
        </p>
      ) : null}
      {created ? <CreatedToken created={created} endpoint={endpoint} onDone={() => setCreated(null)} /> : null}
      {tokens.error ? <ErrorSummary error={tokens.error} title="The registration tokens could not be loaded" /> : null}
      {tokens.loading && !tokens.data ? <Loading label="Loading the registration tokens…" /> : null}
      {tokens.data && items.length === 0 ? (
        <EmptyState title="No registration tokens yet">
          <p>
            {canManage
              ? 'Issue one for each partner or pipeline that registers apps: a token registers only as many apps as you allow, until it expires.'
              : 'Owners and admins issue them.'}
          </p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <ul className="key-cards" aria-label="Registration tokens">
          {items.map((token) => (
            <TokenCard
              key={token.id}
              token={token}
              canManage={canManage}
              onRevoke={() => {
                setDone('');
                setRevoking(token);
              }}
            />
          ))}
        </ul>
      ) : null}
      <p className="hint">
        Apps register at <code className="key-kid">{endpoint}</code> with <code>Authorization: Bearer</code> and the token. The CLI does the same:{' '}
        <code>latchkey registration-tokens</code>.
      </p>
      <CreateTokenDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(token) => {
          setCreating(false);
          setCreated(token);
          tokens.reload();
        }}
      />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke token"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={revoke}
      >
        <p>
          Registrations with this token are refused from now on (<code>401 invalid_token</code>). The apps it already registered stay, still bounded by its
          policy. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
