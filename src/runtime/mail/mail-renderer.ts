import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { MailTemplateName, OutgoingMail } from '../../domain/mail/outgoing-mail.js';

/** The mail templates that ship with Latchkey (src/ui/templates/mail, copied to dist by the build). */
const defaultTemplates = fileURLToPath(new URL('../../ui/templates/', import.meta.url));

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * What every mail template gets as `it`: its own variables, the recipient, and `sender`, the name
 * the mail speaks for (the organization's, else `mail.serverName`).
 */
export type MailTemplateData<Template extends MailTemplateName = MailTemplateName> = OutgoingMail<Template>['variables'] & {
  to: string;
  sender: string;
};

/**
 * Renders a mail from `mail/<template>.txt.eta` (its first line is the subject, then a blank line,
 * then the text part) and `mail/<template>.html.eta` (the HTML body, auto-escaped), wrapped in
 * `mail/layout.html.eta`. Each file can be replaced on its own from `ui.templatesDir/mail/`, as the
 * hosted pages are.
 */
export class MailRenderer {
  readonly #builtIn: { html: Eta; text: Eta };
  readonly #custom: { html: Eta; text: Eta; dir: string } | undefined;
  readonly #serverName: string;

  constructor(options: { serverName: string; templatesDir?: string | undefined }) {
    this.#serverName = options.serverName;
    this.#builtIn = etas(defaultTemplates);
    this.#custom = options.templatesDir ? { ...etas(options.templatesDir), dir: options.templatesDir } : undefined;
  }

  render(mail: OutgoingMail): RenderedMail {
    const data = singleLine({ ...mail.variables, to: mail.to, sender: mail.organization ?? this.#serverName }) as MailTemplateData;
    const textFile = `mail/${mail.template}.txt.eta`;
    const [firstLine = '', ...rest] = this.#pick(textFile).text.render(textFile, data).split('\n');
    const subject = firstLine.replace(/^subject:\s*/i, '').trim();
    if (!subject) throw new Error(`${textFile} must start with the subject line`);
    const text = `${rest
      .join('\n')
      .replace(/^\s*\n/, '')
      .trimEnd()}\n`;
    const htmlFile = `mail/${mail.template}.html.eta`;
    const body = this.#pick(htmlFile).html.render(htmlFile, data);
    const layoutFile = 'mail/layout.html.eta';
    const html = this.#pick(layoutFile).html.render(layoutFile, { ...data, subject, body });
    return { subject, html, text };
  }

  #pick(file: string): { html: Eta; text: Eta } {
    return this.#custom && existsSync(join(this.#custom.dir, file)) ? this.#custom : this.#builtIn;
  }
}

function etas(views: string): { html: Eta; text: Eta } {
  return {
    html: new Eta({ views, autoEscape: true, cache: true }),
    // The text part is not HTML: nothing in it is escaped, and its line breaks stay as written.
    text: new Eta({ views, autoEscape: false, autoTrim: false, cache: true }),
  };
}

/** Values are single lines: a line break in a name must not end the subject line or add headers. */
function singleLine(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/[\r\n]+/g, ' ') : value]));
}
