import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { authorizeUrl } from '../support/flows.js';
import { hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const httpsIssuer = 'https://latchkey.example.test';

interface SeenCookie {
  url: string;
  header: string;
  name: string;
  cleared: boolean;
  attributes: Map<string, string>;
}

function parseSetCookie(url: string, header: string): SeenCookie {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const eq = pair!.indexOf('=');
  const attributes = new Map(
    rest.map((attribute) => {
      const equals = attribute.indexOf('=');
      return equals < 0 ? [attribute.toLowerCase(), ''] : [attribute.slice(0, equals).toLowerCase(), attribute.slice(equals + 1)];
    }),
  );
  const cleared = pair!.slice(eq + 1) === '' || attributes.get('max-age') === '0' || /1970/.test(attributes.get('expires') ?? '');
  return { url, header, name: pair!.slice(0, eq), cleared, attributes };
}

/**
 * A browser that talks plain http to the listener for an issuer that says https: locations and
 * form actions under the issuer are rewritten to the listener. Records every Set-Cookie.
 */
class Browser {
  readonly jar = new Map<string, string>();
  readonly seen: SeenCookie[] = [];
  readonly #issuer: string;
  readonly #listener: string;

  constructor(issuer: string, listener: string) {
    this.#issuer = issuer;
    this.#listener = listener;
  }

  ours(url: string): boolean {
    return url.startsWith(this.#issuer);
  }

  #local(url: string): string {
    return this.ours(url) ? this.#listener + url.slice(this.#issuer.length) : url;
  }

  async send(method: string, url: string, body?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const target = this.#local(new URL(url, this.#issuer).toString());
    const response = await fetch(target, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(body ? { body: new URLSearchParams(body) } : {}),
    });
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(target, header);
      this.seen.push(cookie);
      if (cookie.cleared) this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, header.split(';')[0]!.slice(cookie.name.length + 1));
    }
    return response;
  }

  /** Follows redirects under the issuer and fills the sign-in and consent forms; returns the first response that leaves them. */
  async walk(start: string, login: { email: string; password: string }): Promise<Response> {
    let response = await this.send('GET', start);
    for (let step = 0; step < 12; step += 1) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, this.#issuer).toString();
        if (!this.ours(next)) return response;
        response = await this.send('GET', next);
        continue;
      }
      const html = await response.text();
      const csrf = hiddenField(html, 'csrf');
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
      if (!csrf || !action) return new Response(html, { status: response.status, headers: response.headers });
      if (html.includes('name="password"')) {
        response = await this.send('POST', action, { csrf, email: login.email, password: login.password, user_code: hiddenField(html, 'user_code') ?? '' });
      } else if (html.includes('name="decision"')) {
        response = await this.send('POST', action, { csrf, decision: 'allow', user_code: hiddenField(html, 'user_code') ?? '' });
      } else {
        return new Response(html, { status: response.status, headers: response.headers });
      }
    }
    throw new Error('too many steps');
  }
}

function assertHardened(cookie: SeenCookie): void {
  const where = `${cookie.header} (from ${cookie.url})`;
  assert.ok(cookie.name.startsWith('__Host-') || cookie.name.startsWith('__Secure-'), `a __Host- or __Secure- prefix: ${where}`);
  assert.ok(cookie.attributes.has('secure'), `Secure: ${where}`);
  assert.ok(cookie.attributes.has('httponly'), `HttpOnly: ${where}`);
  assert.match(cookie.attributes.get('samesite') ?? '', /^(lax|strict)$/i, `SameSite: ${where}`);
  assert.equal(cookie.attributes.has('domain'), false, `no Domain: ${where}`);
  // RFC 6265bis §4.1.3.2: __Host- only with Path=/.
  if (cookie.name.startsWith('__Host-')) assert.equal(cookie.attributes.get('path'), '/', `__Host- needs Path=/: ${where}`);
}

/** Signs in to the console (login, hosted sign-in, callback), then signs out of it and of Latchkey. */
async function consoleSignInAndOut(browser: Browser, issuer: string, login: { email: string; password: string }): Promise<void> {
  const landed = await browser.walk(`${issuer}/console/auth/login?returnTo=/console/apps`, login);
  assert.ok([200, 503].includes(landed.status), `landed on the console: ${landed.status}`);
  const session = (await (await browser.send('GET', `${issuer}/console/api/session`)).json()) as { csrfToken: string };
  const logout = await browser.send('POST', `${issuer}/console/auth/logout`, undefined, { 'x-csrf-token': session.csrfToken });
  assert.equal(logout.status, 200);
  const { logoutUrl } = (await logout.json()) as { logoutUrl: string };
  const confirm = await browser.send('GET', logoutUrl);
  const html = await confirm.text();
  const csrf = hiddenField(html, 'csrf');
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  if (csrf && action) {
    const fields: Record<string, string> = { csrf };
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[name!] = value!.replaceAll('&amp;', '&');
    await browser.send('POST', action, fields);
  }
}

describe('cookies on an https issuer carry __Host- or __Secure-, Secure, HttpOnly and SameSite, set or cleared', () => {
  let fixture: OAuthFixture;
  let listener: string;

  before(async () => {
    fixture = await oauthFixture({ env: { LATCHKEY_ISSUER: httpsIssuer } });
    listener = `http://127.0.0.1:${fixture.server.config.listen.port}`;
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: fixture.user.id, role: 'admin' });
  });
  after(() => fixture.stop());

  test('the authorization flow: the sign-in session and the interaction binding', async () => {
    const web = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
    const browser = new Browser(httpsIssuer, listener);
    const final = await browser.walk(authorizeUrl(httpsIssuer, web.clientId).toString(), fixture.user);
    assert.equal(final.status, 303, 'redirected to the client after consent');
    assert.ok(final.headers.get('location')!.startsWith(redirectUri));
    const names = new Set(browser.seen.map((cookie) => cookie.name));
    assert.ok(names.has('__Host-lk_session'), [...names].join(', '));
    assert.ok(
      [...names].some((name) => name.startsWith('__Secure-lk_int_')),
      [...names].join(', '),
    );
    for (const cookie of browser.seen) assertHardened(cookie);
  });

  test('the device verification page: its binding cookie and the session it starts', async () => {
    const tv = await fixture.createApp({ name: 'TV', type: 'device', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'], scopes: ['openid'] });
    const started = await fetch(`${listener}/oauth2/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: tv.clientId, scope: 'openid' }),
    });
    const { user_code: userCode } = (await started.json()) as { user_code: string };
    const browser = new Browser(httpsIssuer, listener);
    const form = await browser.send('GET', `${httpsIssuer}/device?user_code=${userCode}`);
    const csrf = hiddenField(await form.text(), 'csrf')!;
    const submitted = await browser.send('POST', `${httpsIssuer}/device`, { csrf, user_code: userCode });
    assert.equal(submitted.status, 303);
    const done = await browser.walk(new URL(submitted.headers.get('location')!, httpsIssuer).toString(), fixture.user);
    assert.match(await done.text(), /Device connected/);
    const names = new Set(browser.seen.map((cookie) => cookie.name));
    assert.ok(names.has('__Secure-lk_device'), [...names].join(', '));
    assert.ok(names.has('__Host-lk_session'), [...names].join(', '));
    for (const cookie of browser.seen) assertHardened(cookie);
  });

  test('the console sign-in (login, hosted sign-in, callback) and sign-out, with the cookies it clears', async () => {
    const browser = new Browser(httpsIssuer, listener);
    await consoleSignInAndOut(browser, httpsIssuer, fixture.user);
    const names = new Set(browser.seen.map((cookie) => cookie.name));
    for (const name of ['__Secure-lk_console_flow', '__Secure-lk_console', '__Host-lk_session'])
      assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
    const cleared = new Set(browser.seen.filter((cookie) => cookie.cleared).map((cookie) => cookie.name));
    for (const name of ['__Secure-lk_console_flow', '__Secure-lk_console', '__Host-lk_session'])
      assert.ok(cleared.has(name), `${name} is cleared: ${[...cleared].join(', ')}`);
    for (const cookie of browser.seen) assertHardened(cookie);
  });
});

describe('cookies on a plain http issuer (localhost development) have no prefix and no Secure', () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture();
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: fixture.user.id, role: 'admin' });
  });
  after(() => fixture.stop());

  test('the console sign-in and sign-out set and clear lk_console_flow, lk_console and lk_session, HttpOnly and SameSite only', async () => {
    const browser = new Browser(fixture.issuer, fixture.issuer);
    await consoleSignInAndOut(browser, fixture.issuer, fixture.user);
    const names = new Set(browser.seen.map((cookie) => cookie.name));
    for (const name of ['lk_console_flow', 'lk_console', 'lk_session']) assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
    for (const cookie of browser.seen) {
      assert.doesNotMatch(cookie.name, /^__/, cookie.header);
      assert.equal(cookie.attributes.has('secure'), false, cookie.header);
      assert.ok(cookie.attributes.has('httponly'), cookie.header);
      assert.match(cookie.attributes.get('samesite') ?? '', /^lax$/i, cookie.header);
    }
  });
});
