import { useEffect, useId, useState, type ReactNode } from 'react';
import { ErrorSummary, JsonBlock, Loading, Notice, Select, TextField } from '../../components/ui';
import { api, consoleRoot, get, messageOf } from '../../lib/api';
import { grantTypeNames } from '../../lib/app-rules';
import { useLoad } from '../../lib/hooks';
import { decodeJwt, describeClaim } from '../../lib/jwt';
import { useOrg } from '../../lib/org';
import { pluralize } from '../../lib/format';
import { newCodeVerifier, randomToken, s256Challenge } from '../../lib/pkce';
import { clearPending, loadPending, savePending, type PendingFlow } from '../../lib/playground-store';
import { useSession } from '../../lib/session';
import type { Api, App, Page } from '../../lib/types';
import { useApp } from './context';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  introspection_endpoint?: string;
}

interface HttpExchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  status: number | null;
  body: unknown;
  error?: string;
}

type TokenSet = { access_token?: string; id_token?: string; refresh_token?: string; scope?: string; expires_in?: number; token_type?: string };

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined and base64-encoded. */
function basicAuth(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}

/** Hides most of a secret in what the playground shows; the request itself carries it whole. */
function masked(value: string): string {
  return value.length <= 10 ? '••••' : `${value.slice(0, 6)}…${'•'.repeat(6)}`;
}

async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string>,
  display: Record<string, string> = form,
): Promise<HttpExchange> {
  const shownHeaders = {
    'content-type': 'application/x-www-form-urlencoded',
    ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, name === 'authorization' ? `${value.slice(0, 12)}…` : value])),
  };
  // Shown decoded, for reading; the request itself is form-encoded (application/x-www-form-urlencoded).
  const request = {
    method: 'POST',
    url,
    headers: shownHeaders,
    body: Object.entries(display)
      .map(([name, value]) => `${name}=${value}`)
      .join('&'),
  };
  try {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: show the text
    }
    return { request, status: response.status, body };
  } catch (error) {
    return { request, status: null, body: null, error: messageOf(error) };
  }
}

/** The flow playground: run a flow against this app and see each step explained. */
export function Playground() {
  const { app } = useApp();
  const { session } = useSession();
  const discovery = useLoad(
    () => fetch(`${session.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`).then((response) => response.json() as Promise<Discovery>),
    [session.issuer],
  );
  const supportsCode = app.grantTypes.includes(grantTypeNames.authorizationCode);
  const supportsClient = app.clientType === 'confidential' && app.grantTypes.includes(grantTypeNames.clientCredentials);
  const [flow, setFlow] = useState<'code' | 'client_credentials'>(supportsCode ? 'code' : 'client_credentials');

  if (discovery.error) return <ErrorSummary error={discovery.error} title="The server's discovery document could not be loaded" />;
  if (!discovery.data) return <Loading label="Loading the server's endpoints…" />;
  if (!supportsCode && !supportsClient) {
    return (
      <section className="card">
        <h2>Flow playground</h2>
        <p>
          The playground runs the authorization code flow with PKCE and the client credentials flow. This app uses {app.grantTypes.join(', ')}; enable the
          authorization code grant on the Advanced tab to try it here.
        </p>
      </section>
    );
  }
  return (
    <div className="playground">
      <section className="card">
        <h2>Flow playground</h2>
        <p>
          Run a real flow against <strong>{app.name}</strong> from this browser and see every request and response, explained. It uses this server&apos;s
          endpoints from <span className="mono">/.well-known/openid-configuration</span>.
        </p>
        {app.status !== 'active' ? (
          <Notice kind="warning" title={`The app is ${app.status}.`}>
            Only active apps get tokens: activate it on the Lifecycle tab first.
          </Notice>
        ) : null}
        {supportsCode && supportsClient ? (
          <Select
            label="Flow"
            value={flow}
            onChange={(value) => setFlow(value === 'client_credentials' ? 'client_credentials' : 'code')}
            options={[
              { value: 'code', label: 'Authorization code with PKCE (a user signs in)' },
              { value: 'client_credentials', label: 'Client credentials (the app alone)' },
            ]}
          />
        ) : null}
      </section>
      {flow === 'code' ? <CodeFlow discovery={discovery.data} /> : <ClientCredentialsFlow discovery={discovery.data} />}
    </div>
  );
}

function Step({ number, title, children, explain }: { number: number; title: string; children: ReactNode; explain?: ReactNode }) {
  const id = useId();
  return (
    <section className="card step" aria-labelledby={id}>
      <h3 id={id}>
        <span className="step-number">{number}</span> {title}
      </h3>
      {explain ? <div className="explain">{explain}</div> : null}
      {children}
    </section>
  );
}

function ExchangeView({ exchange, label }: { exchange: HttpExchange; label: string }) {
  return (
    <div className="exchange">
      <h4>Request</h4>
      <JsonBlock
        label={`${label} request`}
        value={`${exchange.request.method} ${exchange.request.url}\n${Object.entries(exchange.request.headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join('\n')}${exchange.request.body ? `\n\n${exchange.request.body}` : ''}`}
      />
      <h4>Response {exchange.status !== null ? <span className={`http-status ${exchange.status < 300 ? 'ok' : 'bad'}`}>{exchange.status}</span> : null}</h4>
      {exchange.error ? (
        <p className="field-error" role="alert">
          {exchange.error}
        </p>
      ) : (
        <JsonBlock label={`${label} response`} value={exchange.body} />
      )}
    </div>
  );
}

function DecodedToken({ name, token }: { name: string; token: string }) {
  const decoded = decodeJwt(token);
  if (!decoded) {
    return (
      <div className="decoded">
        <h4>{name}</h4>
        <p>
          An opaque token (<span className="mono">{token.slice(0, 10)}…</span>): it means nothing to the app. The API checks it at the introspection endpoint
          (RFC 7662). The API&apos;s token format decides this (APIs page).
        </p>
      </div>
    );
  }
  return (
    <div className="decoded">
      <h4>{name}</h4>
      <p className="hint">
        Decoded, not verified: base64url of the header and payload. An API must verify the signature with the server&apos;s JWKS ({String(decoded.header.alg)},
        key {typeof decoded.header.kid === 'string' ? decoded.header.kid : '?'}).
      </p>
      <div className="grid-2">
        <div>
          <h5>Header</h5>
          <JsonBlock label={`${name} header`} value={decoded.header} />
        </div>
        <div>
          <h5>Payload</h5>
          <JsonBlock label={`${name} payload`} value={decoded.payload} />
        </div>
      </div>
      <dl className="claims">
        {Object.entries(decoded.payload).map(([claim, value]) => {
          const description = describeClaim(claim, value);
          return description ? (
            <div key={claim}>
              <dt className="mono">{claim}</dt>
              <dd>{description}</dd>
            </div>
          ) : null;
        })}
      </dl>
    </div>
  );
}

function TokenDetails({ tokens }: { tokens: TokenSet }) {
  return (
    <>
      {tokens.access_token ? <DecodedToken name="Access token" token={tokens.access_token} /> : null}
      {tokens.id_token ? <DecodedToken name="ID token" token={tokens.id_token} /> : null}
      {tokens.refresh_token ? (
        <div className="decoded">
          <h4>Refresh token</h4>
          <p>
            Opaque (<span className="mono">{tokens.refresh_token.slice(0, 10)}…</span>): only the token endpoint understands it. Keep it secret; use it once.
          </p>
        </div>
      ) : null}
    </>
  );
}

function useOrgApis() {
  const org = useOrg();
  return useLoad(() => get<Page<Api>>(`/orgs/${encodeURIComponent(org.slug)}/apis?perPage=100`), [org.slug]);
}

function SecretInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <TextField
      label="Client secret"
      type="password"
      autoComplete="off"
      value={value}
      onChange={onChange}
      hint="Needed for this confidential app. The playground sends it to the token endpoint in the Authorization header and never stores it."
    />
  );
}

function CodeFlow({ discovery }: { discovery: Discovery }) {
  const { app, setApp, canEdit } = useApp();
  const org = useOrg();
  const apis = useOrgApis();
  const redirectUri = `${window.location.origin}${consoleRoot}/playground/callback`;
  const registered = app.redirectUris.includes(redirectUri);
  const [pending, setPending] = useState<PendingFlow | null>(() => loadPending(app.clientId));
  const [scope, setScope] = useState(() => pending?.request.scope ?? app.scopes.join(' '));
  const [audience, setAudience] = useState(() => pending?.request.audience ?? app.defaultAudience ?? '');
  const [prompt, setPrompt] = useState(() => pending?.request.prompt ?? '');
  const [pkce, setPkce] = useState<{ verifier: string; challenge: string } | null>(() =>
    pending ? { verifier: pending.request.verifier, challenge: pending.request.challenge } : null,
  );
  const [secret, setSecret] = useState('');
  const [tokenExchange, setTokenExchange] = useState<HttpExchange | null>(null);
  const [tokens, setTokens] = useState<TokenSet | null>(null);
  const [addError, setAddError] = useState<unknown>(null);
  const [adding, setAdding] = useState(false);
  const confidential = app.clientType === 'confidential';

  // A playground in another window (opened from here) reports the response through postMessage.
  useEffect(() => {
    const listener = (event: MessageEvent) => {
      if (event.origin !== window.location.origin) return;
      const data = event.data as { type?: string; clientId?: string };
      if (data.type === 'latchkey-playground' && data.clientId === app.clientId) setPending(loadPending(app.clientId));
    };
    window.addEventListener('message', listener);
    return () => window.removeEventListener('message', listener);
  }, [app.clientId]);

  const addRedirectUri = async () => {
    setAdding(true);
    setAddError(null);
    try {
      setApp(await api<App>('PATCH', `/apps/${encodeURIComponent(app.clientId)}`, { redirectUris: [...app.redirectUris, redirectUri] }));
    } catch (caught) {
      setAddError(caught);
    } finally {
      setAdding(false);
    }
  };

  const generate = async () => {
    const verifier = newCodeVerifier();
    setPkce({ verifier, challenge: await s256Challenge(verifier) });
  };

  const state = pending?.request.state ?? '';
  const authorizeUrl = (() => {
    if (!pkce) return null;
    const url = new URL(discovery.authorization_endpoint);
    const parameters: Record<string, string> = {
      response_type: 'code',
      client_id: app.clientId,
      redirect_uri: redirectUri,
      scope: scope.trim().replace(/\s+/g, ' '),
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: state || '(made when you start)',
    };
    if (audience) parameters.audience = audience;
    if (prompt) parameters.prompt = prompt;
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    return url;
  })();

  const start = () => {
    if (!pkce || !authorizeUrl) return;
    const request = {
      clientId: app.clientId,
      org: org.slug,
      redirectUri,
      scope: scope.trim().replace(/\s+/g, ' '),
      audience,
      prompt,
      verifier: pkce.verifier,
      challenge: pkce.challenge,
      state: randomToken(16),
      nonce: randomToken(16),
      authorizeUrl: '',
      startedAt: Date.now(),
    };
    const url = new URL(authorizeUrl);
    url.searchParams.set('state', request.state);
    if (request.scope.split(' ').includes('openid')) url.searchParams.set('nonce', request.nonce);
    request.authorizeUrl = url.toString();
    savePending({ request });
    window.location.assign(url.toString());
  };

  const redeem = async () => {
    if (!pending?.response?.code) return;
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: pending.response.code,
      redirect_uri: pending.request.redirectUri,
      code_verifier: pending.request.verifier,
    };
    const headers: Record<string, string> = {};
    if (confidential && app.tokenEndpointAuthMethod === 'client_secret_post') Object.assign(form, { client_id: app.clientId, client_secret: secret });
    else if (confidential) headers.authorization = basicAuth(app.clientId, secret);
    else form.client_id = app.clientId;
    const display = { ...form, ...(form.client_secret ? { client_secret: masked(form.client_secret) } : {}) };
    const exchange = await postForm(discovery.token_endpoint, form, headers, display);
    setTokenExchange(exchange);
    if (exchange.status === 200) setTokens(exchange.body as TokenSet);
    // A code works once (RFC 6749 §4.1.2): forget it, and the verifier with it.
    clearPending(app.clientId);
  };

  const reset = () => {
    clearPending(app.clientId);
    setPending(null);
    setPkce(null);
    setTokenExchange(null);
    setTokens(null);
    setSecret('');
  };

  // With no audience chosen, the API whose scopes the app may ask for is the likely one.
  useEffect(() => {
    if (pending || audience || !apis.data) return;
    const owners = apis.data.items.filter((item) => item.scopes.some((candidate) => app.scopes.includes(candidate.name)));
    if (owners.length === 1) setAudience(owners[0]!.identifier);
  }, [apis.data, pending, audience, app.scopes]);

  const response = pending?.response;
  const apiList = apis.data?.items ?? [];

  return (
    <>
      <Step
        number={1}
        title="Choose what to ask for"
        explain={
          <p>
            The scopes the app asks for (it may ask for any of its allowed scopes: <span className="mono">{app.scopes.join(' ') || 'none'}</span>) and the API
            the access token is for (<span className="mono">audience</span>; RFC 8707 calls it <span className="mono">resource</span>). A refresh token comes
            only with <span className="mono">offline_access</span>, when every API named allows offline access.
          </p>
        }
      >
        <p className="hint">
          Redirect URI: <span className="mono">{redirectUri}</span> (a console page that hands the code back to this playground)
        </p>
        {!registered ? (
          <Notice kind="warning" title="The playground's redirect URI is not registered for this app.">
            <p>Authorization requests must use one of the app&apos;s redirect URIs, exactly. Add the playground&apos;s to the app to try the flow here.</p>
            <button type="button" onClick={() => void addRedirectUri()} disabled={!canEdit || adding}>
              {adding ? 'Adding…' : 'Add this redirect URI to the app'}
            </button>
            {!canEdit ? <span className="hint"> Your role can&apos;t change the app.</span> : null}
            <ErrorSummary error={addError} title="The redirect URI was not added" />
          </Notice>
        ) : null}
        <TextField
          label="Scope"
          value={scope}
          onChange={setScope}
          hint="Space-separated, e.g. openid profile offline_access read:contacts"
          className="mono-field"
        />
        <Select
          label="Audience"
          value={audience}
          onChange={setAudience}
          options={[
            { value: '', label: app.defaultAudience ? `None (the app's default: ${app.defaultAudience})` : 'None' },
            ...apiList.map((item) => ({ value: item.identifier, label: `${item.name} (${item.identifier})` })),
          ]}
        />
        <Select
          label="Prompt"
          value={prompt}
          onChange={setPrompt}
          options={[
            { value: '', label: 'None: sign in only if needed' },
            { value: 'login', label: 'login: always ask to sign in' },
            { value: 'consent', label: 'consent: always ask for consent' },
          ]}
        />
      </Step>

      <Step
        number={2}
        title="Create a code verifier and its challenge"
        explain={
          <p>
            PKCE (RFC 7636) binds the code to this client: the app keeps a random <span className="mono">code_verifier</span> and sends only its SHA-256 hash,
            the <span className="mono">code_challenge</span>, with the authorization request. Only S256 is accepted. Made here with WebCrypto.
          </p>
        }
      >
        <button type="button" onClick={() => void generate()} disabled={Boolean(response)}>
          {pkce ? 'Generate a new code verifier' : 'Generate code verifier'}
        </button>
        {pkce ? (
          <dl className="facts mono-values">
            <dt>code_verifier</dt>
            <dd className="mono break" data-testid="code-verifier">
              {pkce.verifier}
            </dd>
            <dt>code_challenge</dt>
            <dd className="mono break" data-testid="code-challenge">
              {pkce.challenge}
            </dd>
            <dt>code_challenge_method</dt>
            <dd className="mono">S256</dd>
          </dl>
        ) : null}
      </Step>

      <Step
        number={3}
        title="Authorize the user"
        explain={
          <p>
            The browser goes to the authorization endpoint, the user signs in and consents, and Latchkey sends the browser back to the redirect URI with a{' '}
            <span className="mono">code</span>, the <span className="mono">state</span> and its <span className="mono">iss</span> (RFC 9207). The state is
            random, so a response this playground did not ask for is refused.
          </p>
        }
      >
        {authorizeUrl ? (
          <>
            <JsonBlock label="Authorization URL" value={pending?.request.authorizeUrl ?? authorizeUrl.toString()} />
            <table className="table params">
              <caption className="sr-only">Authorization request parameters</caption>
              <thead>
                <tr>
                  <th scope="col">Parameter</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {[...new URL(pending?.request.authorizeUrl ?? authorizeUrl.toString()).searchParams].map(([name, value]) => (
                  <tr key={name}>
                    <td className="mono">{name}</td>
                    <td className="mono break">{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {!response ? (
              <button type="button" className="primary" onClick={start} disabled={!registered}>
                Sign in and authorize
              </button>
            ) : null}
          </>
        ) : (
          <p className="hint">Generate the code verifier first.</p>
        )}
      </Step>

      <Step number={4} title="The authorization response" explain={<p>What came back to the redirect URI.</p>}>
        {!response ? (
          <p className="hint">Nothing yet.</p>
        ) : response.error ? (
          <Notice kind="danger" title={response.error}>
            {response.errorDescription ?? 'The authorization request was refused.'}
          </Notice>
        ) : (
          <dl className="facts mono-values">
            <dt>code</dt>
            <dd className="mono break" data-testid="authorization-code">
              {response.code}
            </dd>
            <dt>state</dt>
            <dd>{response.state === pending?.request.state ? '✓ matches the state sent' : '✗ does not match: do not redeem this code'}</dd>
            <dt>iss</dt>
            <dd>{response.iss === discovery.issuer ? `✓ ${response.iss}` : `✗ ${response.iss ?? 'missing'} (expected ${discovery.issuer})`}</dd>
          </dl>
        )}
      </Step>

      <Step
        number={5}
        title="Request tokens"
        explain={
          <p>
            The app POSTs the code and the <span className="mono">code_verifier</span> to the token endpoint; Latchkey hashes the verifier and compares it with
            the challenge. Sensitive values travel only in the body or headers, never in the URL.
          </p>
        }
      >
        {response?.code && !tokenExchange ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void redeem();
            }}
          >
            {confidential ? <SecretInput value={secret} onChange={setSecret} /> : null}
            <button type="submit" className="primary">
              Exchange the code for tokens
            </button>
          </form>
        ) : null}
        {tokenExchange ? <ExchangeView exchange={tokenExchange} label="Token" /> : !response?.code ? <p className="hint">Waiting for a code.</p> : null}
      </Step>

      {tokens ? <AfterTokens discovery={discovery} tokens={tokens} onTokens={setTokens} secret={secret} setSecret={setSecret} first={6} /> : null}
      {pending || tokens ? (
        <div className="button-row">
          <button type="button" onClick={reset}>
            Start over
          </button>
        </div>
      ) : null}
    </>
  );
}

function AfterTokens({
  discovery,
  tokens,
  onTokens,
  secret,
  setSecret,
  first,
}: {
  discovery: Discovery;
  tokens: TokenSet;
  onTokens: (tokens: TokenSet) => void;
  secret: string;
  setSecret: (secret: string) => void;
  first: number;
}) {
  const { app } = useApp();
  const [url, setUrl] = useState(discovery.userinfo_endpoint ?? '');
  const [call, setCall] = useState<HttpExchange | null>(null);
  const [refreshScope, setRefreshScope] = useState(tokens.scope ?? '');
  const [refreshExchange, setRefreshExchange] = useState<HttpExchange | null>(null);
  const [refreshed, setRefreshed] = useState<TokenSet | null>(null);
  const confidential = app.clientType === 'confidential';

  const callApi = async () => {
    const headers = { authorization: `Bearer ${tokens.access_token ?? ''}` };
    const request = { method: 'GET', url, headers: { authorization: `Bearer ${(tokens.access_token ?? '').slice(0, 12)}…` } };
    try {
      const response = await fetch(url, { headers, credentials: 'omit' });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // plain text
      }
      setCall({ request, status: response.status, body });
    } catch {
      const sameOrigin = (() => {
        try {
          return new URL(url, window.location.href).origin === window.location.origin;
        } catch {
          return false;
        }
      })();
      setCall({
        request,
        status: null,
        body: null,
        error: sameOrigin
          ? 'The request failed before an answer came (is the URL right?).'
          : `The browser did not send it: the console may connect only to this server (its Content-Security-Policy says connect-src 'self'), and the API must allow this origin with CORS. Call it from your app or a terminal instead: curl -H "Authorization: Bearer <access token>" ${url}`,
      });
    }
  };

  const refresh = async () => {
    if (!tokens.refresh_token) return;
    const form: Record<string, string> = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token };
    if (refreshScope.trim()) form.scope = refreshScope.trim().replace(/\s+/g, ' ');
    const headers: Record<string, string> = {};
    if (confidential && app.tokenEndpointAuthMethod === 'client_secret_post') Object.assign(form, { client_id: app.clientId, client_secret: secret });
    else if (confidential) headers.authorization = basicAuth(app.clientId, secret);
    else form.client_id = app.clientId;
    const display = {
      ...form,
      refresh_token: `${tokens.refresh_token.slice(0, 10)}…`,
      ...(form.client_secret ? { client_secret: masked(form.client_secret) } : {}),
    };
    const exchange = await postForm(discovery.token_endpoint, form, headers, display);
    setRefreshExchange(exchange);
    if (exchange.status === 200) {
      const next = exchange.body as TokenSet;
      setRefreshed(next);
      // Rotation: the new refresh token replaces the old, which must not be used again.
      onTokens({ ...tokens, ...next, refresh_token: next.refresh_token ?? tokens.refresh_token });
    }
  };

  return (
    <>
      <Step
        number={first}
        title="Decoded tokens"
        explain={
          <p>
            What the token response holds. Granted scope: <span className="mono">{tokens.scope ?? '(as requested)'}</span>; expires in{' '}
            {tokens.expires_in === undefined ? '? seconds' : pluralize(tokens.expires_in, 'second')}.
          </p>
        }
      >
        <TokenDetails tokens={refreshed ? { ...tokens, ...refreshed } : tokens} />
      </Step>
      <Step
        number={first + 1}
        title="Call an API"
        explain={
          <p>
            The app sends the access token in the <span className="mono">Authorization: Bearer</span> header (RFC 6750). The userinfo endpoint accepts tokens
            with the openid scope; your own API accepts tokens whose audience is its identifier.
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void callApi();
          }}
        >
          <TextField
            label="API URL"
            type="url"
            value={url}
            onChange={setUrl}
            className="mono-field"
            hint="GET with the access token. Defaults to the userinfo endpoint."
          />
          <button type="submit" className="primary" disabled={!tokens.access_token || url === ''}>
            Call the API
          </button>
        </form>
        {call ? <ExchangeView exchange={call} label="API" /> : null}
      </Step>
      {tokens.refresh_token || refreshExchange ? (
        <Step
          number={first + 2}
          title="Refresh the tokens"
          explain={
            <p>
              A refresh token gets new tokens without the user. Ask for a smaller <span className="mono">scope</span> to down-scope (never more than was
              granted). With rotation, the answer holds a new refresh token and the old one stops working.
            </p>
          }
        >
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void refresh();
            }}
          >
            <TextField
              label="Scope for the refresh"
              value={refreshScope}
              onChange={setRefreshScope}
              className="mono-field"
              hint="Remove scopes to down-scope; empty keeps the original scope."
            />
            {confidential ? <SecretInput value={secret} onChange={setSecret} /> : null}
            <button type="submit" className="primary" disabled={!tokens.refresh_token}>
              Refresh tokens
            </button>
          </form>
          {refreshExchange ? <ExchangeView exchange={refreshExchange} label="Refresh" /> : null}
        </Step>
      ) : (
        <Step number={first + 2} title="Refresh the tokens">
          <p className="hint">
            No refresh token was issued. Ask for <span className="mono">offline_access</span> (the app needs the refresh token grant on the Tokens tab, and
            every API named must allow offline access).
          </p>
        </Step>
      )}
    </>
  );
}

function ClientCredentialsFlow({ discovery }: { discovery: Discovery }) {
  const { app } = useApp();
  const [secret, setSecret] = useState('');
  const [audience, setAudience] = useState(app.apiGrants[0]?.audience ?? '');
  const [scope, setScope] = useState(app.apiGrants[0]?.scopes.join(' ') ?? '');
  const [exchange, setExchange] = useState<HttpExchange | null>(null);
  const [tokens, setTokens] = useState<TokenSet | null>(null);

  const request = async () => {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (audience) form.audience = audience;
    if (scope.trim()) form.scope = scope.trim().replace(/\s+/g, ' ');
    const headers: Record<string, string> = {};
    if (app.tokenEndpointAuthMethod === 'client_secret_post') Object.assign(form, { client_id: app.clientId, client_secret: secret });
    else headers.authorization = basicAuth(app.clientId, secret);
    const display = { ...form, ...(form.client_secret ? { client_secret: masked(form.client_secret) } : {}) };
    const result = await postForm(discovery.token_endpoint, form, headers, display);
    setExchange(result);
    setTokens(result.status === 200 ? (result.body as TokenSet) : null);
  };

  return (
    <>
      <Step
        number={1}
        title="Request a token with the app's credentials"
        explain={
          <p>
            No user: the app authenticates with its client ID and secret (HTTP Basic, RFC 6749 §2.3.1) and gets a token for one of its audience + scope pairs:{' '}
            <span className="mono">
              {app.apiGrants.map((grant) => `${grant.audience} (${grant.scopes.join(' ')})`).join('; ') || 'none yet: add them on the OAuth & scopes tab'}
            </span>
            .
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void request();
          }}
        >
          <SecretInput value={secret} onChange={setSecret} />
          <Select
            label="Audience"
            value={audience}
            onChange={(value) => {
              setAudience(value);
              setScope(app.apiGrants.find((grant) => grant.audience === value)?.scopes.join(' ') ?? '');
            }}
            options={[{ value: '', label: 'All of the app’s audiences' }, ...app.apiGrants.map((grant) => ({ value: grant.audience, label: grant.audience }))]}
          />
          <TextField label="Scope" value={scope} onChange={setScope} className="mono-field" hint="Empty: every scope the app holds for the audience." />
          <button type="submit" className="primary" disabled={secret === ''}>
            Request a token
          </button>
        </form>
        {exchange ? <ExchangeView exchange={exchange} label="Token" /> : null}
      </Step>
      {tokens ? <AfterTokens discovery={discovery} tokens={tokens} onTokens={setTokens} secret={secret} setSecret={setSecret} first={2} /> : null}
    </>
  );
}
