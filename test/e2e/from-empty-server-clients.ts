// More shared steps of the browser tests that start from an empty server (besides
// from-empty-server.ts and console-replay-steps.ts): signing in to the console again, an app's
// discovery, a device approved on the hosted device page, and refusals as openid-client reports them.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { signInToConsole, withPage } from './console-helpers.js';
import type { ApiInConsole } from './console-replay-steps.js';
import { insecureRequests, type EmptyServer, type Person } from './from-empty-server.js';

/** Opens the console signed out and signs `person` in on the hosted page. */
export function signInAs(page: Page, empty: EmptyServer, person: Person, path = '/console/'): Promise<void> {
  return signInToConsole(page, { issuer: empty.issuer, user: person }, person, path);
}

/** The API both walks start from: its identifier is the audience of its tokens. */
export const contactsApi: Omit<ApiInConsole, 'allowOfflineAccess'> = {
  identifier: 'https://api.example.test',
  name: 'Contacts API',
  scopes: [
    { name: 'read:contacts', description: 'Read your contacts' },
    { name: 'write:contacts', description: 'Change your contacts' },
  ],
};

/** What an app learns from the server's discovery document, authenticating with its secret (or not at all). */
export function configurationOf(empty: EmptyServer, clientId: string, clientSecret?: string): Promise<client.Configuration> {
  const authentication = clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
  return client.discovery(new URL(empty.issuer), clientId, undefined, authentication, insecureRequests);
}

/**
 * The device flow as a device runs it with openid-client (RFC 8628): it asks for a user code,
 * `person` types it on the hosted device page in a browser, signs in and allows the app, and the
 * device's polling gets the tokens. Answers the tokens and the headings the browser saw.
 */
export async function runDeviceFlowWithOpenidClient(
  browser: Browser,
  configuration: client.Configuration,
  person: Person,
  parameters: Record<string, string>,
): Promise<{ tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers; consentHeading: string }> {
  const started = await client.initiateDeviceAuthorization(configuration, parameters);
  assert.ok(started.verification_uri && started.user_code, 'a verification URI and a user code to show');
  const polling = client.pollDeviceAuthorizationGrant(configuration, started);
  const consentHeading = await withPage(browser, `device-${started.user_code}`, async (page) => {
    await page.goto(started.verification_uri);
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    await page.getByLabel('Code').fill(started.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const heading = page.getByRole('heading', { name: /^Connect .+\?$/ });
    await heading.waitFor();
    await page.getByText(started.user_code, { exact: true }).first().waitFor();
    const text = (await heading.textContent()) ?? '';
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    return text;
  });
  return { tokens: await polling, consentHeading };
}

/** The OAuth error code of a refused request, as openid-client reports it. */
export async function refusal(request: Promise<unknown>): Promise<{ error: string; status: number }> {
  try {
    await request;
  } catch (error) {
    if (error instanceof client.ResponseBodyError) return { error: error.error, status: error.status };
    // A 401 with a challenge (RFC 6749 §5.2): the error code is in the challenge or, unread, in the body.
    if (error instanceof client.WWWAuthenticateChallengeError) {
      const body = (await error.response.json().catch(() => ({}))) as { error?: string };
      return { error: error.cause[0]?.parameters.error ?? body.error ?? '', status: error.status };
    }
    throw error;
  }
  assert.fail('the request was expected to be refused');
}
