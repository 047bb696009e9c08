import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { queueMail, type MailTemplateName, type OutgoingMail } from '../../src/domain/mail/outgoing-mail.js';
import type { OutboxEntry } from '../../src/ports/outbox.js';
import { startupBanner } from '../../src/runtime/server.js';
import { paths } from '../../src/contracts/paths.js';
import { FormBrowser, hiddenField, password } from '../support/oauth.js';
import { fakeClock } from '../support/protocol.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

// Characters that must be percent-encoded in the URL, and decoded again for AUTH.
const smtpPassword = 'smtp-pa55/w@rd:never-logged';
/** Short polls and backoff, so that retries take milliseconds. */
const fastWorker = { pollIntervalMs: 25, backoffBaseMs: 50, backoffMaxMs: 200 };

async function queue<Template extends MailTemplateName>(server: TestServer, mail: OutgoingMail<Template>): Promise<string> {
  const { storage, clock } = server.server.runtime;
  // As a request does it: the mail is queued in the transaction of the change that causes it.
  return storage.transaction((tx) => queueMail(tx.outbox, mail, clock.now()));
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sentEntry = (server: TestServer, id: string) =>
  until(`${id} to be marked sent`, async () => {
    const entry = await server.server.runtime.storage.outbox.get(id);
    return entry?.sentAt ? entry : undefined;
  });

const verifyEmail = (to: string, link: string, organization: string | null = null): OutgoingMail<'verify-email'> => ({
  to,
  template: 'verify-email',
  variables: { name: 'Ana', link, expiresInHours: 24 },
  organization,
});

describe('mail through a real SMTP server', () => {
  const templates = temporaryDirectory('latchkey-mail-templates-');
  let smtp: TestSmtp;
  let server: TestServer;

  before(async () => {
    smtp = await startTestSmtp({ auth: { user: 'latchkey', password: smtpPassword } });
    mkdirSync(join(templates.path, 'mail'));
    writeFileSync(
      join(templates.path, 'mail', 'password-changed.txt.eta'),
      'Subject: Custom notice from <%= it.sender %>\n\nCustom text for <%= it.name %>.\n',
    );
    const smtpUrlFile = join(templates.path, 'smtp-url');
    writeFileSync(smtpUrlFile, `${smtp.url}\n`);
    writeFileSync(join(templates.path, 'mail', 'password-changed.html.eta'), '<p class="custom">Custom HTML for <%= it.name %>.</p>\n');
    server = await startTestServer({
      inProcess: true,
      mailWorker: fastWorker,
      env: {
        // The URL holds the password: read from a file, as a secret would be.
        LATCHKEY_MAIL_SMTP_URL_FILE: smtpUrlFile,
        LATCHKEY_MAIL_FROM: 'Acme Login <login@acme.example.test>',
        LATCHKEY_MAIL_SERVER_NAME: 'Acme Login',
        LATCHKEY_UI_TEMPLATES_DIR: templates.path,
      },
    });
  });
  after(async () => {
    await server?.stop();
    await smtp?.stop();
    templates.remove();
  });

  test('a queued mail arrives with a text and an HTML part, the server name and the link, and is marked sent', async () => {
    const link = 'https://login.acme.example.test/account/verify-email?token=lk_verify_one';
    const id = await queue(server, verifyEmail('ana@example.test', link));
    const mail = await smtp.waitForMail((received) => received.to.includes('ana@example.test'));
    assert.equal(mail.from, '"Acme Login" <login@acme.example.test>');
    assert.equal(mail.subject, 'Confirm your email address for Acme Login');
    assert.deepEqual(mail.links, [link]);
    assert.match(mail.text, /Hello Ana,/);
    assert.ok(mail.text.includes(`\n${link}\n\n`), 'the link stands on a line of its own');
    assert.equal(mail.secure, false, 'no STARTTLS offered, none used');
    assert.match(mail.text, /24 hours/);
    assert.ok(mail.html.includes(`<a href="${link}">`), mail.html);
    assert.match(mail.html, /Acme Login/);
    const entry = await sentEntry(server, id);
    assert.equal(entry.attempts, 0);
  });

  test("a mail that speaks for an organization carries the organization's name instead of the server's", async () => {
    await queue(server, verifyEmail('org-member@example.test', 'https://login.acme.example.test/account/verify-email?token=lk_verify_org', 'Globex'));
    const mail = await smtp.waitForMail((received) => received.to.includes('org-member@example.test'));
    assert.equal(mail.subject, 'Confirm your email address for Globex');
    assert.match(mail.html, /Globex/);
    assert.doesNotMatch(mail.html + mail.text, /Acme Login/);
  });

  test('variables are escaped in the HTML part and left as they are in the text part', async () => {
    await queue(server, {
      to: 'escaped@example.test',
      template: 'email-changed',
      variables: { name: '<script>alert(1)</script>', newEmail: 'new&<b>@example.test' },
      organization: null,
    });
    const mail = await smtp.waitForMail((received) => received.to.includes('escaped@example.test'));
    assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), mail.html);
    assert.ok(!mail.html.includes('<script>'), mail.html);
    assert.ok(mail.text.includes('Hello <script>alert(1)</script>,'), mail.text);
  });

  test('every template renders, with its subject and the link it carries', async () => {
    const link = 'https://login.acme.example.test/account/x?token=lk_link';
    const mails: OutgoingMail[] = [
      { to: 'all-1@example.test', template: 'reset-password', variables: { name: 'Ana', link, expiresInMinutes: 30 }, organization: null },
      { to: 'all-2@example.test', template: 'account-locked', variables: { name: 'Ana', lockedMinutes: 15, resetLink: link }, organization: null },
      { to: 'all-3@example.test', template: 'account-created', variables: { name: 'Ana', link, expiresInHours: 24 }, organization: null },
      {
        to: 'all-4@example.test',
        template: 'invitation',
        variables: { organization: 'Globex', inviter: 'Bo', role: 'developer', link, expiresInDays: 7 },
        organization: 'Globex',
      },
    ];
    for (const mail of mails) await queue(server, mail);
    for (const mail of mails) {
      const received = await smtp.waitForMail((candidate) => candidate.to.includes(mail.to));
      assert.ok(received.subject.length > 0);
      assert.deepEqual(received.links, [link], mail.template);
      assert.ok(received.html.includes(`href="${link}"`), mail.template);
    }
  });

  test('a template replaced in ui.templatesDir is used, and the others stay built in', async () => {
    await queue(server, { to: 'custom@example.test', template: 'password-changed', variables: { name: 'Ana' }, organization: null });
    const mail = await smtp.waitForMail((received) => received.to.includes('custom@example.test'));
    assert.equal(mail.subject, 'Custom notice from Acme Login');
    assert.equal(mail.text.trim(), 'Custom text for Ana.');
    assert.match(mail.html, /<p class="custom">Custom HTML for Ana\.<\/p>/);
    // The built-in layout still wraps the replaced body.
    assert.match(mail.html, /This mail was sent to custom@example\.test by Acme Login/);
  });

  test('with the SMTP server down, queuing still succeeds; the entry is retried and arrives once the server is back', async () => {
    await smtp.stop();
    const link = 'https://login.acme.example.test/account/verify-email?token=lk_verify_retry';
    const id = await queue(server, verifyEmail('retry@example.test', link));
    const failed = await until('two failed tries', async () => {
      const entry = await server.server.runtime.storage.outbox.get(id);
      return entry && entry.attempts >= 2 ? entry : undefined;
    });
    assert.equal(failed.sentAt, null);
    assert.equal(failed.failedAt, null);
    assert.match(failed.lastError ?? '', /ECONNREFUSED|connect/i);
    const warnings = server.logs.entries().filter((entry) => entry.msg === 'mail delivery failed; will retry' && entry.mailId === id);
    assert.ok(warnings.length >= 2);
    assert.match(String(warnings[0]!.error), /ECONNREFUSED|connect/i);

    await smtp.restart();
    const mail = await smtp.waitForMail((received) => received.to.includes('retry@example.test'));
    assert.deepEqual(mail.links, [link]);
    await sentEntry(server, id);
    assert.equal(smtp.mails.filter((received) => received.to.includes('retry@example.test')).length, 1);
  });

  test('a request that sends mail while the SMTP server is down still answers, and the mail arrives once it is back', async () => {
    await server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'forgetful@example.test', password, emailVerified: true });
    await smtp.stop();
    const browser = new FormBrowser(server.issuer, server.fetch);
    const form = await (await browser.get(`${server.issuer}${paths.forgotPassword}`)).text();
    const asked = await browser.post(`${server.issuer}${paths.forgotPassword}`, { csrf: hiddenField(form, 'csrf')!, email: 'forgetful@example.test' });
    assert.equal(asked.status, 200, 'the request does not wait for SMTP');
    assert.match(await asked.text(), /Check your mail/);
    await until('a failed try', async () => {
      const [entry] = (await server.server.runtime.storage.outbox.listRecent(50)).filter((candidate) =>
        JSON.stringify(candidate.payload).includes('forgetful@'),
      );
      return entry && entry.attempts >= 1 ? entry : undefined;
    });

    await smtp.restart();
    const link = await smtp.mailedLink('forgetful@example.test', paths.resetPassword);
    assert.match(link, /\/account\/reset-password\?token=/);
  });

  test('no log line holds the SMTP password, a link sent by SMTP, or a mail body', () => {
    assert.ok(server.logs.lines.length > 0);
    assert.ok(!server.logs.text.includes(smtpPassword) && !server.logs.text.includes(encodeURIComponent(smtpPassword)));
    assert.doesNotMatch(server.logs.text, /lk_verify_|lk_link/);
    assert.doesNotMatch(server.logs.text, /Hello Ana/);
    assert.ok(server.logs.entries().some((entry) => entry.msg === 'mail sent'));
  });

  test('the start banner names the SMTP server without its credentials', () => {
    const banner = startupBanner(server.server);
    assert.match(banner, new RegExp(`Mail: +smtp://127\\.0\\.0\\.1:${smtp.port}\\n`));
    assert.ok(!banner.includes(smtpPassword) && !banner.includes(encodeURIComponent(smtpPassword)));
  });
});

describe('mail over TLS', () => {
  for (const tls of ['starttls', 'implicit'] as const) {
    test(`${tls === 'starttls' ? 'smtp:// upgrades with STARTTLS when the server offers it' : 'smtps:// speaks TLS from the start'}`, async () => {
      const smtp = await startTestSmtp({ tls, auth: { user: 'latchkey', password: smtpPassword } });
      const server = await startTestServer({ inProcess: true, mailWorker: fastWorker, env: { LATCHKEY_MAIL_SMTP_URL: smtp.url } });
      try {
        await queue(server, verifyEmail(`${tls}@example.test`, 'https://login.example.test/v?token=lk_tls'));
        const mail = await smtp.waitForMail((received) => received.to.includes(`${tls}@example.test`));
        assert.equal(mail.secure, true);
      } finally {
        await server.stop();
        await smtp.stop();
      }
    });
  }

  test("a wrong SMTP password fails the delivery with the server's answer, and the password reaches no log", async () => {
    const smtp = await startTestSmtp({ auth: { user: 'latchkey', password: 'the-right-one' } });
    const wrongUrl = `smtp://latchkey:${encodeURIComponent(smtpPassword)}@127.0.0.1:${smtp.port}`;
    const server = await startTestServer({ inProcess: true, mailWorker: fastWorker, env: { LATCHKEY_MAIL_SMTP_URL: wrongUrl } });
    try {
      const id = await queue(server, verifyEmail('wrong-password@example.test', 'https://login.example.test/v?token=lk_wrong'));
      const entry = await until('a failed try', async () => {
        const found = await server.server.runtime.storage.outbox.get(id);
        return found && found.attempts >= 1 ? found : undefined;
      });
      assert.match(entry.lastError ?? '', /535|Invalid/i);
      assert.ok(!String(entry.lastError).includes(smtpPassword));
      assert.ok(!server.logs.text.includes(smtpPassword) && !server.logs.text.includes(encodeURIComponent(smtpPassword)));
      assert.equal(smtp.mails.length, 0);
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });
});

describe('mail retries and restarts', () => {
  test('an entry is given up after the last try, kept with its error, and logged without its content', async () => {
    const smtp = await startTestSmtp();
    await smtp.stop();
    const server = await startTestServer({ inProcess: true, mailWorker: { ...fastWorker, maxAttempts: 3 }, env: { LATCHKEY_MAIL_SMTP_URL: smtp.url } });
    try {
      const id = await queue(server, verifyEmail('gone@example.test', 'https://login.example.test/v?token=lk_given_up'));
      const entry = await until('the entry to be given up', async () => {
        const found = await server.server.runtime.storage.outbox.get(id);
        return found?.failedAt ? found : undefined;
      });
      assert.equal(entry.attempts, 3);
      assert.equal(entry.sentAt, null);
      assert.ok(entry.lastError);
      assert.equal((await server.server.runtime.storage.outbox.listPending(10)).length, 0);
      assert.ok(server.logs.entries().some((line) => line.msg === 'mail given up after too many failed tries' && line.mailId === id));
      assert.doesNotMatch(server.logs.text, /lk_given_up|gone@example\.test/);
    } finally {
      await server.stop();
    }
  });

  test('a recipient the SMTP server refuses for good is given up at once; others still arrive', async () => {
    const smtp = await startTestSmtp({ refuse: ['nobody@example.test'] });
    const server = await startTestServer({ inProcess: true, mailWorker: fastWorker, env: { LATCHKEY_MAIL_SMTP_URL: smtp.url } });
    try {
      const refused = await queue(server, verifyEmail('nobody@example.test', 'https://login.example.test/v?token=lk_refused'));
      await queue(server, verifyEmail('somebody@example.test', 'https://login.example.test/v?token=lk_accepted'));
      await smtp.waitForMail((received) => received.to.includes('somebody@example.test'));
      const entry = await until('the refused entry to be given up', async () => {
        const found = await server.server.runtime.storage.outbox.get(refused);
        return found?.failedAt ? found : undefined;
      });
      assert.equal(entry.attempts, 1);
      assert.match(entry.lastError ?? '', /550/);
      assert.ok(server.logs.entries().some((line) => line.msg === 'mail given up: it cannot be delivered' && line.mailId === refused));
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });

  test('a mail queued before a runtime closes is sent by the next runtime on the same database', async () => {
    const smtp = await startTestSmtp();
    const dir = temporaryDirectory();
    try {
      const env = { LATCHKEY_MAIL_SMTP_URL: smtp.url };
      // This node would poll only after an hour: it closes with the mail still queued.
      const first = await startTestServer({ dir: dir.path, inProcess: true, env, mailWorker: { pollIntervalMs: 3_600_000 } });
      const id = await queue(first, verifyEmail('restart@example.test', 'https://login.example.test/v?token=lk_restart'));
      await first.stop();
      assert.equal(smtp.mails.length, 0);

      const second = await startTestServer({ dir: dir.path, inProcess: true, env, mailWorker: fastWorker });
      try {
        const mail = await smtp.waitForMail((received) => received.to.includes('restart@example.test'));
        assert.deepEqual(mail.links, ['https://login.example.test/v?token=lk_restart']);
        await sentEntry(second, id);
      } finally {
        await second.stop();
      }
    } finally {
      await smtp.stop();
      dir.remove();
    }
  });

  test('an account change wakes the worker at once, without waiting for the next poll', async () => {
    const smtp = await startTestSmtp();
    const server = await startTestServer({ inProcess: true, env: { LATCHKEY_MAIL_SMTP_URL: smtp.url }, mailWorker: { pollIntervalMs: 3_600_000 } });
    try {
      await queue(server, verifyEmail('woken@example.test', 'https://login.example.test/v?token=lk_woken'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(smtp.mails.length, 0, 'no poll within the hour');
      await server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'someone@example.test', password });
      await smtp.waitForMail((received) => received.to.includes('woken@example.test'), 5000);
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });

  test('finished entries are deleted seven days after they finished, not before', async () => {
    const smtp = await startTestSmtp();
    const clock = fakeClock(Date.now());
    const server = await startTestServer({
      inProcess: true,
      clock,
      mailWorker: { ...fastWorker, cleanupIntervalMs: 0 },
      env: { LATCHKEY_MAIL_SMTP_URL: smtp.url },
    });
    try {
      const { outbox } = server.server.runtime.storage;
      const id = await queue(server, verifyEmail('old@example.test', 'https://login.example.test/v?token=lk_old'));
      await sentEntry(server, id);
      clock.advance(7 * 24 * 3_600_000 - 60_000);
      await server.server.mail.worker.runOnce();
      assert.ok(await outbox.get(id), 'kept for seven days');
      clock.advance(120_000);
      await server.server.mail.worker.runOnce();
      assert.equal(await outbox.get(id), undefined);
    } finally {
      await server.stop();
      await smtp.stop();
    }
  });
});

describe('mail without SMTP (development mode)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ inProcess: true, mailWorker: fastWorker });
  });
  after(() => server?.stop());

  test('each mail is written to the log with its recipient, subject and link, and counts as sent', async () => {
    const link = 'https://login.example.test/account/reset-password?token=lk_dev_link';
    const id: string = await queue(server, {
      to: 'dev@example.test',
      template: 'reset-password',
      variables: { name: 'Dev', link, expiresInMinutes: 30 },
      organization: null,
    });
    const entry: OutboxEntry = await sentEntry(server, id);
    assert.equal(entry.attempts, 0);
    const line = server.logs.entries().find((logged) => logged.msg === 'mail not sent (development): written to the log');
    assert.ok(line, server.logs.text);
    assert.equal(line.level, 'info');
    assert.deepEqual(line.mail, { to: 'dev@example.test', subject: 'Reset your Latchkey password', links: [link] });
    assert.doesNotMatch(server.logs.text, /choose a new password/, 'the body is not logged');
  });

  test('the start banner and a warning say that mail is only logged', () => {
    assert.match(startupBanner(server.server), /Mail: +development mode: mails are written to the log, not sent/);
    assert.ok(server.logs.entries().some((line) => line.level === 'warn' && String(line.msg).includes('mail.smtpUrl is unset')));
  });
});
