import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const browserSkipReason = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is missing: skipping the browser tests (apt-get install -y chromium; .ci/run installs it)`;

/** Debian's Chromium, headless, with the flags that keep it off the closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const screenshotDir = join('test-results', 'screenshots');

/** Saves a screenshot under test-results/screenshots (kept for the docs and for failures). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What the browser brought back to the app: the URL it was sent to, and the form body of a form_post. */
export interface AppArrival {
  url: URL;
  body: string;
}

/**
 * Catches the browser's arrival at the app (https://client.example.test) instead of going to the
 * network. The promise settles only once the stand-in page has loaded, so a navigation the test
 * starts next is never interrupted by the redirect still on its way.
 */
export async function catchArrivalAtApp(context: BrowserContext): Promise<() => Promise<AppArrival>> {
  let resolve!: (value: AppArrival) => void;
  const arrived = new Promise<AppArrival>((done) => (resolve = done));
  await context.route('https://client.example.test/**', async (route: Route) => {
    const request = route.request();
    const arrival = { url: new URL(request.url()), body: request.postData() ?? '' };
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Back at the app</title><p>Back at the app</p>' });
    await request
      .frame()
      .waitForURL((url) => url.origin === 'https://client.example.test')
      .catch(() => undefined);
    resolve(arrival);
  });
  return () => arrived;
}
