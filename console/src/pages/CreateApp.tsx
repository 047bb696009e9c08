import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { checkUriList, RedirectUriEditor } from '../components/RedirectUriEditor';
import { ApiGrantPicker, ScopePicker } from '../components/ScopePicker';
import { Checkbox, ErrorSummary, Notice, PageHeader, Select, TextField } from '../components/ui';
import { api, get } from '../lib/api';
import { allowsGrant, appTypeChoices, appTypeRules, grantTypeNames, isPublicType, m2mNeedsApiGrants, typeLabel, usesRedirectUris } from '../lib/app-rules';
import { checkWhole, defaultBounds, loadBounds, type AppBounds } from '../lib/bounds';
import { handOver } from '../lib/handover';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { anyUnder, fieldErrorsOf, firstFor, useServerProblems, type FieldErrors } from '../lib/problems';
import type { Api, AppType, AppWithSecret, Page } from '../lib/types';

type StepId = 'type' | 'details' | 'redirects' | 'tokens' | 'refresh' | 'scopes' | 'openid';

const stepTitles: Record<StepId, string> = {
  type: 'App type',
  details: 'Name and description',
  redirects: 'Redirect URIs',
  tokens: 'Token lifetimes',
  refresh: 'Refresh token',
  scopes: 'Scopes',
  openid: 'OpenID',
};

interface Draft {
  type: AppType | null;
  name: string;
  description: string;
  visibility: 'private' | 'public';
  redirectUris: string[];
  saveAsDraft: boolean;
  /** Leave the access token TTL unset: each API's own access token lifetime applies. */
  apiLifetime: boolean;
  accessTtl: string;
  idTtl: string;
  refresh: boolean;
  refreshTtl: string;
  rotation: boolean;
  scopes: string[];
  defaultAudience: string;
  apiGrants: { audience: string; scopes: string[] }[];
  openid: boolean;
}

function initialDraft(bounds: AppBounds): Draft {
  return {
    type: null,
    name: '',
    description: '',
    visibility: 'private',
    redirectUris: [''],
    saveAsDraft: false,
    apiLifetime: true,
    accessTtl: String(bounds.accessTokenTtlMinutes.default),
    idTtl: String(bounds.idTokenTtlMinutes.default),
    refresh: false,
    refreshTtl: String(bounds.refreshTokenTtlMinutes.default),
    rotation: true,
    scopes: [],
    defaultAudience: '',
    apiGrants: [],
    openid: true,
  };
}

function stepsFor(type: AppType | null): StepId[] {
  if (!type) return ['type', 'details', 'redirects', 'tokens', 'refresh', 'scopes', 'openid'];
  const steps: StepId[] = ['type', 'details'];
  if (usesRedirectUris(type)) steps.push('redirects');
  steps.push('tokens');
  if (allowsGrant(type, grantTypeNames.refreshToken)) steps.push('refresh');
  steps.push('scopes');
  if (type !== 'm2m') steps.push('openid');
  return steps;
}

/** Which step shows a field the server complained about. */
function stepOfField(field: string): StepId {
  if (/^(redirectUris|postLogoutRedirectUris)/.test(field)) return 'redirects';
  if (/^(accessToken|idToken)/.test(field)) return 'tokens';
  if (/^(refreshToken|grantTypes)/.test(field)) return 'refresh';
  if (/^(scopes|apiGrants|defaultAudience)/.test(field)) return 'scopes';
  if (/^(status)/.test(field)) return 'redirects';
  return 'details';
}

/** The console's own checks of one step, with the server's field paths and messages. */
function checkStep(step: StepId, draft: Draft, bounds: AppBounds): FieldErrors {
  const problems: { field: string; message: string }[] = [];
  const type = draft.type;
  switch (step) {
    case 'type':
      if (!type) problems.push({ field: 'type', message: 'choose the kind of app you are building' });
      break;
    case 'details':
      if (draft.name.trim() === '') problems.push({ field: 'name', message: 'must not be empty' });
      if (draft.name.trim().length > 100) problems.push({ field: 'name', message: 'must be at most 100 characters' });
      if (draft.description.length > 1000) problems.push({ field: 'description', message: 'must be at most 1000 characters' });
      break;
    case 'redirects': {
      if (!type) break;
      const draftStatus = draft.saveAsDraft || draft.visibility === 'public';
      problems.push(...checkUriList('redirectUris', type, draft.redirectUris, draftStatus));
      const filled = draft.redirectUris.filter((uri) => uri.trim() !== '');
      if (filled.length === 0 && type !== 'device' && !draftStatus) {
        problems.push({ field: 'redirectUris[0]', message: 'enter at least one redirect URI (or save the app as a draft)' });
      }
      break;
    }
    case 'tokens': {
      const access = draft.apiLifetime ? null : checkWhole(draft.accessTtl, bounds.accessTokenTtlMinutes);
      if (access) problems.push({ field: 'accessToken.ttlMinutes', message: access });
      if (type !== 'm2m') {
        const id = checkWhole(draft.idTtl, bounds.idTokenTtlMinutes);
        if (id) problems.push({ field: 'idToken.ttlMinutes', message: id });
      }
      break;
    }
    case 'refresh':
      if (draft.refresh) {
        const refresh = checkWhole(draft.refreshTtl, bounds.refreshTokenTtlMinutes);
        if (refresh) problems.push({ field: 'refreshToken.ttlMinutes', message: refresh });
      }
      break;
    case 'scopes':
      if (type === 'm2m' && draft.apiGrants.length === 0) problems.push({ field: 'apiGrants', message: m2mNeedsApiGrants });
      break;
    case 'openid':
      break;
  }
  return problems;
}

/** The create request, as the management API takes it (src/domain/apps/app-settings.ts). */
function requestBody(draft: Draft): Record<string, unknown> {
  const type = draft.type!;
  const rules = appTypeRules[type];
  const grantTypes: string[] = [...rules.defaultGrantTypes];
  if (draft.refresh && !grantTypes.includes(grantTypeNames.refreshToken)) grantTypes.push(grantTypeNames.refreshToken);
  const body: Record<string, unknown> = {
    type,
    name: draft.name.trim(),
    description: draft.description,
    visibility: draft.visibility,
    grantTypes,
    accessToken: { ttlMinutes: draft.apiLifetime ? null : Number(draft.accessTtl) },
  };
  if (draft.saveAsDraft) body.status = 'draft';
  if (usesRedirectUris(type)) body.redirectUris = draft.redirectUris.map((uri) => uri.trim()).filter(Boolean);
  if (type === 'm2m') {
    body.scopes = [];
    body.apiGrants = draft.apiGrants;
  } else {
    const scopes = draft.scopes.filter((scope) => scope !== 'openid' && scope !== 'offline_access');
    body.scopes = [...(draft.openid ? ['openid'] : []), ...scopes, ...(draft.refresh ? ['offline_access'] : [])];
    body.idToken = { ttlMinutes: Number(draft.idTtl) };
    body.defaultAudience = draft.defaultAudience || null;
  }
  if (draft.refresh) body.refreshToken = { ttlMinutes: Number(draft.refreshTtl), rotation: isPublicType(type) ? true : draft.rotation };
  return body;
}

/** The guided create flow: type → details → redirect URIs → tokens → refresh → scopes → OpenID → Create. */
export function CreateApp() {
  const org = useOrg();
  const navigate = useNavigate();
  useTitle('Create an OAuth app');
  const [bounds, setBounds] = useState<AppBounds>(defaultBounds);
  const [draft, setDraft] = useState<Draft>(() => initialDraft(defaultBounds));
  const [stepIndex, setStepIndex] = useState(0);
  const [localErrors, setErrors] = useState<FieldErrors>([]);
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const serverProblems = useServerProblems(
    serverError,
    {
      type: draft.type,
      name: draft.name,
      description: draft.description,
      visibility: draft.visibility,
      status: draft.saveAsDraft,
      redirectUris: draft.redirectUris,
      accessToken: { ttlMinutes: draft.apiLifetime ? null : draft.accessTtl },
      idToken: { ttlMinutes: draft.idTtl },
      grantTypes: draft.refresh,
      refreshToken: { ttlMinutes: draft.refreshTtl, rotation: draft.rotation },
      scopes: draft.scopes,
      defaultAudience: draft.defaultAudience,
      apiGrants: draft.apiGrants,
    },
    createLabels,
  );
  // The console's own findings, then the server's that still apply.
  const errors: FieldErrors = [...localErrors, ...serverProblems];
  const apis = useLoad(() => get<Page<Api>>(`/orgs/${encodeURIComponent(org.slug)}/apis?perPage=100`), [org.slug]);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  useEffect(() => {
    void loadBounds().then((loaded) => {
      setBounds(loaded);
      setDraft((current) => ({
        ...current,
        accessTtl: current.accessTtl === String(defaultBounds.accessTokenTtlMinutes.default) ? String(loaded.accessTokenTtlMinutes.default) : current.accessTtl,
      }));
    });
  }, []);

  const steps = useMemo(() => stepsFor(draft.type), [draft.type]);
  const step = steps[Math.min(stepIndex, steps.length - 1)]!;
  const last = stepIndex >= steps.length - 1;

  useEffect(() => {
    if (!moved.current) return;
    headingRef.current?.focus();
  }, [step]);

  const update = (patch: Partial<Draft>, clear?: string) => {
    setDraft((current) => ({ ...current, ...patch }));
    if (clear)
      setErrors((current) =>
        current.filter((problem) => !(problem.field === clear || problem.field.startsWith(`${clear}.`) || problem.field.startsWith(`${clear}[`))),
      );
  };

  const chooseType = (type: AppType) => {
    setDraft((current) => ({
      ...current,
      type,
      scopes: appTypeRules[type].defaultScopes.filter((scope) => scope !== 'openid'),
      openid: appTypeRules[type].defaultScopes.includes('openid'),
      refresh: false,
      rotation: true,
    }));
    setErrors([]);
  };

  const go = (index: number) => {
    moved.current = true;
    // A refusal about fields stays until those fields are edited; any other one ends with the step.
    setServerError((current: unknown) => (fieldErrorsOf(current).length > 0 ? current : null));
    setStepIndex(index);
  };

  const next = () => {
    const problems = checkStep(step, draft, bounds);
    setErrors(problems);
    if (problems.length > 0) return;
    if (step === 'redirects') {
      const kept = draft.redirectUris.map((uri) => uri.trim()).filter(Boolean);
      setDraft((current) => ({ ...current, redirectUris: kept.length > 0 ? kept : [''] }));
    }
    if (last) void create();
    else go(stepIndex + 1);
  };

  const create = async () => {
    for (const [index, id] of steps.entries()) {
      const problems = checkStep(id, draft, bounds);
      if (problems.length > 0) {
        setErrors(problems);
        go(index);
        return;
      }
    }
    setBusy(true);
    setServerError(null);
    try {
      const created = await api<AppWithSecret>('POST', `/orgs/${encodeURIComponent(org.slug)}/apps`, requestBody(draft));
      handOver(created);
      // Under BrowserRouter navigate is synchronous; only a data router returns a promise.
      void navigate(org.path(`apps/${encodeURIComponent(created.clientId)}/credentials`));
    } catch (caught) {
      const problems = fieldErrorsOf(caught);
      setErrors([]);
      setServerError(caught);
      const target = problems.length > 0 ? steps.indexOf(stepOfField(problems[0]!.field)) : -1;
      if (target >= 0 && target !== stepIndex) {
        moved.current = true;
        setStepIndex(target);
      }
    } finally {
      setBusy(false);
    }
  };

  if (!org.can('apps:create')) {
    return (
      <>
        <PageHeader title="Create an OAuth app" />
        <Notice kind="warning" title="Not allowed">
          Your role ({org.role ?? 'none'}) can't create apps in this organization. Developers, admins and owners can.
        </Notice>
      </>
    );
  }

  const apiList = apis.data?.items ?? [];
  const type = draft.type;

  return (
    <>
      <PageHeader
        title="Create an OAuth app"
        lead={type ? `${typeLabel(type)} in ${org.org.displayName || org.org.name}` : 'Register an app that signs users in or calls your APIs.'}
      />
      <nav aria-label="Steps" className="stepper">
        <ol>
          {steps.map((id, index) => (
            <li key={id} className={index === stepIndex ? 'current' : index < stepIndex ? 'done' : ''} aria-current={index === stepIndex ? 'step' : undefined}>
              {index < stepIndex ? (
                <button type="button" className="link" onClick={() => go(index)}>
                  <span className="step-number">{index + 1}</span> {stepTitles[id]}
                </button>
              ) : (
                <span>
                  <span className="step-number">{index + 1}</span> {stepTitles[id]}
                </span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <form
        className="card wizard"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          next();
        }}
      >
        <h2 ref={headingRef} tabIndex={-1}>
          Step {stepIndex + 1} of {steps.length}: {stepTitles[step]}
        </h2>
        <ErrorSummary error={serverError} title="The app was not created" problems={serverProblems} labels={createLabels} />

        {step === 'type' ? (
          <fieldset className="type-choices">
            <legend>What kind of app is it?</legend>
            {appTypeChoices.map((choice) => (
              <label key={choice.type} className={`type-choice${draft.type === choice.type ? ' selected' : ''}`}>
                <input type="radio" name="app-type" value={choice.type} checked={draft.type === choice.type} onChange={() => chooseType(choice.type)} />
                <span>
                  <strong>{choice.title}</strong>
                  <span className="hint">{choice.summary}</span>
                </span>
              </label>
            ))}
            {firstFor(errors, 'type') ? (
              <div className="field-error" role="alert">
                {firstFor(errors, 'type')}
              </div>
            ) : null}
          </fieldset>
        ) : null}

        {step === 'details' ? (
          <>
            <TextField
              label="Name"
              value={draft.name}
              onChange={(name) => update({ name }, 'name')}
              required
              error={firstFor(errors, 'name')}
              hint="Users see it when they sign in and consent."
            />
            <TextField
              label="Description"
              multiline
              value={draft.description}
              onChange={(description) => update({ description }, 'description')}
              error={firstFor(errors, 'description')}
              hint="Optional: what the app does (1000 characters at most)."
            />
            <fieldset>
              <legend>Who may use it?</legend>
              <label className="type-choice compact">
                <input type="radio" name="visibility" checked={draft.visibility === 'private'} onChange={() => update({ visibility: 'private' })} />
                <span>
                  <strong>Private app</strong>
                  <span className="hint">For your organization. It is active as soon as you create it (or when you activate the draft).</span>
                </span>
              </label>
              <label className="type-choice compact">
                <input type="radio" name="visibility" checked={draft.visibility === 'public'} onChange={() => update({ visibility: 'public' })} />
                <span>
                  <strong>Public app</strong>
                  <span className="hint">For everyone. It starts as a draft; an admin approves it after you submit it.</span>
                </span>
              </label>
            </fieldset>
          </>
        ) : null}

        {step === 'redirects' && type ? (
          <>
            <RedirectUriEditor
              field="redirectUris"
              label="Redirect URIs"
              itemLabel="Redirect URI"
              type={type}
              uris={draft.redirectUris}
              onChange={(redirectUris) => update({ redirectUris }, 'redirectUris')}
              errors={errors}
              placeholdersAllowed={draft.saveAsDraft || draft.visibility === 'public'}
              hint={
                <>
                  After a user authorizes your app, Latchkey sends the browser back to one of these, matched as exact strings. Add more than one if you need to
                  (for example one per platform).{' '}
                  {type === 'native'
                    ? 'Use a custom scheme such as com.example.app:/callback, or http://127.0.0.1 with any port.'
                    : 'Use https (plain http only for localhost).'}{' '}
                  {type === 'device' ? 'The device flow needs none; add one only if this app also uses another flow.' : ''}
                </>
              }
            />
            <Checkbox
              label="Save as draft"
              checked={draft.saveAsDraft || draft.visibility === 'public'}
              disabled={draft.visibility === 'public'}
              onChange={(saveAsDraft) => update({ saveAsDraft }, 'redirectUris')}
              hint={
                draft.visibility === 'public'
                  ? 'A public app is always a draft until an admin approves it.'
                  : 'A draft may keep placeholder URIs (such as https://callback.invalid/) until the real one is ready; activate it later on the Lifecycle tab.'
              }
            />
          </>
        ) : null}

        {step === 'tokens' ? (
          <>
            <fieldset>
              <legend>Access token lifetime</legend>
              <label className="type-choice compact">
                <input type="radio" name="access-lifetime" checked={draft.apiLifetime} onChange={() => update({ apiLifetime: true }, 'accessToken')} />
                <span>
                  <strong>Use the API&apos;s lifetime</strong>
                  <span className="hint">
                    Each API says how long its access tokens live; a token for it lives that long. Change it later on the Tokens tab.
                  </span>
                </span>
              </label>
              <label className="type-choice compact">
                <input type="radio" name="access-lifetime" checked={!draft.apiLifetime} onChange={() => update({ apiLifetime: false }, 'accessToken')} />
                <span>
                  <strong>A lifetime of its own</strong>
                  <span className="hint">The same number of minutes for every API this app calls.</span>
                </span>
              </label>
            </fieldset>
            {draft.apiLifetime ? null : (
              <TextField
                label="Access token TTL (minutes)"
                type="number"
                inputMode="numeric"
                min={bounds.accessTokenTtlMinutes.min}
                max={bounds.accessTokenTtlMinutes.max}
                value={draft.accessTtl}
                onChange={(accessTtl) => update({ accessTtl }, 'accessToken')}
                onBlur={() => setErrors((current) => mergeCheck(current, 'accessToken.ttlMinutes', checkWhole(draft.accessTtl, bounds.accessTokenTtlMinutes)))}
                hint={`How long an access token works. Default ${bounds.accessTokenTtlMinutes.default}, from ${bounds.accessTokenTtlMinutes.min} to ${bounds.accessTokenTtlMinutes.max} minutes.`}
                error={firstFor(errors, 'accessToken.ttlMinutes')}
              />
            )}
            {type !== 'm2m' ? (
              <TextField
                label="ID token validity (minutes)"
                type="number"
                inputMode="numeric"
                min={bounds.idTokenTtlMinutes.min}
                max={bounds.idTokenTtlMinutes.max}
                value={draft.idTtl}
                onChange={(idTtl) => update({ idTtl }, 'idToken')}
                onBlur={() => setErrors((current) => mergeCheck(current, 'idToken.ttlMinutes', checkWhole(draft.idTtl, bounds.idTokenTtlMinutes)))}
                hint={`How long the ID token is valid after it is issued. Default ${bounds.idTokenTtlMinutes.default}, from ${bounds.idTokenTtlMinutes.min} to ${bounds.idTokenTtlMinutes.max} minutes.`}
                error={firstFor(errors, 'idToken.ttlMinutes')}
              />
            ) : null}
          </>
        ) : null}

        {step === 'refresh' && type ? (
          <>
            <Checkbox
              label="Issue a refresh token"
              checked={draft.refresh}
              onChange={(refresh) => update({ refresh }, 'refreshToken')}
              hint="Lets the app get new access tokens without asking the user again: adds the refresh_token grant type and the offline_access scope."
              error={firstFor(errors, 'grantTypes')}
            />
            {draft.refresh ? (
              <>
                <TextField
                  label="Refresh token TTL (minutes)"
                  type="number"
                  inputMode="numeric"
                  min={bounds.refreshTokenTtlMinutes.min}
                  max={bounds.refreshTokenTtlMinutes.max}
                  value={draft.refreshTtl}
                  onChange={(refreshTtl) => update({ refreshTtl }, 'refreshToken')}
                  onBlur={() =>
                    setErrors((current) => mergeCheck(current, 'refreshToken.ttlMinutes', checkWhole(draft.refreshTtl, bounds.refreshTokenTtlMinutes)))
                  }
                  hint={`Default ${bounds.refreshTokenTtlMinutes.default}, from ${bounds.refreshTokenTtlMinutes.min} to ${bounds.refreshTokenTtlMinutes.max} minutes.`}
                  error={firstFor(errors, 'refreshToken.ttlMinutes')}
                />
                <Checkbox
                  label="Rotate refresh tokens"
                  checked={isPublicType(type) ? true : draft.rotation}
                  disabled={isPublicType(type)}
                  onChange={(rotation) => update({ rotation }, 'refreshToken')}
                  hint={
                    isPublicType(type)
                      ? 'Always on for public apps (RFC 9700 §4.14.2): each refresh returns a new refresh token, and reusing an old one revokes the family.'
                      : 'Each refresh returns a new refresh token; reusing an old one revokes the family (recommended).'
                  }
                  error={firstFor(errors, 'refreshToken.rotation')}
                />
              </>
            ) : null}
          </>
        ) : null}

        {step === 'scopes' && type ? (
          <>
            {apis.error ? <ErrorSummary error={apis.error} title="The organization's APIs could not be loaded" /> : null}
            {type === 'm2m' ? (
              <>
                <p className="hint">Pick the APIs and scopes this app's client credentials may get. Always pick the least it needs.</p>
                <ApiGrantPicker apis={apiList} grants={draft.apiGrants} onChange={(apiGrants) => update({ apiGrants }, 'apiGrants')} />
              </>
            ) : (
              <>
                <p className="hint">What the app may ask users for. Requests can ask for less, never more.</p>
                <ScopePicker
                  apis={apiList}
                  scopes={draft.scopes}
                  onChange={(scopes) => update({ scopes }, 'scopes')}
                  hiddenStandard={['openid', 'offline_access']}
                />
                {draft.refresh ? <p className="hint">offline_access is included because the app issues refresh tokens.</p> : null}
                <Select
                  label="Default audience"
                  value={draft.defaultAudience}
                  onChange={(defaultAudience) => update({ defaultAudience }, 'defaultAudience')}
                  options={[
                    { value: '', label: 'None: requests name the API with audience or resource' },
                    ...apiList.map((item) => ({ value: item.identifier, label: `${item.name} (${item.identifier})` })),
                  ]}
                  hint="The API an authorization request is for when it names none."
                  error={firstFor(errors, 'defaultAudience')}
                />
              </>
            )}
            {anyUnder(errors, 'scopes') || anyUnder(errors, 'apiGrants') ? (
              <div className="field-error" role="alert">
                {errors
                  .filter((problem) => /^(scopes|apiGrants)/.test(problem.field))
                  .map((problem) => problem.message)
                  .join('; ')}
              </div>
            ) : null}
          </>
        ) : null}

        {step === 'openid' ? (
          <>
            <Checkbox
              label="Open ID"
              checked={draft.openid}
              onChange={(openid) => update({ openid })}
              hint="Get information about the users who authorize your app: adds the openid scope, so sign-ins return an ID token and the app may call the userinfo endpoint."
            />
            <Summary draft={draft} />
          </>
        ) : null}
        {last && step !== 'openid' ? <Summary draft={draft} /> : null}

        <div className="wizard-actions">
          {stepIndex > 0 ? (
            <button type="button" onClick={() => go(stepIndex - 1)} disabled={busy}>
              Back
            </button>
          ) : (
            <Link to={org.path('apps')} className="button">
              Cancel
            </Link>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {last ? (busy ? 'Creating…' : 'Create') : 'Continue'}
          </button>
        </div>
      </form>
    </>
  );
}

/** The fields as the wizard labels them, for the summary of a refused create. */
const createLabels = {
  type: 'What kind of app is it?',
  status: 'Save as draft',
  grantTypes: 'Issue a refresh token',
  'refreshToken.rotation': 'Rotate refresh tokens',
};

function mergeCheck(errors: FieldErrors, field: string, message: string | null): FieldErrors {
  const rest = errors.filter((problem) => problem.field !== field);
  return message ? [...rest, { field, message }] : rest;
}

function Summary({ draft }: { draft: Draft }) {
  if (!draft.type) return null;
  const body = requestBody(draft);
  const redirectUris = (body.redirectUris as string[] | undefined) ?? [];
  return (
    <section className="summary" aria-label="Summary">
      <h3>Summary</h3>
      <dl>
        <dt>Type</dt>
        <dd>
          {typeLabel(draft.type)} ({appTypeRules[draft.type].clientKind} client)
        </dd>
        <dt>Name</dt>
        <dd>{draft.name}</dd>
        {usesRedirectUris(draft.type) ? (
          <>
            <dt>Redirect URIs</dt>
            <dd>{redirectUris.length > 0 ? redirectUris.join(', ') : 'none'}</dd>
          </>
        ) : null}
        <dt>Access token TTL</dt>
        <dd>{draft.apiLifetime ? "the API's lifetime" : `${draft.accessTtl} minutes`}</dd>
        <dt>Refresh token</dt>
        <dd>{draft.refresh ? `yes, ${draft.refreshTtl} minutes` : 'no'}</dd>
        <dt>Scopes</dt>
        <dd className="mono">
          {draft.type === 'm2m'
            ? draft.apiGrants.map((grant) => `${grant.audience}: ${grant.scopes.join(' ')}`).join('; ') || 'none'
            : (body.scopes as string[]).join(' ') || 'none'}
        </dd>
        <dt>Starts as</dt>
        <dd>{draft.saveAsDraft || draft.visibility === 'public' ? 'a draft' : 'active'}</dd>
      </dl>
    </section>
  );
}
