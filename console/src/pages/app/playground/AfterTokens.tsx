/** What a flow does with its tokens: read them, call an API with the access token, refresh them. */
import { useState } from 'react';
import { TextField } from '../../../components/ui';
import { pluralize } from '../../../lib/format';
import { useApp } from '../context';
import { authenticated, postForm, shortened, type Discovery, type HttpExchange, type TokenSet } from './http';
import { ExchangeView, SecretInput, Step, TokenDetails } from './parts';

export function AfterTokens({
  discovery,
  tokens,
  onTokens,
  secret,
  setSecret,
  first,
  noRefresh,
}: {
  discovery: Discovery;
  tokens: TokenSet;
  onTokens: (tokens: TokenSet) => void;
  secret: string;
  setSecret: (secret: string) => void;
  first: number;
  /** Why this grant never issues a refresh token, for grants that don't. */
  noRefresh?: string;
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
    const { form: body, headers, display } = authenticated(app, secret, form);
    const exchange = await postForm(discovery.token_endpoint, body, headers, { ...display, refresh_token: shortened(tokens.refresh_token) });
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
          {noRefresh ? (
            <p className="hint">{noRefresh}</p>
          ) : (
            <p className="hint">
              No refresh token was issued. Ask for <span className="mono">offline_access</span> (the app needs the refresh token grant on the Tokens tab, and
              every API named must allow offline access).
            </p>
          )}
        </Step>
      )}
    </>
  );
}
