import { useEffect, useId, useState } from 'react';
import { signingAlgorithms, type SigningAlgorithm } from '@contracts/algorithms';
import type { SubjectType } from '@contracts/app-types';
import { DataTable } from '../../components/DataTable';
import { ConfirmAction } from '../../components/Dialog';
import { Checkbox, ErrorSummary, Loading, Select, TextField } from '../../components/ui';
import { api, get } from '../../lib/api';
import { appTypeRules, grantTypeLabels, grantTypeNames, isPublicType, privateKeyProblem } from '../../lib/app-rules';
import { checkWhole, defaultBounds, loadBounds, type AppBounds } from '../../lib/bounds';
import { formatTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import { useOrg } from '../../lib/org';
import { anyUnder, firstFor, useServerProblems, type FieldErrors } from '../../lib/problems';
import type { Certificate, Role } from '../../lib/types';
import { useApp, useSaver } from './context';
import { ReadOnlyNotice, SaveBar } from './SaveBar';
import { mayTrustIssuers, TrustedIssuers } from './TrustedIssuers';

const authMethods = [
  { value: 'client_secret_basic', label: 'client_secret_basic: the secret in the Authorization header' },
  { value: 'client_secret_post', label: 'client_secret_post: the secret in the request body' },
  { value: 'private_key_jwt', label: 'private_key_jwt: a JWT signed with an uploaded key' },
];

/** The connected-app settings: security, grants, refresh tokens, ID tokens, certificates, claims. */
/** The fields as this tab labels them, for the summary of a refused save. */
const advancedLabels = {
  'security.requirePkce': 'Require Proof Key for Code Exchange (PKCE)',
  'security.requireVerifiedEmail': 'Require a verified email address',
  'security.requireMfa': 'Require two-step verification',
  'security.requirePushedAuthorizationRequests': 'Require pushed authorization requests (PAR)',
  'security.requireDpop': 'Require DPoP (sender-constrained tokens)',
  'security.requireSecretForWebServerFlow': 'Require secret for the web server flow',
  'security.introspectAllTokens': 'Introspect all tokens',
  'security.firstParty': 'First-party app (skip consent)',
  'security.managementApiAccess': 'Allow the Latchkey management API',
  'security.tokenExchangeImpersonation': 'Token exchange without an actor token impersonates the user',
  'refreshToken.requireSecret': 'Require secret for the refresh token flow',
  'refreshToken.rotation': 'Enable refresh token rotation',
  'refreshToken.reuseIntervalSeconds': 'Retry window (seconds)',
  tokenEndpointAuthMethod: 'Client authentication',
  'idToken.ttlMinutes': 'Token valid for (minutes)',
  'idToken.audiences': 'ID token audiences',
  'idToken.audiences[]': 'ID token audience {n}',
  'idToken.signingAlg': 'ID token signing algorithm',
  'idToken.subjectType': 'User identifiers (sub)',
  'idToken.sectorIdentifierUri': 'Sector identifier URI',
  customClaims: 'Custom claims (JSON)',
};

export function AdvancedTab() {
  const { app, canEdit, builtIn } = useApp();
  const isServerAdmin = useSession().session.user.isAdmin;
  const [bounds, setBounds] = useState<AppBounds>(defaultBounds);
  useEffect(() => void loadBounds().then(setBounds), []);
  const isPublic = isPublicType(app.type);
  const [security, setSecurity] = useState(app.security);
  const [requireSecretForRefresh, setRequireSecretForRefresh] = useState(app.refreshToken.requireSecret);
  const [rotation, setRotation] = useState(app.refreshToken.rotation);
  const [retryWindow, setRetryWindow] = useState(String(app.refreshToken.reuseIntervalSeconds));
  const [grantTypes, setGrantTypes] = useState(app.grantTypes);
  const [authMethod, setAuthMethod] = useState(app.tokenEndpointAuthMethod);
  const [idAudiences, setIdAudiences] = useState(app.idToken.audiences.join('\n'));
  const [idTtl, setIdTtl] = useState(String(app.idToken.ttlMinutes));
  const [standardClaims, setStandardClaims] = useState(app.idToken.includeStandardClaims);
  const [customClaimsOn, setCustomClaimsOn] = useState(app.idToken.includeCustomClaims);
  const [idTokenAlg, setIdTokenAlg] = useState<string>(app.idToken.signingAlg);
  const [subjectType, setSubjectType] = useState<string>(app.idToken.subjectType);
  const [sectorUri, setSectorUri] = useState(app.idToken.sectorIdentifierUri ?? '');
  const [customClaims, setCustomClaims] = useState(Object.keys(app.customClaims).length > 0 ? JSON.stringify(app.customClaims, null, 2) : '');
  const [local, setLocal] = useState<FieldErrors>([]);
  const saver = useSaver(
    {
      security,
      grantTypes,
      tokenEndpointAuthMethod: authMethod,
      refreshToken: { rotation, reuseIntervalSeconds: retryWindow, requireSecret: requireSecretForRefresh },
      idToken: { ttlMinutes: idTtl, audiences: idAudiences, signingAlg: idTokenAlg, subjectType, sectorIdentifierUri: sectorUri },
      customClaims,
    },
    advancedLabels,
  );
  const errors = [...local, ...saver.errors];
  const available = appTypeRules[app.type].grantTypes;
  const userFlows = app.type !== 'm2m';

  const submit = () => {
    const problems: { field: string; message: string }[] = [];
    const retry = checkWhole(retryWindow, bounds.refreshReuseIntervalSeconds, 'seconds');
    if (retry) problems.push({ field: 'refreshToken.reuseIntervalSeconds', message: retry });
    const idProblem = userFlows ? checkWhole(idTtl, bounds.idTokenTtlMinutes) : null;
    if (idProblem) problems.push({ field: 'idToken.ttlMinutes', message: idProblem });
    let claims: Record<string, unknown> = {};
    if (customClaims.trim() !== '') {
      try {
        const parsed = JSON.parse(customClaims) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        claims = parsed as Record<string, unknown>;
      } catch {
        problems.push({ field: 'customClaims', message: 'must be a JSON object such as {"https://example.com/roles": ["admin"]}' });
      }
    }
    if (grantTypes.length === 0) problems.push({ field: 'grantTypes', message: 'must name at least one grant type' });
    setLocal(problems);
    if (problems.length > 0) return;
    const audiences = idAudiences
      .split(/\s+/)
      .map((line) => line.trim())
      .filter(Boolean);
    void saver.save({
      security,
      grantTypes,
      ...(isPublic ? {} : { tokenEndpointAuthMethod: authMethod }),
      refreshToken: { rotation, reuseIntervalSeconds: Number(retryWindow), requireSecret: requireSecretForRefresh },
      ...(userFlows
        ? {
            idToken: {
              ttlMinutes: Number(idTtl),
              audiences,
              includeStandardClaims: standardClaims,
              includeCustomClaims: customClaimsOn,
              signingAlg: idTokenAlg as SigningAlgorithm,
              subjectType: subjectType as SubjectType,
              sectorIdentifierUri: sectorUri.trim() === '' ? null : sectorUri.trim(),
            },
          }
        : {}),
      customClaims: claims,
    });
  };

  const setFlag = (name: keyof typeof security) => (value: boolean) => setSecurity((current) => ({ ...current, [name]: value }));

  return (
    <>
      <form
        className="card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <h2>Advanced settings</h2>
        <ReadOnlyNotice />
        <fieldset disabled={!canEdit}>
          <legend>Security</legend>
          <Checkbox
            label="Require Proof Key for Code Exchange (PKCE)"
            checked={isPublic ? true : security.requirePkce}
            disabled={isPublic}
            onChange={setFlag('requirePkce')}
            hint={isPublic ? 'Always on for public apps (RFC 9700 §2.1.1).' : 'Authorization code requests without a code_challenge are refused.'}
            error={firstFor(errors, 'security.requirePkce')}
          />
          <Checkbox
            label="Require a verified email address"
            checked={security.requireVerifiedEmail}
            onChange={setFlag('requireVerifiedEmail')}
            hint="A user whose address is not verified is asked to follow the link we mail them before this app gets a code."
            error={firstFor(errors, 'security.requireVerifiedEmail')}
          />
          {userFlows ? (
            <Checkbox
              label="Require two-step verification"
              checked={security.requireMfa}
              onChange={setFlag('requireMfa')}
              hint="Users must sign in with a second factor; those without one set it up at their next sign-in."
              error={firstFor(errors, 'security.requireMfa')}
            />
          ) : null}
          {userFlows ? (
            <Checkbox
              label="Require pushed authorization requests (PAR)"
              checked={security.requirePushedAuthorizationRequests}
              onChange={setFlag('requirePushedAuthorizationRequests')}
              hint="The app must first send its authorization request to the pushed authorization request endpoint (RFC 9126), then send only client_id and request_uri to the authorization endpoint; other authorization requests are refused."
              error={firstFor(errors, 'security.requirePushedAuthorizationRequests')}
            />
          ) : null}
          <Checkbox
            label="Require DPoP (sender-constrained tokens)"
            checked={security.requireDpop}
            onChange={setFlag('requireDpop')}
            hint="Every token request must carry a DPoP proof (RFC 9449), so that each access token is bound to the app's key and useless to anyone who steals it; requests without one are refused."
            error={firstFor(errors, 'security.requireDpop')}
          />
          {grantTypes.includes(grantTypeNames.tokenExchange) ? (
            <Checkbox
              label="Token exchange without an actor token impersonates the user"
              checked={security.tokenExchangeImpersonation}
              onChange={setFlag('tokenExchangeImpersonation')}
              hint="Off (the default): every exchanged token names this app in its act claim, so APIs see who acts for the user (delegation). On: without an actor_token the new token is the user's alone, with no act (RFC 8693 §1.1)."
              error={firstFor(errors, 'security.tokenExchangeImpersonation')}
            />
          ) : null}
          {!isPublic ? (
            <>
              <Checkbox
                label="Require secret for the web server flow"
                checked={security.requireSecretForWebServerFlow}
                onChange={setFlag('requireSecretForWebServerFlow')}
                hint="The code exchange must authenticate with the client secret (or a signed JWT)."
                error={firstFor(errors, 'security.requireSecretForWebServerFlow')}
              />
              <Checkbox
                label="Require secret for the refresh token flow"
                checked={requireSecretForRefresh}
                onChange={setRequireSecretForRefresh}
                hint="Refresh requests must authenticate. A secret sent anyway is always checked."
                error={firstFor(errors, 'refreshToken.requireSecret')}
              />
              <Checkbox
                label="Introspect all tokens"
                checked={security.introspectAllTokens}
                onChange={setFlag('introspectAllTokens')}
                hint="Lets this app introspect every token of the organization, not only its own (RFC 7662)."
                error={firstFor(errors, 'security.introspectAllTokens')}
              />
            </>
          ) : null}
          <Checkbox
            label="First-party app (skip consent)"
            checked={security.firstParty}
            disabled={!isServerAdmin && !security.firstParty}
            onChange={setFlag('firstParty')}
            hint={
              isServerAdmin
                ? 'Users of the whole server are not asked to consent to this app (they still are for the management API). Turn it on only for apps your own team runs.'
                : 'Users are not asked to consent to a first-party app, so only a server administrator can turn this on. You can turn it off.'
            }
            error={firstFor(errors, 'security.firstParty')}
          />
          {!isPublic && app.ownerUserId === null ? (
            <Checkbox
              label="Allow the Latchkey management API"
              checked={security.managementApiAccess}
              disabled={!isServerAdmin && !security.managementApiAccess}
              onChange={setFlag('managementApiAccess')}
              hint={
                isServerAdmin
                  ? 'Lets this app get tokens for the management API (the audience …/api/v1), to automate Latchkey itself.'
                  : 'Tokens for the management API are a server administrator’s to allow. You can turn this off.'
              }
              error={firstFor(errors, 'security.managementApiAccess')}
            />
          ) : null}
        </fieldset>

        <fieldset disabled={!canEdit}>
          <legend>Grant types</legend>
          <div className="check-grid">
            {available.map((grant) => (
              <Checkbox
                key={grant}
                label={grant === grantTypeNames.deviceCode ? 'Enable for Device Flow' : (grantTypeLabels[grant] ?? grant)}
                hint={<code>{grant}</code>}
                checked={grantTypes.includes(grant)}
                onChange={(on) => setGrantTypes((current) => (on ? [...new Set([...current, grant])] : current.filter((item) => item !== grant)))}
              />
            ))}
          </div>
          {anyUnder(errors, 'grantTypes') ? (
            <div className="field-error" role="alert">
              {errors
                .filter((problem) => problem.field === 'grantTypes')
                .map((problem) => problem.message)
                .join('; ')}
            </div>
          ) : null}
          {!isPublic ? (
            <Select
              label="Client authentication"
              value={authMethod}
              onChange={setAuthMethod}
              options={authMethods}
              error={firstFor(errors, 'tokenEndpointAuthMethod')}
            />
          ) : null}
        </fieldset>

        {app.type !== 'm2m' ? (
          <fieldset disabled={!canEdit}>
            <legend>Refresh tokens</legend>
            <Checkbox
              label="Enable refresh token rotation"
              checked={isPublic ? true : rotation}
              disabled={isPublic}
              onChange={setRotation}
              hint="Each refresh returns a new refresh token and invalidates the old one; reusing a rotated-out token revokes the whole family and its access tokens."
              error={firstFor(errors, 'refreshToken.rotation')}
            />
            <TextField
              label="Retry window (seconds)"
              type="number"
              inputMode="numeric"
              value={retryWindow}
              onChange={setRetryWindow}
              min={bounds.refreshReuseIntervalSeconds.min}
              max={bounds.refreshReuseIntervalSeconds.max}
              hint={`How long a just-rotated refresh token may be presented again (a lost response) without counting as reuse: ${bounds.refreshReuseIntervalSeconds.min} to ${bounds.refreshReuseIntervalSeconds.max} seconds.`}
              error={firstFor(errors, 'refreshToken.reuseIntervalSeconds')}
            />
          </fieldset>
        ) : null}

        {userFlows ? (
          <fieldset disabled={!canEdit}>
            <legend>ID token</legend>
            <TextField
              label="Token valid for (minutes)"
              type="number"
              inputMode="numeric"
              value={idTtl}
              onChange={setIdTtl}
              min={bounds.idTokenTtlMinutes.min}
              max={bounds.idTokenTtlMinutes.max}
              hint={`From ${bounds.idTokenTtlMinutes.min} to ${bounds.idTokenTtlMinutes.max} minutes; default ${bounds.idTokenTtlMinutes.default}.`}
              error={firstFor(errors, 'idToken.ttlMinutes')}
            />
            <TextField
              label="ID token audiences"
              multiline
              value={idAudiences}
              onChange={setIdAudiences}
              hint="Extra intended consumers of the ID token, one per line (such as https://your_service.example.com); at most 10."
              error={errors.find((problem) => problem.field.startsWith('idToken.audiences'))?.message}
            />
            <Checkbox
              label="Include standard claims"
              checked={standardClaims}
              onChange={setStandardClaims}
              hint="Name, email and other profile claims the scopes allow."
            />
            <Checkbox label="Include custom claims" checked={customClaimsOn} onChange={setCustomClaimsOn} hint="The custom claims below." />
            <Select
              label="ID token signing algorithm"
              value={idTokenAlg}
              onChange={setIdTokenAlg}
              options={signingAlgorithms.map((alg) => ({
                value: alg,
                label: alg === 'RS256' ? 'RS256 (default; every OpenID Connect client supports it)' : alg,
              }))}
              hint="id_token_signed_response_alg: register the same value in your OpenID Connect client. The server must keep a key for it."
              error={firstFor(errors, 'idToken.signingAlg')}
            />
            <Select
              label="User identifiers (sub)"
              value={subjectType}
              onChange={setSubjectType}
              options={[
                { value: 'public', label: "Public: the user's id, the same in every app" },
                { value: 'pairwise', label: "Pairwise: an id of its own for this app's site, so apps of other sites can't match users" },
              ]}
              hint="subject_type: applies to ID tokens, userinfo and logout tokens. Changing it changes the id every existing user has in this app."
              error={firstFor(errors, 'idToken.subjectType')}
            />
            {subjectType === 'pairwise' ? (
              <TextField
                label="Sector identifier URI"
                value={sectorUri}
                onChange={setSectorUri}
                placeholder="https://example.com/redirect_uris.json"
                hint="Only needed when the redirect URIs are on more than one host: an https URL serving a JSON array that lists every redirect URI. Apps with the same sector see the same ids."
                error={firstFor(errors, 'idToken.sectorIdentifierUri')}
              />
            ) : null}
          </fieldset>
        ) : null}

        <fieldset disabled={!canEdit}>
          <legend>Custom claims</legend>
          <TextField
            label="Custom claims (JSON)"
            multiline
            className="mono-field"
            value={customClaims}
            onChange={setCustomClaims}
            placeholder='{"https://example.com/roles": ["reader"]}'
            hint="Added to ID tokens and JWT access tokens. Names must be namespaced (a URI of yours), 4 KB at most."
            error={
              errors
                .filter((problem) => problem.field.startsWith('customClaims'))
                .map((problem) => `${problem.field.replace(/^customClaims\.?/, '')} ${problem.message}`.trim())
                .join('; ') || undefined
            }
          />
        </fieldset>
        <SaveBar busy={saver.busy} saved={saver.saved} error={saver.error} problems={saver.errors} labels={advancedLabels} />
      </form>
      <Certificates />
      {app.ownerUserId === null && !builtIn ? <PreAuthorizations /> : null}
      {app.ownerUserId === null && !builtIn && mayTrustIssuers(app.type) ? <TrustedIssuers /> : null}
    </>
  );
}

interface PreAuthorization {
  id: string;
  userId: string | null;
  email: string | null;
  role: Role | null;
  scopes: string[];
  audiences: string[];
  authority: 'server' | 'organization';
  createdBy: string;
  createdAt: string;
}

/**
 * Administrators authorize people for the app in place of their consent: what the JWT bearer
 * grant needs for a user who never consented, and what spares them the consent screen.
 */
function PreAuthorizations() {
  const { app } = useApp();
  const org = useOrg();
  const isServerAdmin = useSession().session.user.isAdmin;
  const canManage = isServerAdmin || org.can('apps:preauthorize');
  const list = useLoad(() => get<{ items: PreAuthorization[] }>(`/apps/${encodeURIComponent(app.clientId)}/pre-authorizations`), [app.clientId]);
  const [who, setWho] = useState<'user' | 'role'>('user');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const [scopes, setScopes] = useState<string[]>([]);
  const [audiences, setAudiences] = useState(app.defaultAudience ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useServerProblems(error, { user: email, role, scopes, audiences });
  const offered = app.scopes.filter((scope) => scope !== 'offline_access');

  const add = async () => {
    setError(null);
    setBusy(true);
    try {
      await api('POST', `/apps/${encodeURIComponent(app.clientId)}/pre-authorizations`, {
        ...(who === 'user' ? { user: email.trim() } : { role }),
        scopes,
        audiences: audiences.split(/\s+/).filter(Boolean),
      });
      setEmail('');
      setScopes([]);
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="preauthorizations-heading">
      <h2 id="preauthorizations-heading">Pre-authorized users</h2>
      <p className="hint">
        People an administrator authorized for this app in place of their own consent. The JWT bearer flow issues a token for a user only with their consent or
        a pre-authorization; pre-authorized users are not asked to consent in the browser either. Organization owners and admins pre-authorize members for the
        organization’s own APIs; server administrators anyone.
      </p>
      {list.loading && !list.data ? <Loading label="Loading pre-authorizations…" /> : null}
      {list.error ? <ErrorSummary error={list.error} title="The pre-authorizations could not be loaded" /> : null}
      {list.data && items.length === 0 ? <p>Nobody is pre-authorized.</p> : null}
      {items.length > 0 ? (
        <DataTable
          caption="Pre-authorized users"
          rows={items}
          rowKey={(item) => item.id}
          columns={[
            { header: 'For', cell: (item) => item.email ?? (item.role ? `every ${item.role}` : item.userId) },
            { header: 'Scopes', className: 'mono small-text break', cell: (item) => item.scopes.join(' ') },
            { header: 'APIs', className: 'mono small-text break', cell: (item) => item.audiences.join(' ') || '—' },
            {
              header: 'By',
              className: 'small-text',
              cell: (item) => `${item.createdBy}${item.authority === 'server' ? ' (server administrator)' : ''}`,
            },
            {
              header: 'Actions',
              hideHeader: true,
              cell: (item) => (
                <ConfirmAction
                  label="Remove"
                  disabled={!canManage || (item.authority === 'server' && !isServerAdmin)}
                  ariaLabel={`Remove the pre-authorization of ${item.email ?? `every ${item.role ?? ''}`}`}
                  title="Remove this pre-authorization?"
                  confirmLabel="Remove pre-authorization"
                  danger
                  onConfirm={async () => {
                    await api('DELETE', `/apps/${encodeURIComponent(app.clientId)}/pre-authorizations/${encodeURIComponent(item.id)}`);
                    list.reload();
                  }}
                >
                  <p>Tokens already issued stay valid until they expire; new ones need the user’s consent again.</p>
                </ConfirmAction>
              ),
            },
          ]}
        />
      ) : null}
      {canManage ? (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void add();
          }}
        >
          <Select
            label="Pre-authorize"
            value={who}
            onChange={(value) => setWho(value as 'user' | 'role')}
            options={[
              { value: 'user', label: 'a user' },
              { value: 'role', label: 'every member with a role' },
            ]}
          />
          {who === 'user' ? (
            <TextField label="Email of the user" type="email" value={email} onChange={setEmail} error={firstFor(errors, 'user')} />
          ) : (
            <Select
              label="Role"
              value={role}
              onChange={(value) => setRole(value as Role)}
              options={(['owner', 'admin', 'developer', 'viewer'] as const).map((value) => ({ value, label: value }))}
            />
          )}
          <fieldset>
            <legend>Scopes it covers</legend>
            <div className="check-grid">
              {offered.map((scope) => (
                <Checkbox
                  key={scope}
                  label={scope}
                  checked={scopes.includes(scope)}
                  onChange={(on) => setScopes((current) => (on ? [...current, scope] : current.filter((item) => item !== scope)))}
                />
              ))}
            </div>
            {firstFor(errors, 'scopes') ? (
              <div className="field-error" role="alert">
                {firstFor(errors, 'scopes')}
              </div>
            ) : null}
          </fieldset>
          <TextField
            label="APIs it covers"
            value={audiences}
            onChange={setAudiences}
            hint="API identifiers (audiences), separated by spaces; the app's default audience to start with."
            error={
              errors
                .filter((problem) => problem.field.startsWith('audiences'))
                .map((problem) => problem.message)
                .join('; ') || undefined
            }
          />
          <ErrorSummary error={error} title="Nobody was pre-authorized" problems={errors} labels={{ user: 'Email of the user', audiences: 'APIs it covers' }} />
          <button type="submit" className="primary" disabled={busy || scopes.length === 0}>
            {busy ? 'Saving…' : 'Pre-authorize'}
          </button>
        </form>
      ) : null}
    </section>
  );
}

const maxCertificateBytes = 4096;

/** Keys for the JWT bearer flow and private_key_jwt: PEM certificates, PEM public keys, JWKs and JWKS, 4 KB at most. */
function Certificates() {
  const { app, canEdit } = useApp();
  const inputId = useId();
  const pasteId = useId();
  const certificates = useLoad(() => get<{ items: Certificate[] }>(`/apps/${encodeURIComponent(app.clientId)}/certificates`), [app.clientId]);
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState('');
  const [fileKey, setFileKey] = useState(0);
  const keyProblem = privateKeyProblem(text);

  const readFile = async (file: File | undefined) => {
    setError(null);
    setAdded('');
    if (!file) return;
    setFileName(file.name);
    if (file.size > maxCertificateBytes) {
      setText('');
      setError(new Error(`${file.name} is ${file.size} bytes; a certificate or key file must be at most 4 KB (${maxCertificateBytes} bytes)`));
      return;
    }
    setText(await file.text());
  };

  const upload = async () => {
    setError(null);
    setAdded('');
    if (keyProblem) return;
    if (new TextEncoder().encode(text).length > maxCertificateBytes) {
      setError(new Error(`the text is larger than 4 KB (${maxCertificateBytes} bytes)`));
      return;
    }
    setBusy(true);
    try {
      const result = await api<{ items: Certificate[] }>('POST', `/apps/${encodeURIComponent(app.clientId)}/certificates`, { certificate: text });
      setAdded(`Uploaded ${result.items.length === 1 ? 'a key' : `${result.items.length} keys`}: ${result.items.map((item) => item.fingerprint).join(', ')}`);
      setText('');
      setFileName('');
      setFileKey((key) => key + 1);
      certificates.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const items = certificates.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="certificates-heading">
      <h2 id="certificates-heading">Certificates and keys</h2>
      <p className="hint">
        For the JWT bearer flow (RFC 7523) and private_key_jwt client authentication. Upload a PEM certificate, a PEM public key, a JWK or a JWKS of at most 4
        KB.
      </p>
      {certificates.loading && !certificates.data ? <Loading label="Loading certificates…" /> : null}
      {certificates.error ? <ErrorSummary error={certificates.error} title="The certificates could not be loaded" /> : null}
      {certificates.data && items.length === 0 ? <p>No certificates or keys yet.</p> : null}
      {items.length > 0 ? (
        <DataTable
          caption="Certificates and keys"
          rows={items}
          rowKey={(certificate) => certificate.id}
          columns={[
            { header: 'Fingerprint', className: 'mono small-text break', cell: (certificate) => certificate.fingerprint },
            { header: 'Algorithm', cell: (certificate) => certificate.alg },
            { header: 'Kind', cell: (certificate) => (certificate.kind === 'x509' ? 'X.509 certificate' : 'JWK') },
            { header: 'Subject', className: 'small-text', cell: (certificate) => certificate.subject ?? '—' },
            { header: 'Expires', cell: (certificate) => (certificate.expiresAt ? formatTime(certificate.expiresAt) : 'never') },
            {
              header: 'Actions',
              hideHeader: true,
              cell: (certificate) => (
                <ConfirmAction
                  label="Delete"
                  disabled={!canEdit}
                  title="Delete this certificate?"
                  confirmLabel="Delete certificate"
                  danger
                  onConfirm={async () => {
                    await api('DELETE', `/apps/${encodeURIComponent(app.clientId)}/certificates/${encodeURIComponent(certificate.id)}`);
                    certificates.reload();
                  }}
                >
                  <p>
                    Signed requests with the key <span className="mono break">{certificate.fingerprint}</span> will be refused from now on.
                  </p>
                </ConfirmAction>
              ),
            },
          ]}
        />
      ) : null}
      {canEdit ? (
        <form
          className="upload"
          onSubmit={(event) => {
            event.preventDefault();
            void upload();
          }}
        >
          <div className="field">
            <label htmlFor={inputId}>Certificate or key file</label>
            <div className="hint">.pem, .crt, .cer, .json, .jwk or .jwks, at most 4 KB</div>
            <input
              key={fileKey}
              id={inputId}
              type="file"
              accept=".pem,.crt,.cer,.key,.pub,.json,.jwk,.jwks,application/json,application/x-pem-file"
              onChange={(event) => void readFile(event.target.files?.[0])}
            />
          </div>
          <div className="field">
            <label htmlFor={pasteId}>Or paste it</label>
            <textarea
              id={pasteId}
              className="mono"
              rows={4}
              value={text}
              onChange={(event) => setText(event.target.value)}
              placeholder="-----BEGIN CERTIFICATE-----"
              aria-invalid={keyProblem ? true : undefined}
              aria-describedby={keyProblem ? `${pasteId}-error` : undefined}
            />
            {keyProblem ? (
              <div className="field-error" id={`${pasteId}-error`} role="alert">
                {keyProblem}
              </div>
            ) : null}
            <div className="hint" aria-live="polite">
              {fileName ? `${fileName}: ` : ''}
              {new TextEncoder().encode(text).length} of {maxCertificateBytes} bytes
            </div>
          </div>
          <ErrorSummary error={error} title="The certificate was not uploaded" />
          {added ? (
            <p className="notice notice-success" role="status">
              {added}
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={busy || text.trim() === ''}>
            {busy ? 'Uploading…' : 'Upload certificate'}
          </button>
        </form>
      ) : null}
    </section>
  );
}
