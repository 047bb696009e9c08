import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';

describe('health, request ids and error bodies', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ inProcess: true });
  });
  after(() => server.stop());

  test('/healthz says the process is alive', async () => {
    const response = await server.fetch(`${server.issuer}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('/readyz is 200 when the database answers and the keys are loaded', async () => {
    const response = await server.fetch(`${server.issuer}/readyz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ready', checks: { database: 'ok', keys: 'ok' } });
  });

  test('a valid incoming x-request-id is echoed; otherwise one is generated', async () => {
    const echoed = await server.fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'trace-abc.123' } });
    assert.equal(echoed.headers.get('x-request-id'), 'trace-abc.123');
    const generated = await server.fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'bad id with spaces<script>' } });
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('each request is logged once, as JSON, with its request id', async () => {
    // The line is written by an onResponse hook, on the response's 'finish', before inject resolves.
    await server.fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'log-line-probe' } });
    const lines = server.logs.entries().filter((entry) => entry.reqId === 'log-line-probe');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.url, '/healthz');
    assert.equal(lines[0]?.statusCode, 200);
  });

  test('/metrics serves Prometheus metrics: requests by route, and domain events', async () => {
    await server.fetch(`${server.issuer}/.well-known/openid-configuration`);
    await server.fetch(`${server.issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=nope',
    });
    server.server.runtime.events.publish({ type: 'token.issued', orgId: 'org_probe', clientId: 'probe', grantType: 'client_credentials' });
    const response = await server.fetch(`${server.issuer}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /latchkey_http_request_duration_seconds_count\{method="GET",route="\/.well-known\/openid-configuration",status="200"\} \d+/);
    assert.match(text, /latchkey_http_request_duration_seconds_count\{method="POST",route="\/oauth2\/token",status="400"\} 1/);
    assert.match(text, /latchkey_events_total\{type="token.issued"\} 1/);
    assert.match(text, /latchkey_process_resident_memory_bytes/);
  });

  test('an unknown path is a JSON 404', async () => {
    const response = await server.fetch(`${server.issuer}/nope`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'not_found', error_description: 'no route for GET /nope' });
  });
});

describe('readiness when the database is gone', () => {
  test('/readyz answers 503 and names the failing check', async () => {
    const server = await startTestServer({ inProcess: true });
    try {
      await server.server.runtime.database.close();
      const response = await server.fetch(`${server.issuer}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: 'not ready', checks: { database: 'unreachable', keys: 'ok' } });
    } finally {
      await server.server.app.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('stop() lets an in-flight request finish, then refuses new connections', async () => {
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startTestServer({
      configureApp: (app) => {
        app.get('/slow', async () => {
          release();
          // Answers only once stop() has closed the listener: the response must still get out.
          while (app.server.listening) await new Promise((resolve) => setImmediate(resolve));
          return { finished: true };
        });
      },
    });
    const inFlight = fetch(`${server.issuer}/slow`);
    await started;
    const stopping = server.stop();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { finished: true });
    await stopping;
    await assert.rejects(fetch(`${server.issuer}/healthz`), /fetch failed/);
  });
});
