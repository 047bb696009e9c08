import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionRecord, FederationStateRecord } from '../../src/ports/federation-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser, nextId } from './records.js';

const next = nextId;

/** Upstream connections, linked identities and the single-use states of a federated sign-in. */
export function federationContract(storageOf: () => Storage, now: () => number): void {
  const user = (storage: Storage) => insertUser(storage, now());
  async function org(storage: Storage): Promise<string> {
    const id = next('org');
    assert.equal(
      await storage.organizations.insert({ id, name: id.toLowerCase(), displayName: 'Org', requireMfa: false, createdAt: now(), updatedAt: now() }),
      true,
    );
    return id;
  }
  function connection(orgId: string | null, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
    return {
      id: next('con_'),
      orgId,
      name: next('corp-'),
      displayName: 'Corp SSO',
      issuer: 'https://idp.example.com',
      clientId: 'latchkey',
      clientSecretJwe: 'sealed',
      scopes: ['openid', 'email', 'profile'],
      claimMapping: { email: 'mail' },
      domains: ['corp.example'],
      trustUpstreamMfa: true,
      enabled: true,
      createdAt: now(),
      updatedAt: now(),
      ...overrides,
    };
  }

  test('connections: names are unique per scope (the server, each organization), and read back whole', async () => {
    const storage = storageOf();
    const orgA = await org(storage);
    const orgB = await org(storage);
    const server = connection(null, { name: 'shared-name' });
    assert.equal(await storage.connections.insert(server), true);
    assert.equal(await storage.connections.insert(connection(null, { name: 'shared-name' })), false, 'a second server connection of that name');
    assert.equal(await storage.connections.insert(connection(orgA, { name: 'shared-name' })), true, 'an organization may reuse the name');
    assert.equal(await storage.connections.insert(connection(orgB, { name: 'shared-name' })), true);
    assert.equal(await storage.connections.insert(connection(orgA, { name: 'shared-name' })), false);
    assert.deepEqual(await storage.connections.get(server.id), server);
    assert.deepEqual(await storage.connections.getByName(null, 'shared-name'), server);
    assert.equal((await storage.connections.getByName(orgA, 'shared-name'))?.orgId, orgA);
    assert.deepEqual(
      (await storage.connections.list(orgA)).map((listed) => listed.orgId),
      [orgA],
    );
  });

  test('connections: a sign-in sees the enabled ones of the server and of the organization it names', async () => {
    const storage = storageOf();
    const orgA = await org(storage);
    const orgB = await org(storage);
    const server = connection(null);
    const disabled = connection(null, { enabled: false });
    const ofA = connection(orgA);
    const ofB = connection(orgB);
    for (const record of [server, disabled, ofA, ofB]) assert.equal(await storage.connections.insert(record), true);
    const ids = async (orgId: string | null) => (await storage.connections.listEnabledFor(orgId)).map((listed) => listed.id);
    assert.ok((await ids(null)).includes(server.id));
    assert.ok(!(await ids(null)).includes(disabled.id));
    assert.ok(!(await ids(null)).includes(ofA.id));
    assert.ok((await ids(orgA)).includes(ofA.id) && (await ids(orgA)).includes(server.id));
    assert.ok(!(await ids(orgA)).includes(ofB.id));
  });

  test('connections: an update keeps the name unique; a delete takes the linked identities along', async () => {
    const storage = storageOf();
    const first = connection(null);
    const second = connection(null);
    await storage.connections.insert(first);
    await storage.connections.insert(second);
    assert.equal(await storage.connections.update({ ...second, name: first.name }), false);
    assert.equal((await storage.connections.get(second.id))?.name, second.name);
    assert.equal(await storage.connections.update({ ...second, displayName: 'Renamed', enabled: false, domains: [] }), true);
    const updated = await storage.connections.get(second.id);
    assert.equal(updated?.displayName, 'Renamed');
    assert.equal(updated?.enabled, false);

    const owner = await user(storage);
    await storage.linkedIdentities.insert({
      id: next('fid_'),
      connectionId: first.id,
      subject: 'sub-1',
      userId: owner.id,
      email: null,
      createdAt: now(),
      lastUsedAt: null,
    });
    assert.equal(await storage.connections.delete(first.id), true);
    assert.equal(await storage.connections.get(first.id), undefined);
    assert.deepEqual(await storage.linkedIdentities.listForUser(owner.id), []);
    assert.equal(await storage.connections.delete(first.id), false);
  });

  test('linked identities: one user per upstream subject; listed, touched and deleted only by their user', async () => {
    const storage = storageOf();
    const upstream = connection(null);
    await storage.connections.insert(upstream);
    const alice = await user(storage);
    const bob = await user(storage);
    const link = {
      id: next('fid_'),
      connectionId: upstream.id,
      subject: 'sub-a',
      userId: alice.id,
      email: 'a@corp.example',
      createdAt: now(),
      lastUsedAt: null,
    };
    assert.equal(await storage.linkedIdentities.insert(link), true);
    assert.equal(await storage.linkedIdentities.insert({ ...link, id: next('fid_'), userId: bob.id }), false, 'the same subject again');
    assert.deepEqual(await storage.linkedIdentities.find(upstream.id, 'sub-a'), link);
    assert.equal(await storage.linkedIdentities.find(upstream.id, 'sub-b'), undefined);
    await storage.linkedIdentities.touch(link.id, now() + 5);
    assert.equal((await storage.linkedIdentities.find(upstream.id, 'sub-a'))?.lastUsedAt, now() + 5);
    assert.deepEqual(
      (await storage.linkedIdentities.listForUser(alice.id)).map((listed) => listed.id),
      [link.id],
    );
    assert.equal(await storage.linkedIdentities.delete(link.id, bob.id), false, "not bob's to unlink");
    assert.equal(await storage.linkedIdentities.delete(link.id, alice.id), true);
    assert.equal(await storage.linkedIdentities.find(upstream.id, 'sub-a'), undefined);
  });

  test('federation states: consumed once, not after expiry, not for another purpose; swept', async () => {
    const storage = storageOf();
    const upstream = connection(null);
    await storage.connections.insert(upstream);
    const state = (overrides: Partial<FederationStateRecord> = {}): FederationStateRecord => ({
      stateHash: next('hash'),
      purpose: 'authorize',
      connectionId: upstream.id,
      interactionUid: 'uid-1',
      browserHash: 'browser',
      data: { verifier: 'v', nonce: 'n' },
      createdAt: now(),
      expiresAt: now() + 600_000,
      consumedAt: null,
      ...overrides,
    });
    const live = state();
    await storage.federationStates.insert(live);
    assert.deepEqual(await storage.federationStates.get(live.stateHash), live);
    assert.equal(await storage.federationStates.consume(live.stateHash, 'link', now()), undefined, 'another purpose');
    const [first, second] = await Promise.all([
      storage.federationStates.consume(live.stateHash, 'authorize', now()),
      storage.federationStates.consume(live.stateHash, 'authorize', now()),
    ]);
    assert.equal([first, second].filter(Boolean).length, 1, 'of two concurrent uses one wins');
    assert.deepEqual((first ?? second)?.data, live.data);

    const expired = state({ expiresAt: now() + 10 });
    await storage.federationStates.insert(expired);
    assert.equal(await storage.federationStates.consume(expired.stateHash, 'authorize', now() + 10), undefined);
    assert.ok((await storage.federationStates.deleteExpired(now() + 700_000, 100)) >= 2);
    assert.equal(await storage.federationStates.get(expired.stateHash), undefined);
  });
}
