import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueMail } from '../../src/domain/mail/outgoing-mail.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

describe('two nodes on one PostgreSQL deliver the outbox', { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let smtp: TestSmtp;
  let nodes: TestServer[];
  const count = 40;

  before(async () => {
    database = await createTestDatabase();
    smtp = await startTestSmtp();
    const env = { LATCHKEY_MAIL_SMTP_URL: smtp.url, LATCHKEY_SECRET: 'mail-multi-node-secret-mail-multi-node-secret-01' };
    // Small batches and fast polls, so that both workers claim from the same rows at the same time.
    const mailWorker = { pollIntervalMs: 10, batchSize: 3 };
    nodes = [
      await startTestServer({ databaseUrl: database.url, env, inProcess: true, logLevel: 'info', mailWorker }),
      await startTestServer({ databaseUrl: database.url, env, inProcess: true, logLevel: 'info', mailWorker }),
    ];
  });
  after(async () => {
    for (const node of nodes ?? []) await node.stop();
    await smtp?.stop();
    await database?.drop();
  });

  test(`${count} mails queued at once are each sent exactly once, by whichever node claimed them`, async () => {
    const { storage, clock } = nodes[0]!.server.runtime;
    const ids = await storage.transaction(async (tx) => {
      const queued: string[] = [];
      for (let index = 0; index < count; index += 1) {
        queued.push(
          await queueMail(
            tx.outbox,
            { to: `user-${index}@example.test`, template: 'password-changed', variables: { name: `User ${index}` }, organization: null },
            clock.now(),
          ),
        );
      }
      return queued;
    });
    await Promise.all(ids.map((_, index) => smtp.waitForMail((mail) => mail.to.includes(`user-${index}@example.test`), 20_000)));
    // Time for a second copy to arrive, if a worker were to send one.
    await new Promise((resolve) => setTimeout(resolve, 300));

    assert.equal(smtp.mails.length, count);
    const recipients = smtp.mails.flatMap((mail) => mail.to);
    assert.equal(new Set(recipients).size, count, 'no recipient got two copies');
    assert.equal((await storage.outbox.listPending(count)).length, 0);
    for (const id of ids) assert.ok((await storage.outbox.get(id))?.sentAt, id);

    const sentBy = nodes.map((node) =>
      node.logs
        .entries()
        .filter((line) => line.msg === 'mail sent')
        .map((line) => String(line.mailId)),
    );
    const all = sentBy.flat();
    assert.equal(all.length, count);
    assert.equal(new Set(all).size, count, 'no mail id was sent by two workers');
    assert.ok(
      sentBy.every((sent) => sent.length > 0),
      `both nodes took part: ${sentBy.map((sent) => sent.length).join(' + ')}`,
    );
  });
});
