// Shared steps of the browser tests that start from an empty server, as a newcomer does: the
// first-run setup link, invitations from the Members page, and a real relying party (openid-client)
// running the app that the console made. Nothing is set up behind the browser's back.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import * as client from 'openid-client';
import { consolePaths } from '../../src/contracts/paths.js';
import { setupUrl } from '../../src/runtime/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { withPage } from './console-helpers.js';

export interface Person {
  email: string;
  name: string;
  password: string;
}

export interface EmptyServer {
  server: TestServer;
  smtp: TestSmtp;
  issuer: string;
  stop(): Promise<void>;
}

/** A server with no administrator yet, mailing through a real SMTP server in this process. */
export async function startEmptyServer(env: Record<string, string> = {}): Promise<EmptyServer> {
  const smtp = await startTestSmtp();
  const server = await startTestServer({
    logLevel: 'warn',
    env: { LATCHKEY_MAIL_SMTP_URL: smtp.url, ...env },
    mailWorker: { pollIntervalMs: 50 },
  });
  return {
    server,
    smtp,
    issuer: server.issuer,
    stop: async () => {
      await server.stop();
      await smtp.stop();
    },
  };
}

/**
 * Opens the setup link `latchkey start` prints on a server with no administrator, creates the
 * administrator and their organization, and leaves the page signed in to the console there.
 * Answers the organization's URL name.
 */
export async function completeFirstRun(page: Page, empty: EmptyServer, admin: Person, organizationName: string): Promise<string> {
  const token = await empty.server.server.runtime.registry.firstRun.issueSetupLink();
  assert.ok(token, 'an empty server offers a setup link');
  await page.goto(setupUrl(empty.issuer, token));
  await page.getByRole('heading', { name: 'Set up Latchkey' }).waitFor();
  await page.getByLabel('Your email').fill(admin.email);
  await page.getByLabel('Your name').fill(admin.name);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByLabel('Organization name').fill(organizationName);
  await page.getByRole('button', { name: 'Create administrator and organization' }).click();
  await page.waitForURL((url) => /^\/console\/orgs\/[^/]+\//.test(url.pathname));
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
  return /^\/console\/orgs\/([^/]+)\//.exec(new URL(page.url()).pathname)![1]!;
}

/** On a page signed in as someone who may invite: invites `email` to the organization from the Members page. */
export async function inviteFromMembersPage(
  page: Page,
  empty: EmptyServer,
  org: string,
  email: string,
  role: 'owner' | 'admin' | 'developer' | 'viewer',
): Promise<void> {
  await page.goto(`${empty.issuer}/console/orgs/${org}/members`);
  await page.getByRole('heading', { name: 'Invite by email' }).waitFor();
  await page.getByLabel('Email to invite').fill(email);
  await page.getByLabel('Role for the invitee').selectOption(role);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const made = page.getByRole('dialog', { name: 'Invitation made' });
  await made.waitFor();
  await made.getByRole('button', { name: 'Close' }).click();
}

/** The invitee opens the mailed link in their own browser, creates their account and lands in the console. */
export async function acceptInvitation(browser: Browser, empty: EmptyServer, person: Person): Promise<void> {
  const link = await empty.smtp.mailedLink(person.email, consolePaths.invitation);
  await withPage(browser, `accept-invitation-${person.email}`, async (page) => {
    await page.goto(link);
    await page.getByRole('heading', { name: /^Join / }).waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), person.email);
    await page.getByLabel('Your name').fill(person.name);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/console/orgs/'));
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
  });
}

export const insecureRequests = { execute: [client.allowInsecureRequests] };

export interface RelyingPartyRun {
  configuration: client.Configuration;
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
}

/**
 * openid-client runs the authorization code flow with PKCE for the app: discovery, the
 * authorization URL, a browser that signs `person` in on the hosted pages and consents if asked,
 * and the code redeemed at the token endpoint. The browser's arrival at the redirect URI is
 * watched, not served: the app's host need not exist.
 */
export async function runCodeFlowWithOpenidClient(
  browser: Browser,
  empty: EmptyServer,
  app: { clientId: string; clientSecret?: string; redirectUri: string },
  person: Person,
  parameters: Record<string, string>,
): Promise<RelyingPartyRun> {
  return runCodeFlowThroughHostedPages(browser, empty, app, parameters, signInOnHostedPage(person));
}

/** What `person`, who has an account, does on the sign-in page an app sent them to. */
export function signInOnHostedPage(person: Person): (page: Page) => Promise<void> {
  return async (page) => {
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
}

/**
 * The flow of runCodeFlowWithOpenidClient, with `walk` doing what the person does on the hosted
 * pages after the authorization URL opens (sign in, or sign up and follow the mailed link); the
 * consent that may follow is given, and the code redeemed.
 */
export async function runCodeFlowThroughHostedPages(
  browser: Browser,
  empty: EmptyServer,
  app: { clientId: string; clientSecret?: string; redirectUri: string },
  parameters: Record<string, string>,
  walk: (page: Page) => Promise<void>,
  onConsent: (page: Page) => Promise<void> = () => Promise.resolve(),
): Promise<RelyingPartyRun> {
  return withPage(browser, `relying-party-${app.clientId}`, (page) => runCodeFlowInPage(page, empty, app, parameters, walk, onConsent));
}

/** The same flow in a page of the caller's, which stays signed in to the server afterwards (for a logout, say). */
export async function runCodeFlowInPage(
  page: Page,
  empty: EmptyServer,
  app: { clientId: string; clientSecret?: string; redirectUri: string },
  parameters: Record<string, string>,
  walk: (page: Page) => Promise<void>,
  onConsent: (page: Page) => Promise<void> = () => Promise.resolve(),
): Promise<RelyingPartyRun> {
  const authentication = app.clientSecret ? client.ClientSecretBasic(app.clientSecret) : client.None();
  const configuration = await client.discovery(new URL(empty.issuer), app.clientId, undefined, authentication, insecureRequests);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: app.redirectUri,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  const arrived = new Promise<string>((resolve) => {
    void page.route(
      (target) => target.href.startsWith(app.redirectUri),
      async (route) => {
        resolve(route.request().url());
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
      },
    );
  });
  await page.goto(url.href);
  await walk(page);
  const allow = page.getByRole('button', { name: 'Allow' });
  const outcome = await Promise.race([arrived.then(() => 'app' as const), allow.waitFor().then(() => 'consent' as const)]);
  if (outcome === 'consent') {
    await onConsent(page);
    await allow.click();
  }
  const callback = await arrived;
  // The page has landed there before it goes anywhere else.
  await page.waitForURL((target) => target.href.startsWith(app.redirectUri));
  const tokens = await client.authorizationCodeGrant(configuration, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: parameters.scope?.split(' ').includes('openid') ?? false,
  });
  return { configuration, tokens };
}
