import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { PageModel } from '../protocol/messages.js';
import type { LayoutView } from '../ui/views.js';

/** The templates and assets that ship with Latchkey (src/ui, copied to dist/ui by the build). */
const defaultTemplates = fileURLToPath(new URL('../ui/templates/', import.meta.url));
const defaultAssets = fileURLToPath(new URL('../ui/assets/', import.meta.url));

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

  constructor(options: { assetsPath: string; templatesDir?: string }) {
    this.#builtIn = new Eta({ views: defaultTemplates, autoEscape: true, cache: true });
    this.#customDir = options.templatesDir;
    this.#custom = options.templatesDir ? new Eta({ views: options.templatesDir, autoEscape: true, cache: true }) : undefined;
    this.assetsPath = options.assetsPath;
    const customCss = options.templatesDir ? `${options.templatesDir}/latchkey.css` : undefined;
    this.stylesheet = readFileSync(customCss && existsSync(customCss) ? customCss : `${defaultAssets}latchkey.css`, 'utf8');
  }

  render(page: PageModel): RenderedPage {
    const nonce = randomBytes(16).toString('base64');
    // The page's view model (ui/views.ts, one per template), and what the layout needs.
    const data: PageModel['data'] & LayoutView = { ...page.data, nonce, assetsPath: this.assetsPath };
    const eta = this.#custom && this.#customDir && existsSync(`${this.#customDir}/${page.template}.eta`) ? this.#custom : this.#builtIn;
    const html = eta.render(page.template, data);
    const scripts = page.template === 'form-post' ? `'nonce-${nonce}'` : "'none'";
    return {
      html,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        pragma: 'no-cache',
        'content-security-policy': `default-src 'none'; style-src 'self'; img-src 'self' https: data:; script-src ${scripts}; frame-ancestors 'none'; base-uri 'none'`,
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      },
    };
  }
}
