// More shared steps of the walks that start from an empty server (see from-empty-server.ts): an API
// registered on the console's APIs page, a sign-up on the hosted pages with the mailed link
// followed (or with an invitation), and what an API does with the Bearer token it gets.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type * as client from 'openid-client';
import { paths } from '../../src/contracts/paths.js';
import type { EmptyServer, Person } from './from-empty-server.js';

export interface ApiInConsole {
  identifier: string;
  name: string;
  scopes: { name: string; description: string }[];
  allowOfflineAccess: boolean;
  accessTokenTtlMinutes?: number;
}

/** On a page signed in as an owner or admin: registers an API on the organization's APIs page. */
export async function registerApiInConsole(
  page: Page,
  empty: EmptyServer,
  org: string,
  api: ApiInConsole,
  beforeRegistering?: () => Promise<void>,
): Promise<void> {
  await page.goto(`${empty.issuer}/console/orgs/${org}/apis`);
  await page.getByRole('link', { name: 'Register an API' }).click();
  await page.getByLabel('Identifier').fill(api.identifier);
  await page.getByLabel('Name', { exact: true }).fill(api.name);
  for (const [index, scope] of api.scopes.entries()) {
    if (index > 0) await page.getByRole('button', { name: '+ Add scope' }).click();
    await page.getByLabel(`Scope ${index + 1} name`).fill(scope.name);
    await page.getByLabel(`Scope ${index + 1} description`).fill(scope.description);
  }
  if (api.allowOfflineAccess) await page.getByLabel('Allow offline access').check();
  await page.getByLabel('Token format').selectOption('jwt');
  if (api.accessTokenTtlMinutes !== undefined) await page.getByLabel('Access token TTL (minutes)').fill(String(api.accessTokenTtlMinutes));
  await beforeRegistering?.();
  await page.getByRole('button', { name: 'Register API' }).click();
  await page.getByRole('heading', { name: api.name }).waitFor();
}

/**
 * What someone without an account does on the sign-in page an app sent them to: **Create an
 * account**, then the link mailed to verify the address, which goes on with the app's request.
 */
export function signUpOnHostedPages(empty: EmptyServer, person: Person): (page: Page) => Promise<void> {
  return async (page) => {
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Name').fill(person.name);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
    await page.goto(await empty.smtp.mailedLink(person.email, paths.verifyEmail));
  };
}

/**
 * The same with an invitation in the app's request (`organization` and `invitation`): the form
 * says what the invitation is for and has the invited address, which can't be changed; creating
 * the account joins the organization and signs in at once, with no mail to follow.
 */
export function signUpWithInvitationOnHostedPages(person: Person, invited: { organization: string; role: string }): (page: Page) => Promise<void> {
  return async (page) => {
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByText(`You are invited to join ${invited.organization} as ${invited.role}.`).waitFor();
    const email = page.getByLabel('Email');
    assert.equal(await email.inputValue(), person.email, 'the invited address');
    assert.equal(await email.isEditable(), false, 'and it can not be changed');
    await page.getByLabel('Name').fill(person.name);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Create account and join' }).click();
  };
}

/**
 * What a resource server does with a Bearer token: verifies the JWT access token (RFC 9068 §4)
 * against the keys the discovery document points to, for its own audience.
 */
export async function verifyAccessToken(configuration: client.Configuration, token: string, audience: string): Promise<JWTPayload> {
  const metadata = configuration.serverMetadata();
  assert.ok(metadata.jwks_uri, 'discovery names the keys');
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
    issuer: metadata.issuer,
    audience,
    typ: 'at+jwt',
  });
  return payload;
}

/**
 * The token endpoint refused the client's authentication: 401 with a challenge (RFC 6749 §5.2),
 * which openid-client raises before it reads the `invalid_client` of the body.
 */
export async function assertInvalidClient(call: Promise<unknown>, message: string): Promise<void> {
  const error = await call.then(
    () => assert.fail(`${message}: the call succeeded`),
    (reason: Error & { code?: string; status?: number; response?: Response }) => reason,
  );
  assert.equal(error.code, 'OAUTH_WWW_AUTHENTICATE_CHALLENGE', `${message}: ${error.message}`);
  assert.equal(error.status, 401, message);
  assert.equal(((await error.response!.json()) as { error?: string }).error, 'invalid_client', message);
}
