import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import type { ApiRecord } from '../../src/ports/api-repository.js';
import type { Role } from '../../src/ports/org-repositories.js';
import type { Fetch } from './inject.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

export const password = 'correct horse battery staple';

export interface OAuthFixture {
  server: TestServer;
  issuer: string;
  /** Calls the server, over its socket or in process (see TestServerOptions.inProcess). */
  fetch: Fetch;
  orgId: string;
  user: { id: string; email: string; password: string };
  api: ApiRecord;
  createApp(input: Record<string, unknown>): Promise<{ clientId: string; clientSecret: string | null }>;
  /** A public app, submitted and approved: it serves anyone with an account. */
  createPublicApp(input: Record<string, unknown>): Promise<{ clientId: string; clientSecret: string | null }>;
  createUser(email: string): Promise<{ id: string; email: string; password: string }>;
  /** A user who is a member of the default organization, so its private apps serve them. */
  createMember(email: string, role?: Role): Promise<{ id: string; email: string; password: string }>;
  stop(): Promise<void>;
}

export const apiIdentifier = 'https://api.example.test';
export const redirectUri = 'https://client.example.test/callback';

/** A running server with a user, an API (offline access allowed) and a way to register apps. */
export async function oauthFixture(options: TestServerOptions = {}): Promise<OAuthFixture> {
  const server = await startTestServer({ logLevel: 'warn', ...options });
  const registry = server.server.runtime.registry;
  const context = { actor: operatorActor };
  const orgId = (await registry.orgs.get(context, 'default')).id;
  const createUser = async (email: string) => {
    const user = await registry.users.create(context, { email, password, name: email.split('@')[0], emailVerified: true });
    return { id: user.id, email: user.email, password };
  };
  const user = await createUser('alice@example.test');
  await registry.orgs.putMember(context, 'default', { userId: user.id, role: 'developer' });
  const api = await registry.apis.create(context, orgId, {
    identifier: apiIdentifier,
    name: 'Contacts API',
    scopes: [
      { name: 'read:contacts', description: 'Read your contacts' },
      { name: 'write:contacts', description: 'Change your contacts' },
    ],
    allowOfflineAccess: true,
  });
  return {
    server,
    issuer: server.issuer,
    fetch: server.fetch,
    orgId,
    user,
    api,
    createUser,
    async createMember(email, role = 'viewer') {
      const member = await createUser(email);
      await registry.orgs.putMember(context, 'default', { userId: member.id, role });
      return member;
    },
    async createApp(input) {
      const { app, clientSecret } = await registry.apps.create(context, orgId, input);
      return { clientId: app.clientId, clientSecret };
    },
    async createPublicApp(input) {
      const { app, clientSecret } = await registry.apps.create(context, orgId, { ...input, visibility: 'public' });
      await registry.apps.transition(context, app.clientId, 'submit');
      await registry.apps.transition(context, app.clientId, 'approve');
      return { clientId: app.clientId, clientSecret };
    },
    stop: () => server.stop(),
  };
}

/** The value of a hidden input in one of our own hosted pages. */
export function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

/**
 * A browser without a browser: keeps cookies and walks the hosted pages with plain HTTP. The real
 * browser tests (playwright) live in test/e2e.
 */
export class FormBrowser {
  readonly #issuer: string;
  readonly #fetch: Fetch;
  readonly cookies = new Map<string, string>();
  /** The consent page the last authorize() answered, if it was shown one. */
  consentPage: string | null = null;

  constructor(issuer: string, fetchImpl: Fetch = fetch) {
    this.#issuer = issuer;
    this.#fetch = fetchImpl;
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  #keep(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /max-age=0|expires=thu, 01 jan 1970/i.test(attribute.trim()));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(url: string | URL): Promise<Response> {
    const response = await this.#fetch(url, { redirect: 'manual', headers: { cookie: this.#cookieHeader() } });
    this.#keep(response);
    return response;
  }

  async post(url: string | URL, form: Record<string, string>): Promise<Response> {
    const response = await this.#fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.#cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    this.#keep(response);
    return response;
  }

  isOurs(location: string): boolean {
    return location.startsWith(this.#issuer);
  }

  /**
   * Follows an authorization request through sign-in and consent. Returns the last response: the
   * redirect to the client (check `location`), a form_post page, or an error page.
   */
  async authorize(url: string | URL, login?: { email: string; password: string }, decision: 'allow' | 'deny' = 'allow'): Promise<Response> {
    this.consentPage = null;
    let response = await this.get(url);
    for (let step = 0; step < 10; step += 1) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, this.#issuer);
        if (!this.isOurs(next.toString())) return response;
        response = await this.get(next);
        continue;
      }
      if (response.status !== 200 || !response.headers.get('content-type')?.includes('text/html')) return response;
      const html = await response.text();
      const page = new Response(html, { status: response.status, headers: response.headers });
      const csrf = hiddenField(html, 'csrf');
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (!csrf || !action) return page;
      if (html.includes('name="password"') && login) {
        // The sign-in form, not the account chooser's above it.
        const signInAction = /<form method="post" action="([^"]+\/login)"/.exec(html)?.[1] ?? action;
        response = await this.post(signInAction, { csrf, email: login.email, password: login.password });
      } else if (html.includes('name="decision"')) {
        this.consentPage = html;
        response = await this.post(action, { csrf, decision });
      } else {
        return page;
      }
    }
    throw new Error('too many steps');
  }
}

/** The parameters of a redirect to the client. */
export function callbackParams(response: Response): URLSearchParams {
  const location = response.headers.get('location');
  if (!location) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location).searchParams;
}

/**
 * The authorization code flow of openid-client, PKCE and a nonce included, signing in through
 * `browser` (a fresh one unless given) as `login` (the fixture's user unless given).
 */
export async function openIdCodeFlow(
  fixture: Pick<OAuthFixture, 'issuer' | 'fetch' | 'user'>,
  configuration: client.Configuration,
  options: {
    redirectUri?: string;
    scope?: string;
    browser?: FormBrowser;
    login?: { email: string; password: string };
    /** More authorization request parameters (prompt, login_hint, ...). */
    parameters?: Record<string, string>;
  } = {},
): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  const redirect = options.redirectUri ?? redirectUri;
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirect,
    scope: options.scope ?? 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    ...options.parameters,
  });
  const browser = options.browser ?? new FormBrowser(fixture.issuer, fixture.fetch);
  const response = await browser.authorize(url, options.login ?? fixture.user);
  const location = response.headers.get('location');
  if (!location) throw new Error(`no redirect to the app: ${response.status}`);
  return client.authorizationCodeGrant(configuration, new URL(location), { pkceCodeVerifier: verifier, expectedNonce: nonce }, { redirect_uri: redirect });
}
