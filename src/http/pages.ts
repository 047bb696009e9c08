import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { PageModel } from '../protocol/messages.js';
import type { LayoutView } from '../ui/views.js';

/** The templates and assets that ship with Latchkey (src/ui, copied to dist/ui by the build). */
const defaultTemplates = fileURLToPath(new URL('../ui/templates/', import.meta.url));
const defaultAssets = fileURLToPath(new URL('../ui/assets/', import.meta.url));

/** @simplewebauthn/browser's UMD bundle: copied next to the other assets by the build, else read from the package. */
function webauthnBrowserBundle(): string {
  const copied = `${defaultAssets}simplewebauthn-browser.js`;
  if (existsSync(copied)) return readFileSync(copied, 'utf8');
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

export interface RenderedPage {
  html: string;
  headers: Record<string, string>;
}

/**
 * Renders the hosted pages from Eta templates (auto-escaped), overridable one file at a time from
 * `ui.templatesDir`, with the headers RFC 9700 asks of pages that take credentials or consent.
 */
export class PageRenderer {
  readonly #builtIn: Eta;
  readonly #custom: Eta | undefined;
  readonly #customDir: string | undefined;
  readonly assetsPath: string;
  readonly stylesheet: string;
  /** The scripts of the pages that run a WebAuthn ceremony, by file name under the assets path. */
  readonly scripts: Readonly<Record<'passkeys.js' | 'simplewebauthn-browser.js', string>>;

  constructor(options: { assetsPath: string; templatesDir?: string }) {
    this.#builtIn = new Eta({ views: defaultTemplates, autoEscape: true, cache: true });
    this.#customDir = options.templatesDir;
    this.#custom = options.templatesDir ? new Eta({ views: options.templatesDir, autoEscape: true, cache: true }) : undefined;
    this.assetsPath = options.assetsPath;
    const customCss = options.templatesDir ? `${options.templatesDir}/latchkey.css` : undefined;
    this.stylesheet = readFileSync(customCss && existsSync(customCss) ? customCss : `${defaultAssets}latchkey.css`, 'utf8');
    this.scripts = { 'passkeys.js': readFileSync(`${defaultAssets}passkeys.js`, 'utf8'), 'simplewebauthn-browser.js': webauthnBrowserBundle() };
  }

  render(page: PageModel): RenderedPage {
    const nonce = randomBytes(16).toString('base64');
    // The page's view model (ui/views.ts, one per template), and what the layout needs.
    const data: PageModel['data'] & LayoutView = { ...page.data, nonce, assetsPath: this.assetsPath };
    const eta = this.#custom && this.#customDir && existsSync(`${this.#customDir}/${page.template}.eta`) ? this.#custom : this.#builtIn;
    const html = eta.render(page.template, data);
    // Scripts run only where a page needs them: the form_post response, and the pages that run a
    // passkey ceremony (our own files under the assets path, which fetch their options from us).
    const passkeys = page.data['passkeyScript'] === true;
    // The signed-out page frames the apps' front-channel logout URIs (Front-Channel Logout 1.0
    // §2): frame-src names exactly their origins, and its script continues once they loaded.
    const frameOrigins = page.template === 'logged-out' && Array.isArray(page.data['frameOrigins']) ? (page.data['frameOrigins'] as string[]) : [];
    const frames = frameOrigins.length > 0 ? `; frame-src ${frameOrigins.join(' ')}` : '';
    const scripts = passkeys
      ? `'self' 'nonce-${nonce}'; connect-src 'self'`
      : page.template === 'form-post' || frameOrigins.length > 0
        ? `'nonce-${nonce}'`
        : "'none'";
    return {
      html,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        pragma: 'no-cache',
        'content-security-policy': `default-src 'none'; style-src 'self'; img-src 'self' https: data:; script-src ${scripts}${frames}; frame-ancestors 'none'; base-uri 'none'`,
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      },
    };
  }
}
