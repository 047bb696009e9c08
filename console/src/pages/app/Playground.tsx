import { useEffect, useState } from 'react';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorSummary, JsonBlock, Loading, Notice, Select, TextField } from '../../components/ui';
import { api, consoleRoot } from '../../lib/api';
import { grantTypeNames } from '../../lib/app-rules';
import { useLoad } from '../../lib/hooks';
import { useOrg } from '../../lib/org';
import { newCodeVerifier, randomToken, s256Challenge } from '../../lib/pkce';
import { clearPending, loadPending, savePending, type PendingFlow } from '../../lib/playground-store';
import { useSession } from '../../lib/session';
import type { App } from '../../lib/types';
import { useApp } from './context';
import { AfterTokens } from './playground/AfterTokens';
import {
  AuthorizeOptions,
  authorizeOptionErrors,
  authorizeOptionParameters,
  explainParameter,
  noAuthorizeOptions,
  type AuthorizeOptionsValue,
} from './playground/AuthorizeOptions';
import { ClientCredentialsFlow } from './playground/ClientCredentialsFlow';
import { DeviceFlow } from './playground/DeviceFlow';
import { authenticated, postForm, type Discovery, type HttpExchange, type TokenSet } from './playground/http';
import { JwtBearerFlow } from './playground/JwtBearerFlow';
import { AudienceSelect, ExchangeView, SecretInput, Step, useFlowTokens, useOrgApis, type FlowProps } from './playground/parts';
import { TokenExchangeFlow } from './playground/TokenExchangeFlow';

type FlowId = 'code' | 'client_credentials' | 'device' | 'jwt_bearer' | 'token_exchange';

interface FlowChoice {
  id: FlowId;
  label: string;
  /** Whether this app may run it against this server. */
  available: boolean;
}

function flowChoices(app: App, discovery: Discovery): FlowChoice[] {
  const confidential = app.clientType === 'confidential';
  // The grants the server implements, as its discovery says (RFC 8414 §2).
  const served = (grant: string) => app.grantTypes.includes(grant) && (discovery.grant_types_supported?.includes(grant) ?? true);
  return [
    { id: 'code', label: 'Authorization code with PKCE (a user signs in)', available: served(grantTypeNames.authorizationCode) },
    { id: 'client_credentials', label: 'Client credentials (the app alone)', available: confidential && served(grantTypeNames.clientCredentials) },
    {
      id: 'device',
      label: 'Device authorization (a user approves on another screen, RFC 8628)',
      available: served(grantTypeNames.deviceCode) && discovery.device_authorization_endpoint !== undefined,
    },
    { id: 'jwt_bearer', label: 'JWT bearer (the app signs an assertion for a user, RFC 7523)', available: confidential && served(grantTypeNames.jwtBearer) },
    {
      id: 'token_exchange',
      label: 'Token exchange (trade a token for one for another API, RFC 8693)',
      available: confidential && served(grantTypeNames.tokenExchange),
    },
  ];
}

/** The flow playground: run a flow against this app and see each step explained. */
export function Playground() {
  const { session } = useSession();
  const discovery = useLoad(
    () => fetch(`${session.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`).then((response) => response.json() as Promise<Discovery>),
    [session.issuer],
  );
  if (discovery.error) return <ErrorSummary error={discovery.error} title="The server's discovery document could not be loaded" />;
  if (!discovery.data) return <Loading label="Loading the server's endpoints…" />;
  return <FlowChooser discovery={discovery.data} />;
}

function FlowChooser({ discovery }: { discovery: Discovery }) {
  const { app } = useApp();
  const choices = flowChoices(app, discovery).filter((choice) => choice.available);
  const [flow, setFlow] = useState<FlowId | undefined>(choices[0]?.id);
  // The tokens the last flow on this page obtained: token exchange offers its access token as the subject token.
  const [latest, setLatest] = useState<{ tokens: TokenSet; flow: string } | null>(null);

  if (flow === undefined) {
    return (
      <section className="card">
        <h2>Flow playground</h2>
        <p>
          The playground runs the authorization code flow with PKCE, client credentials, the device flow, JWT bearer and token exchange. This app uses{' '}
          {app.grantTypes.join(', ')}, none of which it can run here; enable a grant on the Advanced tab to try it.
        </p>
      </section>
    );
  }
  const props: FlowProps = { discovery, onTokens: (tokens, name) => setLatest({ tokens, flow: name }) };
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
        {choices.length > 1 ? (
          <Select
            label="Flow"
            value={flow}
            onChange={(value) => setFlow(choices.find((choice) => choice.id === value)?.id ?? flow)}
            options={choices.map((choice) => ({ value: choice.id, label: choice.label }))}
          />
        ) : null}
      </section>
      {flow === 'code' ? <CodeFlow {...props} /> : null}
      {flow === 'client_credentials' ? <ClientCredentialsFlow {...props} /> : null}
      {flow === 'device' ? <DeviceFlow {...props} /> : null}
      {flow === 'jwt_bearer' ? <JwtBearerFlow {...props} /> : null}
      {flow === 'token_exchange' ? <TokenExchangeFlow {...props} latest={latest} /> : null}
    </div>
  );
}

/** The rows of the authorization request table: each parameter, its value and what it does. */
const parameterColumns: Column<[string, string]>[] = [
  { header: 'Parameter', cell: ([name]) => name, className: 'mono' },
  { header: 'Value', cell: ([, value]) => value, className: 'mono break' },
  { header: 'What it does', cell: ([name, value]) => explainParameter(name, value), className: 'small-text' },
];

function CodeFlow({ discovery, onTokens }: FlowProps) {
  const { app, setApp, canEdit } = useApp();
  const org = useOrg();
  const apis = useOrgApis();
  const redirectUri = `${window.location.origin}${consoleRoot}/playground/callback`;
  const registered = app.redirectUris.includes(redirectUri);
  const [pending, setPending] = useState<PendingFlow | null>(() => loadPending(app.clientId));
  const [scope, setScope] = useState(() => pending?.request.scope ?? app.scopes.join(' '));
  const [audience, setAudience] = useState(() => pending?.request.audience ?? app.defaultAudience ?? '');
  const [options, setOptions] = useState<AuthorizeOptionsValue>(() =>
    pending
      ? {
          prompt: pending.request.prompt,
          maxAge: pending.request.maxAge ?? '',
          loginHint: pending.request.loginHint ?? '',
          organization: pending.request.organization ?? '',
          invitation: '',
        }
      : noAuthorizeOptions,
  );
  const optionsValid = Object.keys(authorizeOptionErrors(options)).length === 0;
  const [pkce, setPkce] = useState<{ verifier: string; challenge: string } | null>(() =>
    pending ? { verifier: pending.request.verifier, challenge: pending.request.challenge } : null,
  );
  const [secret, setSecret] = useState('');
  const [tokenExchange, setTokenExchange] = useState<HttpExchange | null>(null);
  const [tokens, setTokens] = useFlowTokens(onTokens, 'authorization code');
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
    Object.assign(parameters, authorizeOptionParameters(options));
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    return url;
  })();

  const start = () => {
    if (!pkce || !authorizeUrl || !optionsValid) return;
    const request = {
      clientId: app.clientId,
      org: org.slug,
      redirectUri,
      scope: scope.trim().replace(/\s+/g, ' '),
      audience,
      prompt: options.prompt,
      maxAge: options.maxAge,
      loginHint: options.loginHint.trim(),
      organization: options.organization.trim(),
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
    const { form: body, headers, display } = authenticated(app, secret, form);
    const exchange = await postForm(discovery.token_endpoint, body, headers, display);
    setTokenExchange(exchange);
    if (exchange.status === 200) {
      setTokens(exchange.body as TokenSet);
    }
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
        <AudienceSelect value={audience} onChange={setAudience} apis={apiList} />
        <AuthorizeOptions discovery={discovery} value={options} onChange={setOptions} disabled={Boolean(pending)} />
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
            <DataTable
              caption="Authorization request parameters"
              className="params"
              columns={parameterColumns}
              rows={[...new URL(pending?.request.authorizeUrl ?? authorizeUrl.toString()).searchParams]}
              rowKey={([name]) => name}
            />
            {!response ? (
              <button type="button" className="primary" onClick={start} disabled={!registered || !optionsValid}>
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
