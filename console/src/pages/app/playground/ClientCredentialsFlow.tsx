/** The client credentials flow (RFC 6749 §4.4): the app alone, with its secret, for one of its audience + scope pairs. */
import { useState } from 'react';
import { Select, TextField } from '../../../components/ui';
import { useApp } from '../context';
import { AfterTokens } from './AfterTokens';
import { authenticated, postForm, type HttpExchange, type TokenSet } from './http';
import { ExchangeView, SecretInput, Step, useFlowTokens, type FlowProps } from './parts';

export function ClientCredentialsFlow({ discovery, onTokens }: FlowProps) {
  const { app } = useApp();
  const [secret, setSecret] = useState('');
  const [audience, setAudience] = useState(app.apiGrants[0]?.audience ?? '');
  const [scope, setScope] = useState(app.apiGrants[0]?.scopes.join(' ') ?? '');
  const [exchange, setExchange] = useState<HttpExchange | null>(null);
  const [tokens, setTokens] = useFlowTokens(onTokens, 'client credentials');

  const request = async () => {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (audience) form.audience = audience;
    if (scope.trim()) form.scope = scope.trim().replace(/\s+/g, ' ');
    const { form: body, headers, display } = authenticated(app, secret, form);
    const result = await postForm(discovery.token_endpoint, body, headers, display);
    setExchange(result);
    const issued = result.status === 200 ? (result.body as TokenSet) : null;
    setTokens(issued);
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
      {tokens ? (
        <AfterTokens
          discovery={discovery}
          tokens={tokens}
          onTokens={setTokens}
          secret={secret}
          setSecret={setSecret}
          first={2}
          noRefresh="Client credentials issue no refresh token (RFC 6749 §4.4.3): the app asks again with its secret."
        />
      ) : null}
    </>
  );
}
