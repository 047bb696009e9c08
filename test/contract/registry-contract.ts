import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSettings } from '../../src/domain/apps/app-settings.js';
import type { AppRecord, TrustedIssuerRecord } from '../../src/ports/app-repositories.js';
import type { PreAuthorizationRecord } from '../../src/ports/preauthorization-repository.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser } from './records.js';

let sequence = 0;
const next = (prefix: string) => `${prefix}_${++sequence}_${Math.random().toString(36).slice(2, 8)}`;

/** The registry half of the storage contract: users, orgs, invitations, APIs, apps, secrets, certificates, audit. */
export function registryContract(storageOf: () => Storage, now: () => number): void {
  const user = (storage: Storage, email = `${next('u')}@example.com`) => insertUser(storage, now(), { email });
  async function org(storage: Storage) {
    const record = { id: next('org'), name: next('name').toLowerCase(), displayName: 'Org', requireMfa: false, createdAt: now(), updatedAt: now() };
    assert.equal(await storage.organizations.insert(record), true);
    return record;
  }
  function app(orgId: string, overrides: Partial<AppRecord> = {}): AppRecord {
    return {
      clientId: next('client'),
      orgId,
      ownerUserId: null,
      name: 'App',
      description: '',
      type: 'web',
      visibility: 'private',
      status: 'active',
      settings: defaultSettings('web'),
      review: null,
      createdBy: 'test',
      createdAt: now(),
      updatedAt: now(),
      lastUsedAt: null,
      ...overrides,
    };
  }

  test('users: email is unique, lookups by id and email, update, search, delete', async () => {
    const storage = storageOf();
    const alice = await user(storage, `${next('alice')}@example.com`);
    assert.equal(await storage.users.insert({ ...alice, id: next('usr') }), false, 'a taken email is refused');
    assert.deepEqual(await storage.users.getByEmail(alice.email), alice);
    await storage.users.update({ ...alice, name: 'Alice Liddell', isAdmin: true });
    const updated = await storage.users.get(alice.id);
    assert.equal(updated?.name, 'Alice Liddell');
    assert.equal(updated?.isAdmin, true);
    const found = await storage.users.list({ search: 'LIDDELL', offset: 0, limit: 10 });
    assert.deepEqual(
      found.items.map((item) => item.id),
      [alice.id],
    );
    assert.equal(await storage.users.delete(alice.id), true);
    assert.equal(await storage.users.get(alice.id), undefined);
  });

  test('personal access tokens: by hash, revoke once, touch', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const token = {
      id: next('pat'),
      userId: owner.id,
      name: 't',
      tokenHash: next('hash'),
      scopes: ['apps:read'],
      createdAt: now(),
      expiresAt: now() + 1000,
      lastUsedAt: null,
      revokedAt: null,
    };
    await storage.personalAccessTokens.insert(token);
    assert.deepEqual(await storage.personalAccessTokens.getByHash(token.tokenHash), token);
    await storage.personalAccessTokens.touch(token.id, now() + 5);
    assert.equal((await storage.personalAccessTokens.getByHash(token.tokenHash))?.lastUsedAt, now() + 5);
    assert.equal(await storage.personalAccessTokens.revoke(token.id, 'someone-else', now()), false);
    assert.equal(await storage.personalAccessTokens.revoke(token.id, owner.id, now()), true);
    assert.equal(await storage.personalAccessTokens.revoke(token.id, owner.id, now()), false);
  });

  test('organizations: unique names, memberships with roles, owner count, list by member', async () => {
    const storage = storageOf();
    const first = await org(storage);
    assert.equal(await storage.organizations.insert({ ...first, id: next('org') }), false);
    const member = await user(storage);
    await storage.organizations.putMembership({ orgId: first.id, userId: member.id, role: 'owner', createdAt: now() });
    await storage.organizations.putMembership({ orgId: first.id, userId: member.id, role: 'viewer', createdAt: now() });
    assert.equal((await storage.organizations.getMembership(first.id, member.id))?.role, 'viewer');
    assert.equal(await storage.organizations.countOwners(first.id), 0);
    const mine = await storage.organizations.list({ memberUserId: member.id, offset: 0, limit: 10 });
    assert.deepEqual(
      mine.items.map((item) => item.id),
      [first.id],
    );
    assert.equal(await storage.organizations.deleteMembership(first.id, member.id), true);
    assert.equal((await storage.organizations.listMembershipsOfUser(member.id)).length, 0);
  });

  test('ten parallel acceptances of one invitation: exactly one wins; expired and revoked ones lose', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const invitation = {
      id: next('inv'),
      orgId: team.id,
      email: 'x@example.com',
      role: 'developer' as const,
      tokenHash: next('hash'),
      invitedBy: null,
      createdAt: now(),
      expiresAt: now() + 10_000,
      acceptedAt: null,
      acceptedBy: null,
      revokedAt: null,
    };
    await storage.organizations.insertInvitation(invitation);
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.organizations.acceptInvitation(invitation.id, 'u', now())));
    assert.equal(results.filter(Boolean).length, 1);

    const expired = { ...invitation, id: next('inv'), tokenHash: next('hash'), expiresAt: now() - 1 };
    await storage.organizations.insertInvitation(expired);
    assert.equal(await storage.organizations.acceptInvitation(expired.id, 'u', now()), false);
    const revoked = { ...invitation, id: next('inv'), tokenHash: next('hash') };
    await storage.organizations.insertInvitation(revoked);
    assert.equal(await storage.organizations.revokeInvitation(revoked.id, now()), true);
    assert.equal(await storage.organizations.acceptInvitation(revoked.id, 'u', now()), false);
    assert.equal((await storage.organizations.getInvitationByHash(revoked.tokenHash))?.revokedAt, now());
  });

  test('APIs: identifiers unique across the server; update keeps the identifier; list by org with search', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const identifier = `https://${next('api')}.example.com`;
    const api = {
      id: next('api'),
      orgId: team.id,
      identifier,
      name: 'Contacts',
      scopes: [{ name: 'read', description: 'Read' }],
      allowOfflineAccess: true,
      tokenFormat: 'jwt' as const,
      signingAlgorithm: 'ES256' as const,
      accessTokenTtlMinutes: 45,
      createdAt: now(),
      updatedAt: now(),
    };
    assert.equal(await storage.apis.insert(api), true);
    assert.equal(await storage.apis.insert({ ...api, id: next('api'), orgId: (await org(storage)).id }), false);
    assert.deepEqual(await storage.apis.getByIdentifier(identifier), api);
    await storage.apis.update({ ...api, name: 'Renamed', identifier: 'https://ignored.example.com' });
    assert.equal((await storage.apis.get(api.id))?.identifier, identifier);
    assert.deepEqual(
      (await storage.apis.list({ orgId: team.id, search: 'renam', offset: 0, limit: 5 })).items.map((item) => item.id),
      [api.id],
    );
    assert.equal(await storage.apis.delete(api.id), true);
  });

  test('apps: settings round-trip, list filters (kind, owner, status, search), delete with children', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const owner = await user(storage);
    const web = app(team.id, { name: 'Searchable Web' });
    const credential = app(team.id, { ownerUserId: owner.id, type: 'm2m', settings: defaultSettings('m2m'), name: 'Cred' });
    const draft = app(team.id, { status: 'draft', name: 'Draft one' });
    for (const record of [web, credential, draft]) await storage.apps.insert(record);
    assert.deepEqual(await storage.apps.get(web.clientId), web);
    const appsOnly = await storage.apps.list({ orgId: team.id, kind: 'apps', offset: 0, limit: 10 });
    assert.equal(appsOnly.total, 2);
    const credentials = await storage.apps.list({ orgId: team.id, kind: 'credentials', ownerUserId: owner.id, offset: 0, limit: 10 });
    assert.deepEqual(
      credentials.items.map((item) => item.clientId),
      [credential.clientId],
    );
    const drafts = await storage.apps.list({ orgId: team.id, kind: 'all', status: 'draft', offset: 0, limit: 10 });
    assert.deepEqual(
      drafts.items.map((item) => item.clientId),
      [draft.clientId],
    );
    const searched = await storage.apps.list({ orgId: team.id, kind: 'all', search: 'SEARCHABLE', offset: 0, limit: 10 });
    assert.deepEqual(
      searched.items.map((item) => item.clientId),
      [web.clientId],
    );
    const literal = await storage.apps.list({ orgId: team.id, kind: 'all', search: '%', offset: 0, limit: 10 });
    assert.equal(literal.total, 0, 'LIKE wildcards in a search are literal');

    await storage.apps.update({ ...web, status: 'disabled', settings: { ...web.settings, scopes: ['openid'] } });
    assert.equal((await storage.apps.get(web.clientId))?.status, 'disabled');
    await storage.apps.insertSecret({ id: next('sec'), clientId: web.clientId, hash: 'h', createdAt: now(), expiresAt: null });
    await storage.apps.insertCertificate({
      id: next('crt'),
      clientId: web.clientId,
      kind: 'jwk',
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x' },
      pem: null,
      fingerprint: 'f',
      alg: 'EdDSA',
      subject: null,
      notBefore: null,
      expiresAt: null,
      createdAt: now(),
    });
    assert.equal(await storage.apps.delete(web.clientId), true);
    assert.deepEqual(await storage.apps.listLiveSecrets(web.clientId, now()), []);
    assert.deepEqual(await storage.apps.listCertificates(web.clientId), []);
  });

  test('asset signing keys: one per app, replaced by a new one, gone with the app', async () => {
    const storage = storageOf();
    const record = app((await org(storage)).id);
    await storage.apps.insert(record);
    assert.equal(await storage.apps.getAssetSigningKey(record.clientId), undefined);
    const first = {
      clientId: record.clientId,
      certificatePem: '-----BEGIN CERTIFICATE-----\nfirst\n-----END CERTIFICATE-----',
      sealedPrivateKey: 'sealed-first',
      alg: 'ES256',
      fingerprint: 'f1',
      subject: 'CN=first',
      notBefore: now() - 1000,
      expiresAt: now() + 86_400_000,
      createdAt: now(),
    };
    await storage.apps.putAssetSigningKey(first);
    assert.deepEqual(await storage.apps.getAssetSigningKey(record.clientId), first);
    const second = { ...first, sealedPrivateKey: 'sealed-second', fingerprint: 'f2', subject: 'CN=second', createdAt: now() + 1 };
    await storage.apps.putAssetSigningKey(second);
    assert.deepEqual(await storage.apps.getAssetSigningKey(record.clientId), second);
    assert.equal(await storage.apps.deleteAssetSigningKey(record.clientId), true);
    assert.equal(await storage.apps.deleteAssetSigningKey(record.clientId), false);
    await storage.apps.putAssetSigningKey(first);
    assert.equal(await storage.apps.delete(record.clientId), true);
    assert.equal(await storage.apps.getAssetSigningKey(record.clientId), undefined);
  });

  test('secrets: live until they expire; expireSecrets never extends an earlier expiry', async () => {
    const storage = storageOf();
    const record = app((await org(storage)).id);
    await storage.apps.insert(record);
    const first = { id: next('sec'), clientId: record.clientId, hash: 'first', createdAt: now(), expiresAt: null };
    const second = { id: next('sec'), clientId: record.clientId, hash: 'second', createdAt: now() + 1, expiresAt: null };
    await storage.apps.insertSecret(first);
    await storage.apps.insertSecret(second);
    await storage.apps.expireSecrets(record.clientId, now() + 100, [second.id]);
    assert.deepEqual((await storage.apps.listLiveSecrets(record.clientId, now() + 99)).map((secret) => secret.hash).sort(), ['first', 'second']);
    assert.deepEqual(
      (await storage.apps.listLiveSecrets(record.clientId, now() + 100)).map((secret) => secret.hash),
      ['second'],
    );
    await storage.apps.expireSecrets(record.clientId, now() + 500, [second.id]);
    assert.equal((await storage.apps.listLiveSecrets(record.clientId, now() + 100)).length, 1, 'a later rotation does not revive it');
  });

  test('recordUses sets when an app and a secret last authenticated, never moving back, and app updates keep it', async () => {
    const storage = storageOf();
    const record = app((await org(storage)).id);
    await storage.apps.insert(record);
    const used = { id: next('sec'), clientId: record.clientId, hash: 'used', createdAt: now(), expiresAt: null };
    const idle = { id: next('sec'), clientId: record.clientId, hash: 'idle', createdAt: now() - 1, expiresAt: now() + 1000 };
    await storage.apps.insertSecret(used);
    await storage.apps.insertSecret(idle);
    assert.equal((await storage.apps.get(record.clientId))?.lastUsedAt, null, 'never used');

    await storage.transaction((tx) =>
      tx.apps.recordUses([
        { clientId: record.clientId, secretId: used.id, at: now() + 10 },
        { clientId: 'no-such-client', secretId: 'no-such-secret', at: now() + 10 },
      ]),
    );
    await storage.apps.recordUses([{ clientId: record.clientId, secretId: used.id, at: now() + 5 }]);
    const secrets = await storage.apps.listLiveSecrets(record.clientId, now());
    assert.deepEqual(
      secrets.map((secret) => [secret.hash, secret.lastUsedAt]),
      [
        ['used', now() + 10],
        ['idle', null],
      ],
    );
    assert.equal((await storage.apps.get(record.clientId))?.lastUsedAt, now() + 10, 'an earlier use does not move it back');

    const current = (await storage.apps.get(record.clientId))!;
    await storage.apps.update({ ...current, description: 'changed', lastUsedAt: null });
    assert.equal((await storage.apps.get(record.clientId))?.lastUsedAt, now() + 10, 'saving the app leaves it alone');
  });

  test('an app lock serializes read-then-write transactions on the app: ten parallel increments lose none', async () => {
    const storage = storageOf();
    const record = app((await org(storage)).id, { description: '0' });
    await storage.apps.insert(record);
    await Promise.all(
      Array.from({ length: 10 }, () =>
        storage.transaction(async (tx) => {
          assert.equal(await tx.apps.lock(record.clientId), true);
          const current = await tx.apps.get(record.clientId);
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx.apps.update({ ...current!, description: String(Number(current!.description) + 1) });
        }),
      ),
    );
    assert.equal((await storage.apps.get(record.clientId))?.description, '10');
    assert.equal(await storage.transaction((tx) => tx.apps.lock(next('no-such-client'))), false);
  });

  test('expireSecrets spares every secret it is told to', async () => {
    const storage = storageOf();
    const record = app((await org(storage)).id);
    await storage.apps.insert(record);
    const secrets = ['a', 'b', 'c'].map((hash, index) => ({ id: next('sec'), clientId: record.clientId, hash, createdAt: now() + index, expiresAt: null }));
    for (const secret of secrets) await storage.apps.insertSecret(secret);
    await storage.apps.expireSecrets(record.clientId, now(), [secrets[1]!.id, secrets[2]!.id]);
    assert.deepEqual(
      (await storage.apps.listLiveSecrets(record.clientId, now())).map((secret) => secret.hash),
      ['c', 'b'],
    );
  });

  test('audit: newest first, filtered by org, target, action and time', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const base = now();
    for (let index = 0; index < 5; index += 1) {
      await storage.audit.insert({
        id: `evt_${base + index}_${next('e')}`,
        orgId: team.id,
        actor: { type: 'user', id: 'u1', label: 'u1@example.com' },
        action: index % 2 === 0 ? 'app.updated' : 'app.created',
        targetType: 'app',
        targetId: index < 3 ? 'target-a' : 'target-b',
        changes: { index },
        requestId: null,
        createdAt: base + index,
      });
    }
    const all = await storage.audit.list({ orgId: team.id, offset: 0, limit: 10 });
    assert.deepEqual(
      all.items.map((event) => event.changes.index),
      [4, 3, 2, 1, 0],
    );
    assert.equal((await storage.audit.list({ orgId: team.id, targetId: 'target-a', offset: 0, limit: 10 })).total, 3);
    assert.equal((await storage.audit.list({ orgId: team.id, action: 'app.created', offset: 0, limit: 10 })).total, 2);
    const window = await storage.audit.list({ orgId: team.id, from: base + 1, to: base + 3, offset: 0, limit: 10 });
    assert.deepEqual(
      window.items.map((event) => event.changes.index),
      [3, 2, 1],
    );
    assert.equal(all.items[0]?.actor.label, 'u1@example.com');
  });

  test('audit: an actor keeps the app it acted through, the act chain and a credential owner; plain actors stay plain', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const through = {
      type: 'user' as const,
      id: 'u2',
      label: 'u2@example.com via Gateway',
      client: { id: 'gw', name: 'Gateway' },
      act: { sub: 'gw', act: { sub: 'edge' } },
    };
    const credential = { type: 'client' as const, id: 'cred', label: 'Script', ownerUserId: 'u3' };
    const plain = { type: 'operator' as const, id: null, label: 'operator (CLI)' };
    for (const [index, actor] of [through, credential, plain].entries()) {
      await storage.audit.insert({
        id: `evt_${now() + index}_${next('e')}`,
        orgId: team.id,
        actor,
        action: 'app.updated',
        targetType: 'app',
        targetId: `actor-${index}`,
        changes: {},
        requestId: null,
        createdAt: now() + index,
      });
    }
    const items = (await storage.audit.list({ orgId: team.id, offset: 0, limit: 10 })).items;
    assert.deepEqual(items.find((item) => item.targetId === 'actor-0')?.actor, through);
    assert.deepEqual(items.find((item) => item.targetId === 'actor-1')?.actor, credential);
    assert.deepEqual(items.find((item) => item.targetId === 'actor-2')?.actor, plain);
  });

  test('users: disabledAt round-trips and clears', async () => {
    const storage = storageOf();
    const someone = await user(storage);
    await storage.users.update({ ...someone, disabledAt: 1234 });
    assert.equal((await storage.users.get(someone.id))?.disabledAt, 1234);
    await storage.users.update({ ...someone, disabledAt: null });
    assert.equal((await storage.users.getByEmail(someone.email))?.disabledAt, null);
  });

  test('pre-authorizations: per app, oldest first, deleted one by one and with their app or user', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const owner = await user(storage);
    const target = app(team.id);
    const other = app(team.id);
    await storage.apps.insert(target);
    await storage.apps.insert(other);
    const record = (id: string, overrides: Partial<PreAuthorizationRecord> = {}): PreAuthorizationRecord => ({
      id,
      clientId: target.clientId,
      userId: owner.id,
      role: null,
      scopes: ['openid', 'read'],
      audiences: ['https://api.example.com'],
      authority: 'server',
      createdBy: 'root@example.com',
      createdAt: now(),
      ...overrides,
    });
    const first = record(next('pre'));
    const second = record(next('pre'), { userId: null, role: 'developer', authority: 'organization', createdAt: now() + 1 });
    await storage.preAuthorizations.insert(second);
    await storage.preAuthorizations.insert(first);
    await storage.preAuthorizations.insert(record(next('pre'), { clientId: other.clientId }));
    assert.deepEqual(await storage.preAuthorizations.listForApp(target.clientId), [first, second]);
    assert.equal(await storage.preAuthorizations.delete(other.clientId, first.id), false, "only the app's own");
    assert.equal(await storage.preAuthorizations.delete(target.clientId, second.id), true);
    assert.equal(await storage.preAuthorizations.delete(target.clientId, second.id), false);
    await storage.users.delete(owner.id);
    assert.deepEqual(await storage.preAuthorizations.listForApp(target.clientId), [], "a user's go with them");
    await storage.apps.delete(other.clientId);
    assert.deepEqual(await storage.preAuthorizations.listForApp(other.clientId), []);
  });

  test('trusted issuers: per app, oldest first, one per issuer, deleted one by one and with their app', async () => {
    const storage = storageOf();
    const team = await org(storage);
    const target = app(team.id);
    const other = app(team.id);
    await storage.apps.insert(target);
    await storage.apps.insert(other);
    const record = (id: string, overrides: Partial<TrustedIssuerRecord> = {}): TrustedIssuerRecord => ({
      id,
      clientId: target.clientId,
      issuer: 'https://partner.example.com',
      keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1', alg: 'EdDSA' }],
      subjects: ['alice@example.com'],
      allowAnySubject: false,
      scopes: ['openid', 'read'],
      expiresAt: null,
      createdBy: 'root@example.com',
      createdAt: now(),
      ...overrides,
    });
    const first = record(next('tis'));
    const second = record(next('tis'), { issuer: 'urn:example:partner', subjects: [], allowAnySubject: true, expiresAt: now() + 5000, createdAt: now() + 1 });
    await storage.apps.insertTrustedIssuer(second);
    await storage.apps.insertTrustedIssuer(first);
    await storage.apps.insertTrustedIssuer(record(next('tis'), { clientId: other.clientId }));
    await assert.rejects(storage.apps.insertTrustedIssuer(record(next('tis'))), 'one relationship per issuer and app');
    assert.deepEqual(await storage.apps.listTrustedIssuers(target.clientId), [first, second]);
    assert.equal(await storage.apps.deleteTrustedIssuer(other.clientId, first.id), false, "only the app's own");
    assert.equal(await storage.apps.deleteTrustedIssuer(target.clientId, second.id), true);
    assert.equal(await storage.apps.deleteTrustedIssuer(target.clientId, second.id), false);
    assert.deepEqual(await storage.apps.listTrustedIssuers(target.clientId), [first]);
    await storage.apps.delete(other.clientId);
    assert.deepEqual(await storage.apps.listTrustedIssuers(other.clientId), []);
  });
}
