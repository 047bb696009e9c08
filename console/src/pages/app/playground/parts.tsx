/** The display pieces every flow of the playground shares: steps, requests and responses, decoded tokens. */
import { useId, useState, type ReactNode } from 'react';
import { JsonBlock, Select, TextField } from '../../../components/ui';
import { get } from '../../../lib/api';
import { useLoad } from '../../../lib/hooks';
import { decodeJwt, describeClaim } from '../../../lib/jwt';
import { useOrg } from '../../../lib/org';
import type { Api, Page } from '../../../lib/types';
import { useApp } from '../context';
import type { Discovery, HttpExchange, TokenSet } from './http';

/** What each flow gets from the playground, and how it hands on the tokens it obtained (token exchange can use them). */
export interface FlowProps {
  discovery: Discovery;
  onTokens: (tokens: TokenSet, flow: string) => void;
}

export function Step({ number, title, children, explain }: { number: number; title: string; children: ReactNode; explain?: ReactNode }) {
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

export function ExchangeView({ exchange, label }: { exchange: HttpExchange; label: string }) {
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

/** The chain of actors an `act` claim names, the current actor first (RFC 8693 §4.1). */
function actorChain(act: unknown): string[] {
  const chain: string[] = [];
  let current = act as { sub?: unknown; act?: unknown } | undefined;
  while (current && typeof current === 'object' && chain.length < 10) {
    chain.push(typeof current.sub === 'string' ? current.sub : '?');
    current = current.act as typeof current;
  }
  return chain;
}

/** A JWT decoded for reading (or word that it is opaque); `hint` replaces the note on verification. */
export function DecodedToken({ name, token, hint }: { name: string; token: string; hint?: ReactNode }) {
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
        {hint ?? (
          <>
            Decoded, not verified: base64url of the header and payload. An API must verify the signature with the server&apos;s JWKS (
            {String(decoded.header.alg)}, key {typeof decoded.header.kid === 'string' ? decoded.header.kid : '?'}).
          </>
        )}
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
        {decoded.payload.act !== undefined ? (
          <div>
            <dt className="mono">act</dt>
            <dd data-testid="act-claim">
              actor (RFC 8693 §4.1): <span className="mono">{actorChain(decoded.payload.act)[0]}</span> acts for the subject{' '}
              <span className="mono">{String(decoded.payload.sub)}</span>
              {actorChain(decoded.payload.act).length > 1 ? (
                <>
                  ; before it, in earlier exchanges: <span className="mono">{actorChain(decoded.payload.act).slice(1).join(', ')}</span>
                </>
              ) : null}
              . A delegation: an API sees both whose token it is and who is calling.
            </dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}

export function TokenDetails({ tokens }: { tokens: TokenSet }) {
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

export function useOrgApis() {
  const org = useOrg();
  return useLoad(() => get<Page<Api>>(`/orgs/${encodeURIComponent(org.slug)}/apis?perPage=100`), [org.slug]);
}

export function SecretInput({ value, onChange, hint }: { value: string; onChange: (value: string) => void; hint?: string }) {
  return (
    <TextField
      label="Client secret"
      type="password"
      autoComplete="off"
      value={value}
      onChange={onChange}
      hint={hint ?? 'Needed for this confidential app. The playground sends it to the token endpoint in the Authorization header and never stores it.'}
    />
  );
}

/**
 * A flow's tokens, reported to the playground whenever they change (a refresh included), so that
 * the token exchange flow can offer them as its subject token.
 */
export function useFlowTokens(onTokens: FlowProps['onTokens'], flow: string): [TokenSet | null, (tokens: TokenSet | null) => void] {
  const [tokens, setTokens] = useState<TokenSet | null>(null);
  const set = (next: TokenSet | null) => {
    setTokens(next);
    if (next) onTokens(next, flow);
  };
  return [tokens, set];
}

/** The API a token is for (audience; RFC 8707 calls it resource), chosen among the organization's APIs. */
export function AudienceSelect({
  value,
  onChange,
  apis,
  disabled,
  label = 'Audience',
  noneLabel,
}: {
  value: string;
  onChange: (value: string) => void;
  apis: readonly Api[];
  disabled?: boolean;
  label?: string;
  /** What choosing none means; by default, the app's default audience if it has one. */
  noneLabel?: string;
}) {
  const { app } = useApp();
  return (
    <Select
      label={label}
      value={value}
      onChange={onChange}
      disabled={disabled ?? false}
      options={[
        { value: '', label: noneLabel ?? (app.defaultAudience ? `None (the app's default: ${app.defaultAudience})` : 'None') },
        ...apis.map((item) => ({ value: item.identifier, label: `${item.name} (${item.identifier})` })),
      ]}
    />
  );
}
