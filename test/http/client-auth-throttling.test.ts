import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { configSchema } from '../../src/config/schema.js';
import { balancer } from '../support/balancer.js';
import { postForm, type TokenCall } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { redisSkipReason, redisTestUrl, testRedisPrefix, type TestRedisPrefix } from '../support/redis.js';
import { listenOnFreePort, startTestServer, type TestServer } from '../support/server.js';

const { freeFailuresPerClient: freePerClient, freeFailuresPerAddress: freePerAddress } = configSchema.parse({}).clientAuthentication;
const trustProxy = { LATCHKEY_HTTP_TRUST_PROXY: 'true' };

/** A clock the test moves: waits are exact, and a slow run earns nobody an attempt. */
function steppingClock() {
  let at = Date.UTC(2026, 5, 1, 12);
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

function clientCredentials(issuer: string, credentials: [string, string], ip: string): Promise<TokenCall> {
  return postForm(`${issuer}/oauth2/token`, { grant_type: 'client_credentials' }, { basic: credentials, headers: { 'x-forwarded-for': ip } });
}

function assertThrottled(call: TokenCall, context: string): void {
  assert.equal(call.status, 429, context);
  assert.match(call.headers.get('retry-after') ?? '', /^[1-9]\d*$/, `${context}: Retry-After in seconds`);
  assert.equal(call.body.error, 'invalid_client', context);
  assert.match(String(call.body.error_description), /too many failed client authentications/, context);
}

describe('failed client authentication is throttled per app and per address', () => {
  const clock = steppingClock();
  let fixture: OAuthFixture;
  let machine: { clientId: string; clientSecret: string };

  const createMachine = async (name: string) => {
    const created = await fixture.createApp({ name, type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    return { clientId: created.clientId, clientSecret: created.clientSecret! };
  };

  before(async () => {
    fixture = await oauthFixture({ env: trustProxy, clock });
    machine = await createMachine('Reporter');
  });
  after(() => fixture?.stop());

  test('40 wrong secrets in a row: the free failures get 401, the rest 429 with Retry-After, and then even the right secret waits', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 40; index += 1) {
      // Each from another address, so that only the app's own budget is at work.
      const call = await clientCredentials(fixture.issuer, [machine.clientId, `lk_cs_wrong-${index}`], `203.0.113.${index + 1}`);
      statuses.push(call.status);
      if (call.status === 429) assertThrottled(call, `attempt ${index + 1}`);
      else assert.equal(call.body.error, 'invalid_client');
    }
    assert.deepEqual(statuses, [...Array<number>(freePerClient).fill(401), ...Array<number>(40 - freePerClient).fill(429)]);

    const right = await clientCredentials(fixture.issuer, [machine.clientId, machine.clientSecret], '203.0.113.200');
    assertThrottled(right, 'the right secret while the app waits');

    clock.advance(Number(right.headers.get('retry-after')) * 1000);
    const after = await clientCredentials(fixture.issuer, [machine.clientId, machine.clientSecret], '203.0.113.200');
    assert.equal(after.status, 200, 'after the wait the right secret works');
    assert.ok(after.body.access_token);
  });

  test('another app is not slowed by an app under attack', async () => {
    const other = await createMachine('Unrelated');
    for (let index = 0; index < freePerClient + 3; index += 1) {
      await clientCredentials(fixture.issuer, [machine.clientId, 'lk_cs_wrong'], `198.51.100.${index + 1}`);
    }
    const call = await clientCredentials(fixture.issuer, [other.clientId, other.clientSecret], '198.51.100.250');
    assert.equal(call.status, 200);
  });

  test('one address guessing over many client ids: its free failures, then 429 for it alone', async () => {
    const address = '192.0.2.77';
    const statuses: number[] = [];
    for (let index = 0; index < freePerAddress + 5; index += 1) {
      statuses.push((await clientCredentials(fixture.issuer, [`made-up-client-${index}`, 'lk_cs_wrong'], address)).status);
    }
    assert.deepEqual(statuses, [...Array<number>(freePerAddress).fill(401), ...Array<number>(5).fill(429)]);
    const fresh = await createMachine('Fresh');
    assertThrottled(await clientCredentials(fixture.issuer, [fresh.clientId, fresh.clientSecret], address), 'the address waits, whatever it sends');
    assert.equal((await clientCredentials(fixture.issuer, [fresh.clientId, fresh.clientSecret], '192.0.2.78')).status, 200, 'another address does not');
  });

  test('introspection and revocation count failures into the same budget', async () => {
    const target = await createMachine('Introspected');
    const address = '192.0.2.90';
    const endpoints = ['introspect', 'revoke'];
    const statuses: number[] = [];
    for (let index = 0; index < freePerClient + 2; index += 1) {
      const endpoint = endpoints[index % 2]!;
      const call = await postForm(
        `${fixture.issuer}/oauth2/${endpoint}`,
        { token: 'lk_at_whatever' },
        { basic: [target.clientId, 'lk_cs_wrong'], headers: { 'x-forwarded-for': `${address.slice(0, -2)}${index}` } },
      );
      statuses.push(call.status);
    }
    assert.deepEqual(statuses, [...Array<number>(freePerClient).fill(401), 429, 429]);
  });

  test('openid-client sees the 429 as an OAuth error with the server’s description', async () => {
    const victim = await createMachine('Victim');
    for (let index = 0; index < freePerClient + 1; index += 1) {
      await clientCredentials(fixture.issuer, [victim.clientId, 'lk_cs_wrong'], `100.64.0.${index + 1}`);
    }
    const configuration = await client.discovery(new URL(fixture.issuer), victim.clientId, victim.clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    await assert.rejects(client.clientCredentialsGrant(configuration, { scope: 'read:contacts' }), (error: unknown) => {
      assert.ok(error instanceof client.ResponseBodyError);
      assert.equal(error.status, 429);
      assert.equal(error.error, 'invalid_client');
      assert.match(error.error_description ?? '', /too many failed client authentications/);
      return true;
    });
  });
});

if (postgresSkipReason || redisSkipReason) console.log(`# ${postgresSkipReason || redisSkipReason}`);

describe('two nodes with one Redis share one budget of failed client authentication', { skip: postgresSkipReason || redisSkipReason }, () => {
  let database: TestDatabase;
  let redisKeys: TestRedisPrefix;
  let nodes: TestServer[];
  let proxy: ReturnType<typeof balancer>;
  let issuer: string;
  let machine: { clientId: string; clientSecret: string };
  const clock = steppingClock();

  before(async () => {
    database = await createTestDatabase();
    redisKeys = testRedisPrefix();
    proxy = balancer();
    issuer = `http://127.0.0.1:${await listenOnFreePort(proxy.server)}`;
    const env = {
      ...trustProxy,
      LATCHKEY_ISSUER: issuer,
      LATCHKEY_SECRET: 'client-auth-budget-secret-client-auth-budget-01',
      LATCHKEY_REDIS_URL: redisTestUrl!,
      LATCHKEY_REDIS_KEY_PREFIX: redisKeys.prefix,
    };
    const node = () => startTestServer({ databaseUrl: database.url, env, logLevel: 'warn', clock });
    nodes = [await node(), await node()];
    proxy.upstreams.push(...nodes.map((node) => node.config.listen.port));
    const registry = nodes[0]!.server.runtime.registry;
    const context = { actor: operatorActor };
    const org = await registry.orgs.get(context, 'default');
    await registry.apis.create(context, org.id, { identifier: apiIdentifier, name: 'Contacts API', scopes: [{ name: 'read:contacts', description: 'Read' }] });
    const created = await registry.apps.create(context, org.id, {
      name: 'Reporter',
      type: 'm2m',
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    machine = { clientId: created.app.clientId, clientSecret: created.clientSecret! };
  });
  after(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    for (const node of nodes ?? []) await node.stop();
    await database?.drop();
    await redisKeys?.drop();
  });

  test('wrong secrets spread over both nodes: the app gets its free failures once, not once per node', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < freePerClient + 6; index += 1) {
      statuses.push((await clientCredentials(issuer, [machine.clientId, 'lk_cs_wrong'], `203.0.113.${index + 1}`)).status);
    }
    assert.equal(statuses.filter((status) => status === 401).length, freePerClient);
    assert.equal(statuses.filter((status) => status === 429).length, 6);
    assert.ok(proxy.hits[0]! > 0 && proxy.hits[1]! > 0, 'both nodes answered');
  });
});
