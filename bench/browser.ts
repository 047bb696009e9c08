/**
 * A browser without a browser, for setting things up (not for load): keeps cookies, follows
 * redirects on the server's origin, fills in the hosted sign-in and consent forms, and stops at
 * the client's redirect URI.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly #origin: string;

  constructor(origin: string) {
    this.#origin = origin;
  }

  cookieHeader(names?: readonly string[]): string {
    return [...this.cookies]
      .filter(([name]) => !names || names.includes(name))
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }

  #keep(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /max-age=0|expires=thu, 01 jan 1970/i.test(attribute.trim()));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.cookieHeader(), ...init.headers };
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(new URL(url, this.#origin), {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers,
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    this.#keep(response);
    return response;
  }

  /**
   * Walks an authorization request to the redirect back to the client and returns that URL. Signs
   * in with `login` and allows consent when a hosted form asks.
   */
  async authorize(url: string, redirectUri: string, login?: { email: string; password: string }): Promise<URL> {
    let response = await this.request(url);
    for (let step = 0; step < 12; step += 1) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, this.#origin);
        if (next.href.startsWith(redirectUri)) return next;
        if (next.origin !== this.#origin) throw new Error(`redirected away to ${next.href}`);
        response = await this.request(next.href);
        continue;
      }
      const html = await response.text();
      const csrf = /name="csrf" value="([^"]*)"/.exec(html)?.[1];
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (response.status !== 200 || !csrf || !action)
        throw new Error(
          `authorization stopped at HTTP ${response.status}: ${html
            .replace(/<style>[\s\S]*<\/style>/, '')
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .slice(0, 400)}`,
        );
      if (html.includes('name="password"') && login) {
        response = await this.request(action, { form: { csrf, email: login.email, password: login.password } });
      } else if (html.includes('name="decision"')) {
        response = await this.request(action, { form: { csrf, decision: 'allow' } });
      } else {
        throw new Error(`no form to fill in: ${html.slice(0, 300)}`);
      }
    }
    throw new Error('too many steps');
  }
}

export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

/** POSTs a form with Basic client authentication and returns the JSON answer; throws unless 200. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  client: { clientId: string; clientSecret: string },
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(client.clientId, client.clientSecret) },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}
