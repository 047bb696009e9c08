import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { DataTable } from '../components/DataTable';
import { ConfirmAction } from '../components/Dialog';
import { Badge, Checkbox, EmptyState, ErrorSummary, Loading, PageHeader, Select, TextField } from '../components/ui';
import { api, get } from '../lib/api';
import { checkWhole, defaultBounds, loadBounds, type AppBounds } from '../lib/bounds';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { firstFor, useServerProblems, type FieldErrors } from '../lib/problems';
import type { Api, Page } from '../lib/types';

export function ApisList() {
  const org = useOrg();
  useTitle('APIs');
  const apis = useLoad(() => get<Page<Api>>(`/orgs/${encodeURIComponent(org.slug)}/apis?perPage=100`), [org.slug]);
  const items = apis.data?.items ?? [];
  return (
    <>
      <PageHeader title="APIs" lead="Resource servers your apps get tokens for. An API's identifier is the audience of its access tokens.">
        {org.can('apis:manage') ? (
          <Link to={org.path('apis/new')} className="button primary">
            Register an API
          </Link>
        ) : null}
      </PageHeader>
      {apis.error ? <ErrorSummary error={apis.error} title="The APIs could not be loaded" /> : null}
      {apis.loading && !apis.data ? <Loading label="Loading APIs…" /> : null}
      {apis.data && items.length === 0 ? (
        <EmptyState title="No APIs yet">
          <p>Register your API to give apps its scopes, and to decide whether it allows offline access (refresh tokens).</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <DataTable
          caption="APIs"
          rows={items}
          rowKey={(item) => item.id}
          columns={[
            { header: 'Name', cell: (item) => <Link to={org.path(`apis/${encodeURIComponent(item.id)}`)}>{item.name}</Link> },
            { header: 'Identifier (audience)', className: 'mono break', cell: (item) => item.identifier },
            { header: 'Scopes', className: 'mono small-text', cell: (item) => item.scopes.map((scope) => scope.name).join(' ') || '—' },
            {
              header: 'Tokens',
              cell: (item) => (
                <>
                  {item.tokenFormat.toUpperCase()} · {item.signingAlgorithm} · {item.accessTokenTtlMinutes} min{' '}
                  {item.allowOfflineAccess ? <Badge kind="info">offline access</Badge> : null}
                </>
              ),
            },
          ]}
        />
      ) : null}
    </>
  );
}

interface ApiForm {
  identifier: string;
  name: string;
  scopes: { name: string; description: string }[];
  allowOfflineAccess: boolean;
  tokenFormat: 'jwt' | 'opaque';
  signingAlgorithm: 'RS256' | 'ES256' | 'EdDSA';
  ttl: string;
}

/** The form's fields by the API's paths, so a refused field's message goes once it is edited. */
const apiValues = (form: ApiForm) => ({ ...form, accessTokenTtlMinutes: form.ttl });

/** The fields as the form labels them, for the summary of a refusal. */
const apiLabels = {
  identifier: 'Identifier',
  'scopes[].name': 'Scope {n} name',
  'scopes[].description': 'Scope {n} description',
  allowOfflineAccess: 'Allow offline access',
  tokenFormat: 'Token format',
  signingAlgorithm: 'Signing algorithm',
  accessTokenTtlMinutes: 'Access token TTL (minutes)',
};

function formOf(item: Api | undefined, bounds: AppBounds): ApiForm {
  return item
    ? {
        identifier: item.identifier,
        name: item.name,
        scopes: item.scopes.length > 0 ? item.scopes : [{ name: '', description: '' }],
        allowOfflineAccess: item.allowOfflineAccess,
        tokenFormat: item.tokenFormat,
        signingAlgorithm: item.signingAlgorithm,
        ttl: String(item.accessTokenTtlMinutes),
      }
    : {
        identifier: '',
        name: '',
        scopes: [{ name: '', description: '' }],
        allowOfflineAccess: false,
        tokenFormat: 'jwt',
        signingAlgorithm: 'RS256',
        ttl: String(bounds.apiAccessTokenTtlMinutes.default),
      };
}

/** Register or change an API. */
export function ApiEditor() {
  const { apiId } = useParams();
  const org = useOrg();
  const navigate = useNavigate();
  const creating = !apiId;
  useTitle(creating ? 'Register an API' : 'API');
  const loaded = useLoad(() => (apiId ? get<Api>(`/apis/${encodeURIComponent(apiId)}`) : Promise.resolve(undefined)), [apiId]);
  const [bounds, setBounds] = useState<AppBounds>(defaultBounds);
  const [form, setForm] = useState<ApiForm | null>(creating ? formOf(undefined, defaultBounds) : null);
  const [local, setLocal] = useState<FieldErrors>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const canManage = org.can('apis:manage');
  const problems = useServerProblems(error, form ? apiValues(form) : {}, apiLabels);
  useEffect(() => void loadBounds().then(setBounds), []);
  useEffect(() => {
    if (loaded.data) setForm(formOf(loaded.data, bounds));
    // Only when the API arrives, not when the bounds do.
  }, [loaded.data]);

  if (loaded.error) return <ErrorSummary error={loaded.error} title="The API could not be loaded" />;
  if (!form) return <Loading />;
  const errors = [...local, ...problems];
  const set = (patch: Partial<ApiForm>) => setForm({ ...form, ...patch });
  const setScope = (index: number, patch: Partial<{ name: string; description: string }>) =>
    set({ scopes: form.scopes.map((scope, at) => (at === index ? { ...scope, ...patch } : scope)) });

  const submit = async () => {
    const problems: { field: string; message: string }[] = [];
    if (creating && form.identifier.trim() === '') problems.push({ field: 'identifier', message: 'must be an absolute URI such as https://api.example.com' });
    if (form.name.trim() === '') problems.push({ field: 'name', message: 'must not be empty' });
    const ttl = checkWhole(form.ttl, bounds.apiAccessTokenTtlMinutes);
    if (ttl) problems.push({ field: 'accessTokenTtlMinutes', message: ttl });
    setLocal(problems);
    if (problems.length > 0) return;
    const scopes = form.scopes.filter((scope) => scope.name.trim() !== '').map((scope) => ({ name: scope.name.trim(), description: scope.description }));
    const body = {
      ...(creating ? { identifier: form.identifier.trim() } : {}),
      name: form.name.trim(),
      scopes,
      allowOfflineAccess: form.allowOfflineAccess,
      tokenFormat: form.tokenFormat,
      signingAlgorithm: form.signingAlgorithm,
      accessTokenTtlMinutes: Number(form.ttl),
    };
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      if (creating) {
        const created = await api<Api>('POST', `/orgs/${encodeURIComponent(org.slug)}/apis`, body);
        // Under BrowserRouter navigate is synchronous; only a data router returns a promise.
        void navigate(org.path(`apis/${encodeURIComponent(created.id)}`), { replace: true });
      } else {
        const updated = await api<Api>('PATCH', `/apis/${encodeURIComponent(apiId)}`, body);
        loaded.setData(updated);
        setSaved(true);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="breadcrumb">
        <Link to={org.path('apis')}>← APIs</Link>
      </p>
      <PageHeader
        title={creating ? 'Register an API' : (loaded.data?.name ?? 'API')}
        lead={creating ? 'Its identifier is the audience apps name to get tokens for it.' : undefined}
      />
      <form
        className="card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {!canManage ? <p className="notice notice-info">Your role can see APIs but not change them. Admins and owners can.</p> : null}
        <fieldset disabled={!canManage} className="plain">
          <TextField
            label="Identifier"
            value={form.identifier}
            onChange={(identifier) => set({ identifier })}
            readOnly={!creating}
            className="mono-field"
            placeholder="https://api.example.com"
            hint={
              creating ? 'An absolute URI without a fragment, such as https://contacts.example.com. It can’t change later.' : 'The identifier can’t change.'
            }
            error={firstFor(errors, 'identifier')}
          />
          <TextField label="Name" value={form.name} onChange={(name) => set({ name })} error={firstFor(errors, 'name')} />
          <fieldset>
            <legend>Scopes</legend>
            <p className="hint">Permissions of this API, with the words the consent screen shows users.</p>
            {form.scopes.map((scope, index) => (
              <div className="scope-row" key={index}>
                <TextField
                  label={`Scope ${index + 1} name`}
                  value={scope.name}
                  onChange={(name) => setScope(index, { name })}
                  className="mono-field"
                  placeholder="read:contacts"
                  error={firstFor(errors, `scopes[${index}].name`)}
                />
                <TextField
                  label={`Scope ${index + 1} description`}
                  value={scope.description}
                  onChange={(description) => setScope(index, { description })}
                  placeholder="Read your contacts"
                  error={firstFor(errors, `scopes[${index}].description`)}
                />
                {form.scopes.length > 1 ? (
                  <button
                    type="button"
                    className="small"
                    aria-label={`Remove scope ${index + 1}`}
                    onClick={() => set({ scopes: form.scopes.filter((_, at) => at !== index) })}
                  >
                    Remove
                  </button>
                ) : null}
              </div>
            ))}
            <button type="button" className="small" onClick={() => set({ scopes: [...form.scopes, { name: '', description: '' }] })}>
              + Add scope
            </button>
          </fieldset>
          <Checkbox
            label="Allow offline access"
            checked={form.allowOfflineAccess}
            onChange={(allowOfflineAccess) => set({ allowOfflineAccess })}
            hint="Apps may get refresh tokens for this API (when they ask for offline_access)."
          />
          <div className="grid-3">
            <Select
              label="Token format"
              value={form.tokenFormat}
              onChange={(tokenFormat) => set({ tokenFormat: tokenFormat === 'opaque' ? 'opaque' : 'jwt' })}
              options={[
                { value: 'jwt', label: 'JWT (RFC 9068): the API verifies it itself' },
                { value: 'opaque', label: 'Opaque: the API introspects it' },
              ]}
              error={firstFor(errors, 'tokenFormat')}
            />
            <Select
              label="Signing algorithm"
              value={form.signingAlgorithm}
              onChange={(value) => set({ signingAlgorithm: value as ApiForm['signingAlgorithm'] })}
              options={[
                { value: 'RS256', label: 'RS256' },
                { value: 'ES256', label: 'ES256' },
                { value: 'EdDSA', label: 'EdDSA' },
              ]}
              error={firstFor(errors, 'signingAlgorithm')}
            />
            <TextField
              label="Access token TTL (minutes)"
              type="number"
              inputMode="numeric"
              value={form.ttl}
              onChange={(ttl) => set({ ttl })}
              min={bounds.apiAccessTokenTtlMinutes.min}
              max={bounds.apiAccessTokenTtlMinutes.max}
              hint={`From ${bounds.apiAccessTokenTtlMinutes.min} to ${bounds.apiAccessTokenTtlMinutes.max}; an app may set its own.`}
              error={firstFor(errors, 'accessTokenTtlMinutes')}
            />
          </div>
        </fieldset>
        <ErrorSummary error={error} title={creating ? 'The API was not registered' : 'Nothing was saved'} problems={problems} labels={apiLabels} />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || !canManage}>
            {busy ? 'Saving…' : creating ? 'Register API' : 'Save changes'}
          </button>
          {!creating && canManage ? (
            <ConfirmAction
              label="Delete API"
              buttonClassName="danger-outline"
              title="Delete this API?"
              confirmLabel="Delete API"
              danger
              onConfirm={async () => {
                await api('DELETE', `/apis/${encodeURIComponent(apiId)}`);
                void navigate(org.path('apis'), { replace: true });
              }}
            >
              <p>Apps lose its audience and scopes, and no new tokens are issued for it. Tokens already issued for it stop refreshing.</p>
            </ConfirmAction>
          ) : null}
          <span role="status" aria-live="polite" className="saved">
            {saved ? 'Saved' : ''}
          </span>
        </div>
      </form>
    </>
  );
}
