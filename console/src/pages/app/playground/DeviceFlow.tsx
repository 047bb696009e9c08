/**
 * The device authorization flow (RFC 8628): the playground plays the device. It asks for a device
 * code and a user code, shows where the user goes to enter it, and polls the token endpoint at the
 * interval the server gave until the user decides.
 */
import { useEffect, useRef, useState } from 'react';
import { Notice, TextField } from '../../../components/ui';
import { grantTypeNames } from '../../../lib/app-rules';
import { pluralize } from '../../../lib/format';
import { useApp } from '../context';
import { AfterTokens } from './AfterTokens';
import { authenticated, oauthErrorOf, postForm, shortened, usesSecret, type HttpExchange, type TokenSet } from './http';
import { AudienceSelect, ExchangeView, SecretInput, Step, useFlowTokens, useOrgApis, type FlowProps } from './parts';

/** The device authorization response (RFC 8628 §3.2). */
interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

interface Poll {
  at: number;
  outcome: string;
}

type Polling = { state: 'idle' } | { state: 'polling'; intervalSeconds: number } | { state: 'done' } | { state: 'stopped'; reason: string };

/** RFC 8628 §3.5: with no interval in the response, the client waits 5 seconds between polls. */
const defaultIntervalSeconds = 5;
/** RFC 8628 §3.5: slow_down adds 5 seconds to the interval, for this and every later poll. */
const slowDownSeconds = 5;

function isDeviceAuthorization(body: unknown): body is DeviceAuthorization {
  const value = body as Partial<DeviceAuthorization> | null;
  return typeof value?.device_code === 'string' && typeof value.user_code === 'string' && typeof value.verification_uri === 'string';
}

export function DeviceFlow({ discovery, onTokens }: FlowProps) {
  const { app } = useApp();
  const apis = useOrgApis();
  const [scope, setScope] = useState(app.scopes.join(' '));
  const [audience, setAudience] = useState(app.defaultAudience ?? '');
  const [secret, setSecret] = useState('');
  const [request, setRequest] = useState<HttpExchange | null>(null);
  const [device, setDevice] = useState<(DeviceAuthorization & { receivedAt: number }) | null>(null);
  const [polls, setPolls] = useState<Poll[]>([]);
  const [lastPoll, setLastPoll] = useState<HttpExchange | null>(null);
  const [polling, setPolling] = useState<Polling>({ state: 'idle' });
  const [tokens, setTokens] = useFlowTokens(onTokens, 'device authorization');
  const timer = useRef<number | undefined>(undefined);
  const inFlight = useRef<AbortController | null>(null);
  const needsSecret = app.clientType === 'confidential';
  const endpoint = discovery.device_authorization_endpoint!;

  const stop = () => {
    window.clearTimeout(timer.current);
    timer.current = undefined;
    inFlight.current?.abort();
    inFlight.current = null;
  };
  // A device that is gone stops polling: leaving the tab or the flow ends it.
  useEffect(() => stop, []);

  const record = (outcome: string) => setPolls((previous) => [...previous.slice(-19), { at: Date.now(), outcome }]);

  const schedule = (deviceCode: string, intervalSeconds: number) => {
    setPolling({ state: 'polling', intervalSeconds });
    timer.current = window.setTimeout(() => void poll(deviceCode, intervalSeconds), intervalSeconds * 1000);
  };

  const poll = async (deviceCode: string, intervalSeconds: number) => {
    const controller = new AbortController();
    inFlight.current = controller;
    const { form, headers, display } = authenticated(app, secret, { grant_type: grantTypeNames.deviceCode, device_code: deviceCode });
    const exchange = await postForm(discovery.token_endpoint, form, headers, { ...display, device_code: shortened(deviceCode) }, controller.signal);
    if (controller.signal.aborted) return;
    inFlight.current = null;
    setLastPoll(exchange);
    if (exchange.status === 200) {
      record('tokens issued');
      setPolling({ state: 'done' });
      setTokens(exchange.body as TokenSet);
      return;
    }
    const error = oauthErrorOf(exchange);
    switch (error?.error) {
      case 'authorization_pending':
        record(`authorization_pending: polling again in ${intervalSeconds} s`);
        schedule(deviceCode, intervalSeconds);
        return;
      case 'slow_down':
        record(`slow_down: polling again in ${intervalSeconds + slowDownSeconds} s`);
        schedule(deviceCode, intervalSeconds + slowDownSeconds);
        return;
      case 'expired_token':
        record('expired_token');
        setPolling({ state: 'stopped', reason: 'The device code expired before the user decided. Start again for a new code.' });
        return;
      case 'access_denied':
        record('access_denied');
        setPolling({ state: 'stopped', reason: 'The user denied the request: the device gets no tokens.' });
        return;
      default:
        record(error?.error ?? (exchange.error ? 'no answer' : `HTTP ${exchange.status}`));
        setPolling({
          state: 'stopped',
          reason: error
            ? `The token endpoint refused the device code (${error.error}); a device stops polling on any error but authorization_pending and slow_down.`
            : `The poll failed: ${exchange.error ?? `HTTP ${exchange.status}`}.`,
        });
    }
  };

  const begin = async () => {
    stop();
    setDevice(null);
    setPolls([]);
    setLastPoll(null);
    setTokens(null);
    setPolling({ state: 'idle' });
    const form: Record<string, string> = {};
    if (scope.trim()) form.scope = scope.trim().replace(/\s+/g, ' ');
    if (audience) form.audience = audience;
    const { form: body, headers, display } = authenticated(app, secret, form);
    const exchange = await postForm(endpoint, body, headers, display);
    setRequest(exchange);
    if (exchange.status !== 200 || !isDeviceAuthorization(exchange.body)) return;
    const answer = exchange.body;
    setDevice({ ...answer, receivedAt: Date.now() });
    schedule(answer.device_code, answer.interval ?? defaultIntervalSeconds);
  };

  const halt = () => {
    stop();
    setPolling({ state: 'stopped', reason: 'You stopped polling. The user code still works until it expires, but nothing collects the tokens.' });
  };

  const apiList = apis.data?.items ?? [];
  const running = polling.state === 'polling';

  return (
    <>
      <Step
        number={1}
        title="Ask for a device code"
        explain={
          <p>
            The device (a TV, a command-line tool: here, this playground) POSTs to the device authorization endpoint{' '}
            <span className="mono break">{endpoint}</span> (RFC 8628 §3.1) with the scope and the API it wants. It gets a{' '}
            <span className="mono">device_code</span> it keeps to itself and a short <span className="mono">user_code</span> for the user to enter on another
            screen.
            {needsSecret ? ' This app is confidential, so it authenticates as it does at the token endpoint.' : ' A public app names itself with client_id.'}
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void begin();
          }}
        >
          <TextField
            label="Scope"
            value={scope}
            onChange={setScope}
            className="mono-field"
            disabled={running}
            hint="Space-separated. Empty: the app's scopes."
          />
          <AudienceSelect value={audience} onChange={setAudience} apis={apiList} disabled={running} />
          {needsSecret ? <SecretInput value={secret} onChange={setSecret} /> : null}
          {needsSecret && !usesSecret(app) ? (
            <Notice kind="warning" title="This app authenticates with private_key_jwt.">
              The playground authenticates with a client secret only; run this flow from the app itself.
            </Notice>
          ) : null}
          <button type="submit" className="primary" disabled={running || (needsSecret && secret === '')}>
            {device ? 'Start again with a new code' : 'Request a device code'}
          </button>
        </form>
        {request ? <ExchangeView exchange={request} label="Device authorization" /> : null}
      </Step>

      {device ? (
        <Step
          number={2}
          title="The user enters the code"
          explain={
            <p>
              The device shows the code and where to enter it (RFC 8628 §3.3). The user opens the page on a phone or computer, signs in, checks that the code
              matches and allows the app. <span className="mono">verification_uri_complete</span> carries the code, so the page opens with it filled in: a
              device can show it as a QR code.
            </p>
          }
        >
          <dl className="facts mono-values">
            <dt>user_code</dt>
            <dd className="mono" data-testid="user-code">
              {device.user_code}
            </dd>
            <dt>verification_uri</dt>
            <dd className="mono break">
              <a href={device.verification_uri} target="_blank" rel="noopener noreferrer">
                {device.verification_uri}
              </a>
            </dd>
            {device.verification_uri_complete ? (
              <>
                <dt>verification_uri_complete</dt>
                <dd className="mono break">
                  <a href={device.verification_uri_complete} target="_blank" rel="noopener noreferrer" data-testid="verification-uri-complete">
                    {device.verification_uri_complete}
                  </a>{' '}
                  <span className="hint">(opens in a new tab)</span>
                </dd>
              </>
            ) : null}
            <dt>expires</dt>
            <dd>
              in {pluralize(device.expires_in, 'second')} (at {new Date(device.receivedAt + device.expires_in * 1000).toLocaleTimeString()})
            </dd>
          </dl>
        </Step>
      ) : null}

      {device ? (
        <Step
          number={3}
          title="Poll the token endpoint"
          explain={
            <p>
              Meanwhile the device asks the token endpoint for tokens with <span className="mono">grant_type={grantTypeNames.deviceCode}</span> and the{' '}
              <span className="mono">device_code</span>, no more often than the interval (RFC 8628 §3.4). Until the user decides the answer is{' '}
              <span className="mono">authorization_pending</span>; <span className="mono">slow_down</span> means wait 5 seconds longer from now on;{' '}
              <span className="mono">access_denied</span> and <span className="mono">expired_token</span> end it (§3.5).
            </p>
          }
        >
          <p role="status" data-testid="polling-state">
            {polling.state === 'polling'
              ? `Polling every ${pluralize(polling.intervalSeconds, 'second')}…`
              : polling.state === 'done'
                ? 'The user allowed it: tokens issued.'
                : polling.state === 'stopped'
                  ? 'Polling stopped.'
                  : ''}
          </p>
          {polling.state === 'stopped' ? (
            <Notice kind="warning" title="No tokens">
              {polling.reason}
            </Notice>
          ) : null}
          {running ? (
            <div className="button-row">
              <button type="button" onClick={halt}>
                Stop polling
              </button>
            </div>
          ) : null}
          {polls.length > 0 ? (
            <ol aria-label="Polls">
              {polls.map((entry, index) => (
                <li key={`${entry.at}-${index}`}>
                  <span className="mono">{new Date(entry.at).toLocaleTimeString()}</span> {entry.outcome}
                </li>
              ))}
            </ol>
          ) : null}
          {lastPoll ? <ExchangeView exchange={lastPoll} label="Token" /> : null}
        </Step>
      ) : null}

      {tokens ? <AfterTokens discovery={discovery} tokens={tokens} onTokens={setTokens} secret={secret} setSecret={setSecret} first={4} /> : null}
    </>
  );
}
