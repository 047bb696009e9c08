import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../support/server.js';

/** Small limits, so that the test is quick; the defaults are checked separately. */
const headersTimeoutSeconds = 6;
const requestTimeoutSeconds = 8;
const keepAliveTimeoutSeconds = 2;
/** The attacker sends one byte this often: more often than the headers limit, so only an absolute limit stops it. */
const trickleMs = 5000;
/** However loaded the machine, a connection the server cuts off is closed within this much of its limit. */
const graceMs = 15_000;

interface SlowConnection {
  socket: Socket;
  openedAt: number;
  closedAt?: number;
  received: string;
}

/** How many connections this process may hold: each takes a descriptor here and one in the server. */
function connectionBudget(wanted: number): number {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  return Number.isFinite(limit) ? Math.max(50, Math.min(wanted, Math.floor((limit - 512) / 2))) : wanted;
}

function open(port: number, first: string): Promise<SlowConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const connection: SlowConnection = { socket, openedAt: 0, received: '' };
    socket.on('data', (chunk: Buffer) => (connection.received += chunk.toString('latin1')));
    socket.on('close', () => (connection.closedAt = Date.now()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      connection.openedAt = Date.now();
      socket.write(first);
      resolve(connection);
    });
    socket.once('error', reject);
  });
}

async function waitUntilClosed(connections: SlowConnection[], deadline: number): Promise<void> {
  while (Date.now() < deadline && connections.some((connection) => connection.closedAt === undefined)) await sleep(200);
}

describe('slow clients are cut off: request, header and keep-alive timeouts are always set', () => {
  let server: TestServer;
  let port: number;

  before(async () => {
    server = await startTestServer({
      logLevel: 'warn',
      env: {
        LATCHKEY_HTTP_HEADERS_TIMEOUT_SECONDS: String(headersTimeoutSeconds),
        LATCHKEY_HTTP_REQUEST_TIMEOUT_SECONDS: String(requestTimeoutSeconds),
        LATCHKEY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: String(keepAliveTimeoutSeconds),
      },
    });
    port = server.config.listen.port;
  });
  after(() => server?.stop());

  test('a server started with the defaults has all three limits set', async () => {
    const defaults = await startTestServer({ logLevel: 'warn' });
    try {
      const http = defaults.server.app.server;
      assert.equal(http.requestTimeout, 30_000);
      assert.equal(http.headersTimeout, 10_000);
      assert.equal(http.keepAliveTimeout, 5_000);
    } finally {
      await defaults.stop();
    }
  });

  test('2,000 slowloris connections (headers never finished) are closed at the headers limit, and normal requests still succeed', async () => {
    const count = connectionBudget(2000);
    const request = 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ' + 'a'.repeat(64);
    const attack: SlowConnection[] = [];
    const others: SlowConnection[] = [];
    let trickle: NodeJS.Timeout | undefined;
    let bodyTrickle: NodeJS.Timeout | undefined;
    try {
      for (let opened = 0; opened < count; opened += 250) {
        attack.push(...(await Promise.all(Array.from({ length: Math.min(250, count - opened) }, () => open(port, request[0]!)))));
      }
      let sent = 1;
      trickle = setInterval(() => {
        for (const connection of attack) if (connection.closedAt === undefined) connection.socket.write(request[sent % request.length]!);
        sent += 1;
      }, trickleMs);

      // A request whose headers arrive but whose body trickles, and an idle keep-alive connection.
      const slowBody = await open(
        port,
        'POST /oauth2/token HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\ng',
      );
      bodyTrickle = setInterval(() => slowBody.closedAt === undefined && slowBody.socket.write('g'), 1000);
      const idle = await open(port, 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      others.push(slowBody, idle);

      const normal: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await fetch(`${server.issuer}/healthz`);
        normal.push(response.status);
        await response.arrayBuffer();
        await sleep(800);
      }
      assert.deepEqual(normal, [200, 200, 200, 200, 200], 'normal requests during the attack succeed');

      await waitUntilClosed([...attack, ...others], Date.now() + requestTimeoutSeconds * 1000 + graceMs);
      const stillOpen = attack.filter((connection) => connection.closedAt === undefined);
      assert.equal(stillOpen.length, 0, `${stillOpen.length} of ${count} slowloris connections were still open`);
      for (const connection of attack) {
        assert.ok(connection.closedAt! - connection.openedAt >= headersTimeoutSeconds * 1000 - 500, 'not closed before the limit');
        assert.ok(connection.closedAt! - connection.openedAt < headersTimeoutSeconds * 1000 + graceMs, 'closed at the limit');
      }
      const timedOut = attack.filter((connection) => connection.received.startsWith('HTTP/1.1 408')).length;
      assert.ok(timedOut > count * 0.9, `most were told 408 Request Timeout before the close (${timedOut} of ${count})`);

      assert.notEqual(slowBody.closedAt, undefined, 'a body trickled byte by byte is cut off at the request limit');
      assert.ok(slowBody.closedAt! - slowBody.openedAt >= requestTimeoutSeconds * 1000 - 500, 'the body had its whole request limit');
      assert.match(slowBody.received, /^HTTP\/1\.1 408/);

      assert.match(idle.received, /^HTTP\/1\.1 200/);
      assert.notEqual(idle.closedAt, undefined, 'an idle keep-alive connection is closed');
      assert.ok(idle.closedAt! - idle.openedAt >= keepAliveTimeoutSeconds * 1000 - 500, 'after the keep-alive limit');
    } finally {
      clearInterval(trickle);
      clearInterval(bodyTrickle);
      for (const connection of [...attack, ...others]) connection.socket.destroy();
    }
  });

  test('being cut off is not an error in the server log', () => {
    const errors = server.logs.lines.filter((line) => line.includes('"level":50') || line.includes('"stack"'));
    assert.deepEqual(errors, []);
  });
});
