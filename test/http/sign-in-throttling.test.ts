import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { defaultSignInPolicy } from '../../src/domain/identity/sign-in.js';
import { authorizeUrl, postForm } from '../support/flows.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { balancer } from '../support/balancer.js';
import { redisSkipReason, redisTestUrl, testRedisPrefix, type TestRedisPrefix } from '../support/redis.js';
import { listenOnFreePort, startTestServer, type TestServer } from '../support/server.js';

/** The hosted sign-in form of one authorization request: where it posts, with its cookies and CSRF token. */
interface SignInForm {
  action: string;
  csrf: string;
  cookie: string;
}

async function openSignInForm(issuer: string, clientId: string): Promise<SignInForm> {
  const browser = new FormBrowser(issuer);
  let response = await browser.get(authorizeUrl(issuer, clientId));
  for (let location = response.headers.get('location'); location; location = response.headers.get('location')) {
    response = await browser.get(new URL(location, issuer));
  }
  const html = await response.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const csrf = hiddenField(html, 'csrf');
  assert.ok(action && csrf && html.includes('name="password"'), `expected the sign-in page, got ${response.status}`);
  return { action, csrf, cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
}

/** One sign-in POST from `ip` (the server trusts X-Forwarded-For, as behind a proxy). */
async function signIn(form: SignInForm, email: string, password: string, ip: string): Promise<{ status: number; retryAfter: string | null }> {
  const response = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
    body: new URLSearchParams({ csrf: form.csrf, email, password }),
  });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

/** 401 means the password was verified and was wrong; 429 means it was refused before any check. */
function tally(results: { status: number; retryAfter: string | null }[]): { verified: number; throttled: number; other: number[] } {
  const verified = results.filter((result) => result.status === 401).length;
  const throttled = results.filter((result) => result.status === 429);
  for (const result of throttled) assert.match(result.retryAfter ?? '', /^[1-9]\d*$/, 'every 429 says when to retry');
  return { verified, throttled: throttled.length, other: results.map((result) => result.status).filter((status) => status !== 401 && status !== 429) };
}

const trustProxy = { LATCHKEY_HTTP_TRUST_PROXY: 'true' };
/**
 * The servers' clock stands still, so that every count below is exact: an account's next attempt
 * after its free failures must wait a second, and a slow run must not earn it one.
 */
const frozenClock = { now: () => Date.UTC(2026, 5, 1, 12) };

function throttlingSuite(store: 'SQLite' | 'PostgreSQL', skip: string | false) {
  describe(`sign-in throttling under concurrency on ${store}`, { skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;
    let clientId: string;

    before(async () => {
      if (store === 'PostgreSQL') database = await createTestDatabase();
      fixture = await oauthFixture({ env: trustProxy, clock: frozenClock, ...(database ? { databaseUrl: database.url } : {}) });
      clientId = (await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri] })).clientId;
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    test('60 parallel wrong passwords for one account: only the free failures are verified, the rest get 429 with Retry-After', async () => {
      const form = await openSignInForm(fixture.issuer, clientId);
      const results = await Promise.all(Array.from({ length: 60 }, () => signIn(form, fixture.user.email, 'wrong password', '198.51.100.1')));
      assert.deepEqual(tally(results), {
        verified: defaultSignInPolicy.freeAccountFailures,
        throttled: 60 - defaultSignInPolicy.freeAccountFailures,
        other: [],
      });
    });

    test('200 parallel wrong passwords from one address, each for another account: only the per-address cap is verified', async () => {
      const form = await openSignInForm(fixture.issuer, clientId);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, index) => signIn(form, `guess-${index}@example.test`, 'wrong password', '198.51.100.2')),
      );
      assert.deepEqual(tally(results), { verified: defaultSignInPolicy.maxIpFailures, throttled: 200 - defaultSignInPolicy.maxIpFailures, other: [] });
      const windowSeconds = defaultSignInPolicy.windowMs / 1000;
      assert.ok(
        results.every((result) => result.status !== 429 || Number(result.retryAfter) <= windowSeconds),
        'the address waits at most until its window ends',
      );
    });

    test('40 parallel wrong user codes from one address: 20 are looked up, the rest get 429 with Retry-After (RFC 8628 §5.1)', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const page = await (await browser.get(`${fixture.issuer}/device`)).text();
      const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      const results = await Promise.all(
        Array.from({ length: 40 }, async () => {
          const response = await fetch(`${fixture.issuer}/device`, {
            method: 'POST',
            redirect: 'manual',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.5' },
            body: new URLSearchParams({ csrf: hiddenField(page, 'csrf')!, user_code: 'BCDF-GHJK' }),
          });
          await response.arrayBuffer();
          return { status: response.status, retryAfter: response.headers.get('retry-after') };
        }),
      );
      assert.equal(results.filter((result) => result.status === 400).length, 20);
      assert.equal(results.filter((result) => result.status === 429 && /^[1-9]\d*$/.test(result.retryAfter ?? '')).length, 20);
    });

    test('the device flow sign-in shares the budget of the account', async () => {
      const account = await fixture.createUser('device-budget@example.test');
      const form = await openSignInForm(fixture.issuer, clientId);
      const viaAuthorize = await Promise.all(Array.from({ length: 10 }, () => signIn(form, account.email, 'wrong password', '198.51.100.3')));
      assert.equal(tally(viaAuthorize).verified, defaultSignInPolicy.freeAccountFailures);

      const tv = await fixture.createApp({ name: 'TV', type: 'device', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'], scopes: ['openid'] });
      const started = await postForm(`${fixture.issuer}/oauth2/device_authorization`, { client_id: tv.clientId, scope: 'openid' });
      const browser = new FormBrowser(fixture.issuer);
      const page = await (await browser.get(`${fixture.issuer}/device?user_code=${String(started.body.user_code)}`)).text();
      const deviceForm = {
        action: `${fixture.issuer}/device/login`,
        csrf: hiddenField(page, 'csrf')!,
        cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      };
      const response = await fetch(deviceForm.action, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: deviceForm.cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.4' },
        body: new URLSearchParams({ csrf: deviceForm.csrf, user_code: String(started.body.user_code), email: account.email, password: account.password }),
      });
      assert.equal(response.status, 429, 'even the right password waits: the account is throttled wherever it signs in');
      assert.match(response.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    });
  });
}

throttlingSuite('SQLite', false);
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);
throttlingSuite('PostgreSQL', postgresSkipReason);
if (redisSkipReason) console.log(`# ${redisSkipReason}`);

describe('two nodes on one PostgreSQL share one sign-in budget', { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let nodes: TestServer[];
  let proxy: ReturnType<typeof balancer>;
  let issuer: string;
  let clientId: string;
  const email = 'shared-budget@example.test';

  before(async () => {
    database = await createTestDatabase();
    proxy = balancer();
    issuer = `http://127.0.0.1:${await listenOnFreePort(proxy.server)}`;
    const env = { ...trustProxy, LATCHKEY_ISSUER: issuer, LATCHKEY_SECRET: 'shared-budget-secret-shared-budget-secret-0123' };
    const node = () => startTestServer({ databaseUrl: database.url, env, logLevel: 'warn', clock: frozenClock });
    nodes = [await node(), await node()];
    proxy.upstreams.push(...nodes.map((node) => node.config.listen.port));
    const registry = nodes[0]!.server.runtime.registry;
    const context = { actor: operatorActor };
    await registry.users.create(context, { email, password: 'the right password' });
    const org = await registry.orgs.get(context, 'default');
    clientId = (await registry.apps.create(context, org.id, { name: 'Web', type: 'web', redirectUris: [redirectUri] })).app.clientId;
  });
  after(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    for (const node of nodes ?? []) await node.stop();
    await database?.drop();
  });

  test('60 parallel wrong passwords spread over both nodes: the account gets its free failures once, not once per node', async () => {
    const form = await openSignInForm(issuer, clientId);
    const results = await Promise.all(Array.from({ length: 60 }, () => signIn(form, email, 'wrong password', '198.51.100.9')));
    assert.deepEqual(tally(results), { verified: defaultSignInPolicy.freeAccountFailures, throttled: 60 - defaultSignInPolicy.freeAccountFailures, other: [] });
  });
});

describe('two nodes with one Redis share one sign-in budget, and the database counts nothing', { skip: postgresSkipReason || redisSkipReason }, () => {
  let database: TestDatabase;
  let redisKeys: TestRedisPrefix;
  let nodes: TestServer[];
  let proxy: ReturnType<typeof balancer>;
  let issuer: string;
  let clientId: string;
  const email = 'redis-budget@example.test';

  before(async () => {
    database = await createTestDatabase();
    redisKeys = testRedisPrefix();
    proxy = balancer();
    issuer = `http://127.0.0.1:${await listenOnFreePort(proxy.server)}`;
    const env = {
      ...trustProxy,
      LATCHKEY_ISSUER: issuer,
      LATCHKEY_SECRET: 'redis-budget-secret-redis-budget-secret-0123456',
      LATCHKEY_REDIS_URL: redisTestUrl!,
      LATCHKEY_REDIS_KEY_PREFIX: redisKeys.prefix,
    };
    const node = () => startTestServer({ databaseUrl: database.url, env, logLevel: 'warn', clock: frozenClock });
    nodes = [await node(), await node()];
    proxy.upstreams.push(...nodes.map((node) => node.config.listen.port));
    const registry = nodes[0]!.server.runtime.registry;
    const context = { actor: operatorActor };
    await registry.users.create(context, { email, password: 'the right password' });
    const org = await registry.orgs.get(context, 'default');
    clientId = (await registry.apps.create(context, org.id, { name: 'Web', type: 'web', redirectUris: [redirectUri] })).app.clientId;
  });
  after(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    for (const node of nodes ?? []) await node.stop();
    await database?.drop();
    await redisKeys?.drop();
  });

  test('60 parallel wrong passwords spread over both nodes: the free failures once, counted in Redis', async () => {
    const form = await openSignInForm(issuer, clientId);
    const results = await Promise.all(Array.from({ length: 60 }, () => signIn(form, email, 'wrong password', '198.51.100.10')));
    assert.deepEqual(tally(results), { verified: defaultSignInPolicy.freeAccountFailures, throttled: 60 - defaultSignInPolicy.freeAccountFailures, other: [] });
    const counted = await nodes[0]!.server.runtime.database.db
      .selectFrom('rate_limits')
      .select((eb) => eb.fn.countAll<string>().as('rows'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(counted.rows), 0, 'no window was written to the database');
  });
});
