import assert from 'node:assert/strict';
import { FormBrowser, hiddenField } from './oauth.js';
import type { Fetch } from './inject.js';

/** A cookie-keeping client of the account page: signs in on its form and posts its sections. */
export class AccountBrowser extends FormBrowser {
  readonly base: string;

  constructor(issuer: string, fetchImpl: Fetch = fetch) {
    super(issuer, fetchImpl);
    this.base = `${issuer}/account`;
  }

  /** Opens /account, is sent to sign in, signs in, and is back on the account page. */
  async signIn(login: { email: string; password: string }): Promise<void> {
    const first = await this.get(this.base);
    assert.equal(first.status, 302);
    const form = await this.get(new URL(first.headers.get('location')!, this.base));
    const html = await form.text();
    const back = await this.post(`${this.base}/sign-in`, {
      csrf: hiddenField(html, 'csrf')!,
      return_to: hiddenField(html, 'return_to')!,
      email: login.email,
      password: login.password,
    });
    assert.equal(back.status, 303, 'signed in');
    assert.equal(back.headers.get('location'), this.base);
  }

  /** The account page's HTML, or the status it answered with instead. */
  async page(): Promise<{ status: number; html: string; location: string | null }> {
    const response = await this.get(this.base);
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  }

  /** The CSRF token of the page's forms. */
  async csrf(): Promise<string> {
    const { html } = await this.page();
    const csrf = hiddenField(html, 'csrf');
    assert.ok(csrf, 'the account page has forms');
    return csrf;
  }

  /** Posts a section's form with the page's CSRF token (or the given one). */
  async submit(section: string, form: Record<string, string>, csrf?: string): Promise<Response> {
    return this.post(`${this.base}/${section}`, { csrf: csrf ?? (await this.csrf()), ...form });
  }
}
