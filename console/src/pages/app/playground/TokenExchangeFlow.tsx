/**
 * Token exchange (RFC 8693): the app trades a token it holds, the subject token, for an access
 * token aimed at another API, and the new token says who acts for the subject (`act`, §4.1).
 * The rules Latchkey applies are in docs/token-exchange.md.
 */
import { useState } from 'react';
import { Notice, Select, TextField } from '../../../components/ui';
import { grantTypeNames } from '../../../lib/app-rules';
import { useApp } from '../context';
import { authenticated, postForm, shortened, usesSecret, type HttpExchange, type TokenSet } from './http';
import { AudienceSelect, DecodedToken, ExchangeView, SecretInput, Step, useFlowTokens, useOrgApis, type FlowProps } from './parts';

/** RFC 8693 §3: the token types Latchkey accepts as subject tokens. */
const tokenTypes = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;

const subjectTypeOptions = [
  { value: tokenTypes.accessToken, label: 'access_token: an access token of this server' },
  { value: tokenTypes.idToken, label: 'id_token: an ID token this server signed' },
  { value: tokenTypes.jwt, label: 'jwt: a JWT of an issuer the app trusts' },
];

export function TokenExchangeFlow({ discovery, onTokens, latest }: FlowProps & { latest: { tokens: TokenSet; flow: string } | null }) {
  const { app } = useApp();
  const apis = useOrgApis();
  const [subjectToken, setSubjectToken] = useState('');
  const [subjectTokenType, setSubjectTokenType] = useState<string>(tokenTypes.accessToken);
  const [audience, setAudience] = useState('');
  const [resource, setResource] = useState('');
  const [scope, setScope] = useState('');
  const [requestedTokenType, setRequestedTokenType] = useState('');
  const [secret, setSecret] = useState('');
  const [exchange, setExchange] = useState<HttpExchange | null>(null);
  const [issued, setIssued] = useFlowTokens(onTokens, 'token exchange');
  const apiList = apis.data?.items ?? [];
  const targetMissing = audience === '' && resource.trim() === '';

  const take = (token: string, type: string) => {
    setSubjectToken(token);
    setSubjectTokenType(type);
  };

  const request = async () => {
    const form: Record<string, string> = {
      grant_type: grantTypeNames.tokenExchange,
      subject_token: subjectToken.trim(),
      subject_token_type: subjectTokenType,
    };
    if (audience) form.audience = audience;
    if (resource.trim()) form.resource = resource.trim();
    if (scope.trim()) form.scope = scope.trim().replace(/\s+/g, ' ');
    if (requestedTokenType) form.requested_token_type = requestedTokenType;
    const { form: body, headers, display } = authenticated(app, secret, form);
    const result = await postForm(discovery.token_endpoint, body, headers, { ...display, subject_token: shortened(form.subject_token!, 16) });
    setExchange(result);
    const tokens = result.status === 200 ? (result.body as TokenSet) : null;
    setIssued(tokens);
  };

  const previousAccess = latest?.tokens.access_token;
  const previousId = latest?.tokens.id_token;

  return (
    <>
      <Step
        number={1}
        title="The subject token"
        explain={
          <p>
            The token the app holds for someone: an access token it received (say, an API passing on its caller&apos;s token), an ID token of this server, or a
            JWT of an issuer it trusts. The new token is for the same subject and never outlives this one.
          </p>
        }
      >
        {previousAccess || previousId ? (
          <div className="button-row">
            {previousAccess ? (
              <button type="button" onClick={() => take(previousAccess, tokenTypes.accessToken)}>
                Use the access token from the {latest.flow} flow
              </button>
            ) : null}
            {previousId ? (
              <button type="button" onClick={() => take(previousId, tokenTypes.idToken)}>
                Use the ID token from the {latest.flow} flow
              </button>
            ) : null}
          </div>
        ) : (
          <p className="hint">Run another flow on this page first to use its token here, or paste one.</p>
        )}
        <TextField label="Subject token" value={subjectToken} onChange={setSubjectToken} multiline className="mono-field" />
        <Select label="subject_token_type" value={subjectTokenType} onChange={setSubjectTokenType} options={subjectTypeOptions} />
      </Step>

      <Step
        number={2}
        title="Ask for a token for another API"
        explain={
          <p>
            The app authenticates (token exchange needs a confidential app, RFC 8693 §2.1) and names the target API with <span className="mono">audience</span>{' '}
            or <span className="mono">resource</span>. The scopes carry over only where the target API has them, the app may hold them there, and the subject
            holds them; an ID token or a trusted issuer&apos;s JWT holds none, so the user must have authorized the app for them.
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void request();
          }}
        >
          <AudienceSelect value={audience} onChange={setAudience} apis={apiList} noneLabel="None" />
          <TextField
            label="Resource"
            value={resource}
            onChange={setResource}
            type="url"
            className="mono-field"
            hint="The API's identifier as an RFC 8707 resource; use it or the audience."
          />
          <TextField label="Scope" value={scope} onChange={setScope} className="mono-field" hint="Empty: every scope that may carry over." />
          <Select
            label="requested_token_type"
            value={requestedTokenType}
            onChange={setRequestedTokenType}
            options={[
              { value: '', label: 'Not sent (an access token)' },
              { value: tokenTypes.accessToken, label: 'access_token' },
            ]}
          />
          {usesSecret(app) ? (
            <SecretInput value={secret} onChange={setSecret} />
          ) : (
            <Notice kind="warning" title="This app authenticates with private_key_jwt.">
              The playground authenticates with a client secret only; run the exchange from the app itself.
            </Notice>
          )}
          {targetMissing ? <p className="hint">Name the target API: an audience or a resource.</p> : null}
          <button type="submit" className="primary" disabled={subjectToken.trim() === '' || targetMissing || secret === ''}>
            Exchange the token
          </button>
        </form>
        {exchange ? <ExchangeView exchange={exchange} label="Token exchange" /> : null}
      </Step>

      {issued?.access_token ? (
        <Step
          number={3}
          title="The new token"
          explain={
            <p>
              <span className="mono">issued_token_type</span> says what came back ({issued.issued_token_type ?? 'not said'}); its{' '}
              <span className="mono">token_type</span> is {issued.token_type ?? '?'}. Unless the app impersonates (its Advanced tab), the token carries{' '}
              <span className="mono">act</span>: the party acting for the subject, the app itself when no actor token was sent.
            </p>
          }
        >
          <DecodedToken name="Exchanged token" token={issued.access_token} />
        </Step>
      ) : null}
    </>
  );
}
