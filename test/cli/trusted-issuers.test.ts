import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

const secret = 'trust-cli-secret-trust-cli-secret-012345';

describe('apps trust-issuer, trusted-issuers and remove-trusted-issuer', () => {
  const dir = temporaryDirectory('latchkey-cli-trust-');
  after(() => dir.remove());
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env: { LATCHKEY_SECRET: secret } });

  test('trusts an issuer from a JWKS file, lists it, refuses a private key, removes it', async () => {
    const created = await cli(
      'apps',
      'create',
      '--type',
      'web',
      '--name',
      'Partner sync',
      '--redirect-uri',
      'https://sync.example.com/cb',
      '--grant-type',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      '--scope',
      'openid email',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const { clientId } = JSON.parse(created.stdout) as { clientId: string };
    const pair = await generateKeyPair('ES256', { extractable: true });
    const publicFile = join(dir.path, 'partner-jwks.json');
    const privateFile = join(dir.path, 'partner-private.json');
    writeFileSync(publicFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'p1' }] }));
    writeFileSync(privateFile, JSON.stringify(await exportJWK(pair.privateKey)));

    const empty = await cli('apps', 'trusted-issuers', clientId);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /trusts no external issuer/);

    const made = await cli(
      'apps',
      'trust-issuer',
      clientId,
      '--iss',
      'https://partner.example.com',
      '--keys-file',
      publicFile,
      '--subject',
      'alice@example.com',
      '--scope',
      'openid,email',
    );
    assert.equal(made.code, 0, made.stderr);
    const id = /\((tis_\S+)\)/.exec(made.stdout)?.[1];
    assert.ok(id, made.stdout);
    assert.match(made.stdout, /Trusted https:\/\/partner\.example\.com for alice@example\.com, scopes openid email/);

    const listed = await cli('apps', 'trusted-issuers', clientId);
    assert.match(listed.stdout, new RegExp(`${id}\\s+https://partner\\.example\\.com\\s+p1 \\(ES256\\)\\s+alice@example\\.com\\s+openid email\\s+never`));

    const refused = await cli(
      'apps',
      'trust-issuer',
      clientId,
      '--iss',
      'https://other.example.com',
      '--keys-file',
      privateFile,
      '--any-subject',
      '--scope',
      'openid',
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /keys: the JWK holds private key material/);
    const neither = await cli('apps', 'trust-issuer', clientId, '--iss', 'https://other.example.com', '--keys-file', publicFile, '--scope', 'openid');
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /--subject, or pass --any-subject/);

    const removed = await cli('apps', 'remove-trusted-issuer', clientId, id);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match((await cli('apps', 'trusted-issuers', clientId)).stdout, /trusts no external issuer/);
  });
});
