import assert from 'node:assert/strict';
import { FormBrowser, hiddenField, type OAuthFixture } from './oauth.js';

/**
 * Walks the device verification page as the fixture's user would: the code, sign-in, the decision.
 * `expect` are what the consent page must say (the app's name, a scope's description). Returns the
 * page the decision leads to.
 */
export async function decideDeviceCode(
  fixture: OAuthFixture,
  userCode: string,
  options: { decision?: 'allow' | 'deny'; expect?: RegExp[] } = {},
): Promise<string> {
  const browser = new FormBrowser(fixture.issuer);
  const form = await browser.get(`${fixture.issuer}/device?user_code=${userCode}`);
  const html = await form.text();
  assert.match(html, new RegExp(`value="${userCode}"`), 'verification_uri_complete pre-fills the code');
  const csrf = hiddenField(html, 'csrf')!;
  const submitted = await browser.post(`${fixture.issuer}/device`, { csrf, user_code: userCode.toLowerCase().replace('-', ' ') });
  assert.equal(submitted.status, 303);
  let page = await (await browser.get(new URL(submitted.headers.get('location')!))).text();
  if (page.includes('name="password"')) {
    const login = await browser.post(`${fixture.issuer}/device/login`, {
      csrf,
      user_code: userCode,
      email: fixture.user.email,
      password: fixture.user.password,
    });
    assert.equal(login.status, 303);
    page = await (await browser.get(new URL(login.headers.get('location')!))).text();
  }
  for (const text of options.expect ?? []) assert.match(page, text);
  const decided = await browser.post(`${fixture.issuer}/device/consent`, { csrf, user_code: userCode, decision: options.decision ?? 'allow' });
  assert.equal(decided.status, 303);
  return (await browser.get(new URL(decided.headers.get('location')!))).text();
}
