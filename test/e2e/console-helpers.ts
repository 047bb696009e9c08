// Shared steps of the console browser tests (test/e2e/console-*.test.ts).
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { screenshot } from '../support/browser.js';
import type { OAuthFixture } from '../support/oauth.js';

export type Role = 'owner' | 'admin' | 'developer' | 'viewer';

export async function setRole(fixture: OAuthFixture, userId: string, role: Role): Promise<void> {
  await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId, role });
}

/** Opens the console as a signed-out browser and signs in through the hosted pages, as a person would. */
export async function signInToConsole(
  page: Page,
  fixture: Pick<OAuthFixture, 'issuer'> & { user: { email: string; password: string } },
  user: { email: string; password: string } = fixture.user,
  path = '/console/',
): Promise<void> {
  await page.goto(`${fixture.issuer}${path}`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/console/') && !url.pathname.startsWith('/console/auth/'));
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/** A fresh browser context, with a screenshot of the page when the test body throws. */
export async function withPage<T>(
  browser: Browser,
  name: string,
  body: (page: Page, context: BrowserContext) => Promise<T>,
  options: Parameters<Browser['newContext']>[0] = {},
  { allowCspReports = false }: { allowCspReports?: boolean } = {},
): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (!allowCspReports && message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  try {
    const result = await body(page, context);
    if (problems.length > 0) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
    return result;
  } catch (error) {
    await screenshot(page, `failure-${name}`).catch(() => undefined);
    if (problems.length > 0 && error instanceof Error) error.message += `\n${problems.join('\n')}`;
    throw error;
  } finally {
    await context.close();
  }
}

/** The payload of a JWT, decoded (the tests trust the server's signature: the interop suite verifies it). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A phone-sized browser context: 375 CSS pixels wide, touch. */
export const phoneViewport = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 } as const;

/** Fails when the page is wider than the window, i.e. it scrolls sideways. */
export async function assertNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  assert.ok(scrollWidth <= innerWidth, `${where}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
}
