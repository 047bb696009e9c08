import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceCodeRecord, GrantRecord, InteractionRecord } from '../../src/ports/oauth-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser, nextId } from './records.js';

const next = nextId;

/** The OAuth half of the storage contract: the atomic steps the protocol's security rests on. */
export function oauthContract(storageOf: () => Storage, now: () => number): void {
  const userId = async (storage: Storage) => (await insertUser(storage, now())).id;

  async function grant(storage: Storage, overrides: Partial<GrantRecord> = {}): Promise<GrantRecord> {
    const record: GrantRecord = {
      id: next('grant'),
      clientId: 'client',
      userId: 'user',
      orgId: null,
      scope: ['openid', 'offline_access'],
      audiences: ['https://api.example.com'],
      sessionSid: 'sid',
      authTime: now(),
      amr: ['pwd'],
      nonce: 'n',
      redirectUri: 'https://app.example.com/cb',
      codeHash: next('code'),
      codeChallenge: 'challenge',
      codeExpiresAt: now() + 60_000,
      codeConsumedAt: null,
      refreshHash: null,
      refreshPreviousHash: null,
      refreshGeneration: 0,
      refreshRotatedAt: null,
      refreshExpiresAt: null,
      createdAt: now(),
      expiresAt: now() + 60_000,
      revokedAt: null,
      dpopJkt: null,
      claims: null,
      ...overrides,
    };
    await storage.grants.insert(record);
    return record;
  }

  test('grants round-trip and are found by code hash', async () => {
    const storage = storageOf();
    const record = await grant(storage);
    assert.deepEqual(await storage.grants.get(record.id), record);
    assert.deepEqual(await storage.grants.getByCodeHash(record.codeHash!), record);
  });

  test('a grant is read together with whether one of its JWT access tokens was revoked', async () => {
    const storage = storageOf();
    const record = await grant(storage);
    const revokedJti = next('jti');
    await storage.revokedJtis.add(revokedJti, now() + 1000);
    assert.deepEqual(await storage.grants.getWithJtiStatus(record.id, next('jti')), { grant: record, jtiRevoked: false });
    assert.deepEqual(await storage.grants.getWithJtiStatus(record.id, revokedJti), { grant: record, jtiRevoked: true });
    assert.equal(await storage.grants.getWithJtiStatus(next('grant'), revokedJti), undefined);
  });

  test('concurrent inserts and reads of grants, jti statuses, tokens and sessions each get their own answer', async () => {
    const storage = storageOf();
    const grants = await Promise.all(Array.from({ length: 6 }, () => grant(storage)));
    const revokedJti = next('jti');
    await storage.revokedJtis.add(revokedJti, now() + 1000);
    const token = {
      tokenHash: next('hash'),
      grantId: grants[0]!.id,
      clientId: 'client',
      subject: 'user',
      payload: { scope: 'openid' },
      issuedAt: now(),
      expiresAt: now() + 1000,
      revokedAt: null,
    };
    await storage.accessTokens.insert(token);
    const session = {
      idHash: next('session'),
      sid: next('sid'),
      userId: await userId(storage),
      authTime: now(),
      amr: ['pwd'],
      createdAt: now(),
      expiresAt: now() + 1000,
      lastSeenAt: now(),
      ip: null,
      userAgent: null,
    };
    await storage.sessions.insert(session);
    const [byId, statuses, tokens, byCode, sessions] = await Promise.all([
      Promise.all([...grants.map((record) => storage.grants.get(record.id)), storage.grants.get('no-such-grant')]),
      Promise.all(grants.map((record, index) => storage.grants.getWithJtiStatus(record.id, index % 2 === 0 ? revokedJti : next('jti')))),
      Promise.all([storage.accessTokens.get(token.tokenHash), storage.accessTokens.get(token.tokenHash), storage.accessTokens.get('no-such-hash')]),
      Promise.all([...grants.map((record) => storage.grants.getByCodeHash(record.codeHash!)), storage.grants.getByCodeHash('no-such-code')]),
      Promise.all([storage.sessions.getByHash(session.idHash), storage.sessions.getByHash('no-such-session')]),
    ]);
    assert.deepEqual(byId, [...grants, undefined]);
    assert.deepEqual(
      statuses,
      grants.map((record, index) => ({ grant: record, jtiRevoked: index % 2 === 0 })),
    );
    assert.deepEqual(tokens, [token, token, undefined]);
    assert.deepEqual(byCode, [...grants, undefined]);
    assert.deepEqual(sessions, [session, undefined]);
  });

  test('grants inserted together: a duplicate id fails alone, the others are stored', async () => {
    const storage = storageOf();
    const first = await grant(storage);
    const others = Array.from({ length: 3 }, () => ({ ...first, id: next('grant'), codeHash: next('code') }));
    const results = await Promise.allSettled([
      storage.grants.insert({ ...first, codeHash: next('code') }),
      ...others.map((record) => storage.grants.insert(record)),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    for (const record of others) assert.deepEqual(await storage.grants.get(record.id), record);
  });

  test('twenty parallel code redemptions: exactly one wins', async () => {
    const storage = storageOf();
    const record = await grant(storage);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => storage.grants.redeemCode(record.id, now(), { hash: `rt-${index}`, expiresAt: now() + 1000 }, now() + 1000)),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const stored = await storage.grants.get(record.id);
    assert.equal(stored?.codeConsumedAt, now());
    assert.equal(stored?.refreshHash, `rt-${results.indexOf(true)}`);
  });

  test('a grant keeps the DPoP key its code is bound to, and redemption binds it anew or unbinds it (RFC 9449 §5, §10)', async () => {
    const storage = storageOf();
    const bound = await grant(storage, { dpopJkt: 'code-jkt' });
    assert.equal((await storage.grants.getByCodeHash(bound.codeHash!))?.dpopJkt, 'code-jkt');
    assert.equal(await storage.grants.redeemCode(bound.id, now(), { hash: 'rt', expiresAt: now() + 1000 }, now() + 1000, 'refresh-jkt'), true);
    assert.equal((await storage.grants.get(bound.id))?.dpopJkt, 'refresh-jkt');
    const unbound = await grant(storage, { dpopJkt: 'code-jkt' });
    assert.equal(await storage.grants.redeemCode(unbound.id, now(), null, now() + 1000), true);
    assert.equal((await storage.grants.get(unbound.id))?.dpopJkt, null);
  });

  test('a grant keeps the claims parameter of its request through redemption and rotation (OIDC Core §5.5, §12.2)', async () => {
    const storage = storageOf();
    const claims = { id_token: { email: { essential: true }, acr: { values: ['urn:latchkey:acr:mfa'] } }, userinfo: { name: null } };
    const record = await grant(storage, { claims });
    assert.deepEqual((await storage.grants.getByCodeHash(record.codeHash!))?.claims, claims);
    assert.equal(await storage.grants.redeemCode(record.id, now(), { hash: 'rt-1', expiresAt: now() + 1000 }, now() + 1000), true);
    assert.equal(await storage.grants.rotateRefresh(record.id, 'rt-1', { hash: 'rt-2', expiresAt: now() + 1000 }, now(), now() + 1000), true);
    assert.deepEqual((await storage.grants.get(record.id))?.claims, claims);
    assert.equal((await storage.grants.get((await grant(storage)).id))?.claims, null);
  });

  test('a revoked grant can not be redeemed', async () => {
    const storage = storageOf();
    const record = await grant(storage);
    assert.equal(await storage.grants.revoke(record.id, now()), true);
    assert.equal(await storage.grants.revoke(record.id, now()), false, 'revoking twice reports it');
    assert.equal(await storage.grants.redeemCode(record.id, now(), null, now()), false);
  });

  test('twenty parallel refresh rotations from one token: exactly one succeeds, the generation grows by one', async () => {
    const storage = storageOf();
    const record = await grant(storage, { refreshHash: 'current', codeConsumedAt: now() });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        storage.grants.rotateRefresh(record.id, 'current', { hash: `next-${index}`, expiresAt: now() + 5000 }, now(), now() + 5000),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const stored = await storage.grants.get(record.id);
    assert.equal(stored?.refreshGeneration, 1);
    assert.equal(stored?.refreshPreviousHash, 'current');
    assert.equal(stored?.refreshHash, `next-${results.indexOf(true)}`);
    assert.equal(await storage.grants.rotateRefresh(record.id, 'current', { hash: 'late', expiresAt: 0 }, now(), 0), false, 'the old hash no longer matches');
  });

  test('a revoked family does not rotate', async () => {
    const storage = storageOf();
    const record = await grant(storage, { refreshHash: 'current' });
    await storage.grants.revoke(record.id, now());
    assert.equal(await storage.grants.rotateRefresh(record.id, 'current', { hash: 'x', expiresAt: 0 }, now(), 0), false);
  });

  test("revoking a user's grants to a client leaves other clients alone", async () => {
    const storage = storageOf();
    const user = next('u');
    const a = await grant(storage, { userId: user, clientId: 'client-a' });
    const b = await grant(storage, { userId: user, clientId: 'client-b' });
    assert.equal(await storage.grants.revokeForUserAndClient(user, 'client-a', now()), 1);
    assert.notEqual((await storage.grants.get(a.id))?.revokedAt, null);
    assert.equal((await storage.grants.get(b.id))?.revokedAt, null);
  });

  test("revoking a user's online grants leaves offline_access grants and other users alone", async () => {
    const storage = storageOf();
    const user = next('u');
    const online = await grant(storage, { userId: user, scope: ['openid', 'email'] });
    const lookalike = await grant(storage, { userId: user, scope: ['openid', 'offline_access:extra'] });
    const offline = await grant(storage, { userId: user, scope: ['openid', 'offline_access', 'email'] });
    const other = await grant(storage, { userId: next('u'), scope: ['openid'] });
    assert.equal(await storage.grants.revokeOnlineForUser(user, now()), 2);
    assert.notEqual((await storage.grants.get(online.id))?.revokedAt, null);
    assert.notEqual((await storage.grants.get(lookalike.id))?.revokedAt, null, 'only the exact scope offline_access counts');
    assert.equal((await storage.grants.get(offline.id))?.revokedAt, null);
    assert.equal((await storage.grants.get(other.id))?.revokedAt, null);
    assert.equal(await storage.grants.revokeOnlineForUser(user, now()), 0, 'revoked grants are not counted again');
  });

  test('the sweeper deletes only what has expired', async () => {
    const storage = storageOf();
    const expired = await grant(storage, { expiresAt: now() - 1 });
    const live = await grant(storage);
    assert.ok((await storage.grants.deleteExpired(now(), 1000)) >= 1);
    assert.equal(await storage.grants.get(expired.id), undefined);
    assert.ok(await storage.grants.get(live.id));
  });

  function interaction(overrides: Partial<InteractionRecord> = {}): InteractionRecord {
    return {
      uid: next('uid'),
      flow: 'authorization',
      clientId: 'c',
      request: { a: 1 },
      deviceCodeHash: null,
      browserHash: 'b',
      step: 'login_pending',
      login: null,
      consent: null,
      error: null,
      createdAt: now(),
      expiresAt: now() + 1000,
      completedAt: null,
      ...overrides,
    };
  }

  test('interactions finish once, and not after they expire', async () => {
    const storage = storageOf();
    const record = interaction();
    await storage.interactions.insert(record);
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.interactions.advance(record.uid, 'login_pending', { step: 'done' }, now())));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await storage.interactions.get(record.uid))?.completedAt, now());
    const old = interaction({ expiresAt: now() - 1 });
    await storage.interactions.insert(old);
    assert.equal(await storage.interactions.advance(old.uid, 'login_pending', { step: 'failed', error: 'access_denied' }, now()), false);
  });

  test('an interaction records who signed in, how and when, and what they consented to', async () => {
    const storage = storageOf();
    const record = interaction();
    await storage.interactions.insert(record);
    assert.deepEqual(await storage.interactions.get(record.uid), record);
    const login = { userId: 'usr_1', amr: ['pwd', 'otp'], authTime: now() - 5, acr: 'urn:example:loa:2' };
    assert.equal(await storage.interactions.advance(record.uid, 'login_pending', { step: 'consent_pending', login }, now()), true);
    assert.deepEqual(await storage.interactions.get(record.uid), { ...record, step: 'consent_pending', login });
    assert.equal(
      await storage.interactions.advance(record.uid, 'consent_pending', { step: 'done', consent: ['openid', 'aud:https://api.example.com'] }, now()),
      true,
    );
    assert.deepEqual(await storage.interactions.get(record.uid), {
      ...record,
      step: 'done',
      login,
      consent: ['openid', 'aud:https://api.example.com'],
      completedAt: now(),
    });
  });

  test('an interaction moves on only from the step it is at; a pending step leaves it open', async () => {
    const storage = storageOf();
    const record = interaction({ step: 'consent_pending', login: { userId: 'usr_2', amr: ['pwd'], authTime: now(), acr: null } });
    await storage.interactions.insert(record);
    assert.equal(await storage.interactions.advance(record.uid, 'login_pending', { step: 'done' }, now()), false);
    assert.equal(await storage.interactions.advance(record.uid, 'consent_pending', { step: 'login_pending', login: null }, now()), true);
    const back = await storage.interactions.get(record.uid);
    assert.equal(back?.step, 'login_pending');
    assert.equal(back?.login, null);
    assert.equal(back?.completedAt, null);
    assert.equal(await storage.interactions.advance(record.uid, 'login_pending', { step: 'failed', error: 'access_denied' }, now()), true);
    const failed = await storage.interactions.get(record.uid);
    assert.equal(failed?.error, 'access_denied');
    assert.equal(failed?.completedAt, now());
    assert.equal(await storage.interactions.advance(record.uid, 'failed', { step: 'done' }, now()), false, 'a finished interaction stays finished');
    assert.equal(await storage.interactions.advance('no-such-uid', 'login_pending', { step: 'done' }, now()), false);
  });

  test('a device interaction is found by its device code and browser while it is live, newest first', async () => {
    const storage = storageOf();
    const deviceCodeHash = next('dch');
    const device = (overrides: Partial<InteractionRecord> = {}) =>
      interaction({ flow: 'device', request: { userCode: 'BCDF-GHJK' }, deviceCodeHash, browserHash: 'browser-1', ...overrides });
    const older = device({ createdAt: now() - 10 });
    const newer = device();
    const otherBrowser = device({ browserHash: 'browser-2', createdAt: now() + 1 });
    const expired = device({ expiresAt: now() - 1, createdAt: now() + 2 });
    for (const record of [older, newer, otherBrowser, expired]) await storage.interactions.insert(record);
    assert.deepEqual(await storage.interactions.get(newer.uid), newer);
    assert.deepEqual(await storage.interactions.findLiveForDevice(deviceCodeHash, 'browser-1', now()), newer);
    assert.deepEqual(await storage.interactions.findLiveForDevice(deviceCodeHash, 'browser-2', now()), otherBrowser);
    assert.equal(await storage.interactions.advance(newer.uid, 'login_pending', { step: 'failed', error: 'access_denied' }, now()), true);
    assert.equal((await storage.interactions.findLiveForDevice(deviceCodeHash, 'browser-1', now()))?.uid, older.uid, 'a finished one is not live');
    assert.equal(await storage.interactions.findLiveForDevice(next('dch'), 'browser-1', now()), undefined);
    assert.equal(await storage.interactions.findLiveForDevice(deviceCodeHash, 'browser-3', now()), undefined);
  });

  test('sessions: stored by hash, deleted and returned once', async () => {
    const storage = storageOf();
    const user = await userId(storage);
    const idHash = next('session');
    await storage.sessions.insert({
      idHash,
      sid: next('sid'),
      userId: user,
      authTime: now(),
      amr: ['pwd'],
      createdAt: now(),
      expiresAt: now() + 1000,
      lastSeenAt: now(),
      ip: null,
      userAgent: null,
    });
    assert.deepEqual((await storage.sessions.getByHash(idHash))?.amr, ['pwd']);
    assert.equal((await storage.sessions.delete(idHash))?.userId, user);
    assert.equal(await storage.sessions.delete(idHash), undefined);
  });

  test('consents: put replaces the scopes, list and delete', async () => {
    const storage = storageOf();
    const user = await userId(storage);
    await storage.consents.put({ userId: user, clientId: 'c1', scopes: ['openid'], createdAt: now(), updatedAt: now() });
    await storage.consents.put({ userId: user, clientId: 'c1', scopes: ['openid', 'email'], createdAt: now(), updatedAt: now() + 1 });
    assert.deepEqual((await storage.consents.get(user, 'c1'))?.scopes, ['openid', 'email']);
    assert.equal((await storage.consents.listForUser(user)).length, 1);
    assert.equal(await storage.consents.delete(user, 'c1'), true);
    assert.equal(await storage.consents.get(user, 'c1'), undefined);
  });

  test('opaque access tokens: stored by hash, revoked once', async () => {
    const storage = storageOf();
    const tokenHash = next('at');
    await storage.accessTokens.insert({
      tokenHash,
      grantId: null,
      clientId: 'c',
      subject: 'c',
      payload: { scope: 'a b' },
      issuedAt: now(),
      expiresAt: now() + 1000,
      revokedAt: null,
    });
    assert.deepEqual((await storage.accessTokens.get(tokenHash))?.payload, { scope: 'a b' });
    assert.equal(await storage.accessTokens.revoke(tokenHash, now()), true);
    assert.equal(await storage.accessTokens.revoke(tokenHash, now()), false);
  });

  test('expired opaque tokens are deleted in batches of at most the limit, live ones never', async () => {
    const storage = storageOf();
    const base = now() - 1_000_000;
    const expired = Array.from({ length: 5 }, () => next('expired-at'));
    for (const tokenHash of expired) {
      await storage.accessTokens.insert({
        tokenHash,
        grantId: null,
        clientId: 'c',
        subject: 'c',
        payload: {},
        issuedAt: base,
        expiresAt: base + 1,
        revokedAt: null,
      });
    }
    const live = next('live-at');
    await storage.accessTokens.insert({
      tokenHash: live,
      grantId: null,
      clientId: 'c',
      subject: 'c',
      payload: {},
      issuedAt: now(),
      expiresAt: now() + 60_000,
      revokedAt: null,
    });
    // Only this test's rows are older than base + 1 in a shared database.
    assert.equal(await storage.accessTokens.deleteExpired(base + 1, 2), 2);
    assert.equal(await storage.accessTokens.deleteExpired(base + 1, 2), 2);
    assert.equal(await storage.accessTokens.deleteExpired(base + 1, 2), 1);
    assert.equal(await storage.accessTokens.deleteExpired(base + 1, 2), 0);
    for (const tokenHash of expired) assert.equal(await storage.accessTokens.get(tokenHash), undefined);
    assert.ok(await storage.accessTokens.get(live));
  });

  async function deviceCode(storage: Storage, overrides: Partial<DeviceCodeRecord> = {}): Promise<DeviceCodeRecord> {
    const record: DeviceCodeRecord = {
      deviceCodeHash: next('dc'),
      userCode: next('UC'),
      clientId: 'client',
      scope: ['openid'],
      audiences: [],
      status: 'pending',
      userId: null,
      sessionSid: null,
      authTime: null,
      amr: null,
      intervalSeconds: 5,
      lastPolledAt: null,
      createdAt: now(),
      expiresAt: now() + 600_000,
      ...overrides,
    };
    await storage.deviceCodes.insert(record);
    return record;
  }

  test('device codes: found by hash and user code, approved once while pending, consumed once', async () => {
    const storage = storageOf();
    const record = await deviceCode(storage);
    assert.deepEqual(await storage.deviceCodes.getByHash(record.deviceCodeHash), record);
    assert.deepEqual(await storage.deviceCodes.getByUserCode(record.userCode), record);
    const approval = { userId: 'user', sessionSid: 'sid', authTime: now(), amr: ['pwd'] };
    assert.equal(await storage.deviceCodes.consume(record.deviceCodeHash), false, 'a pending code is not consumed');
    assert.equal(await storage.deviceCodes.approve(record.userCode, approval, now()), true);
    assert.equal(await storage.deviceCodes.deny(record.userCode, now()), false, 'decided once');
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.deviceCodes.consume(record.deviceCodeHash)));
    assert.equal(results.filter(Boolean).length, 1);
    const expired = await deviceCode(storage, { expiresAt: now() - 1 });
    assert.equal(await storage.deviceCodes.approve(expired.userCode, approval, now()), false);
  });

  test('a device poll wins only once the interval has passed since the last poll that won; each slow_down adds 5 s (RFC 8628 §3.5)', async () => {
    const storage = storageOf();
    const record = await deviceCode(storage);
    const start = now();
    assert.deepEqual(await storage.deviceCodes.poll(record.deviceCodeHash, start), { outcome: 'pending' }, 'the first poll wins');
    assert.deepEqual(await storage.deviceCodes.poll(record.deviceCodeHash, start + 4_999), { outcome: 'slow_down', intervalSeconds: 10 });
    assert.deepEqual(
      await storage.deviceCodes.poll(record.deviceCodeHash, start + 9_999),
      { outcome: 'slow_down', intervalSeconds: 15 },
      'a slow_down is not a poll that won',
    );
    assert.deepEqual(await storage.deviceCodes.poll(record.deviceCodeHash, start + 15_000), { outcome: 'pending' });
    const stored = await storage.deviceCodes.getByHash(record.deviceCodeHash);
    assert.equal(stored?.lastPolledAt, start + 15_000);
    assert.equal(stored?.intervalSeconds, 15);
  });

  test('twenty parallel polls of one pending device code: exactly one wins, each other one adds 5 s', async () => {
    const storage = storageOf();
    const record = await deviceCode(storage, { lastPolledAt: now() - 60_000 });
    const polls = await Promise.all(Array.from({ length: 20 }, () => storage.deviceCodes.poll(record.deviceCodeHash, now())));
    assert.equal(polls.filter((poll) => poll.outcome === 'pending').length, 1);
    assert.equal(polls.filter((poll) => poll.outcome === 'slow_down').length, 19);
    assert.equal((await storage.deviceCodes.getByHash(record.deviceCodeHash))?.intervalSeconds, 5 + 19 * 5);
  });

  test('a poll of a decided or expired device code is not pending, and changes nothing', async () => {
    const storage = storageOf();
    const approved = await deviceCode(storage);
    await storage.deviceCodes.approve(approved.userCode, { userId: 'user', sessionSid: 'sid', authTime: now(), amr: ['pwd'] }, now());
    assert.deepEqual(await storage.deviceCodes.poll(approved.deviceCodeHash, now()), { outcome: 'not_pending' });
    const expired = await deviceCode(storage, { expiresAt: now() - 1 });
    assert.deepEqual(await storage.deviceCodes.poll(expired.deviceCodeHash, now()), { outcome: 'not_pending' });
    assert.deepEqual(await storage.deviceCodes.getByHash(expired.deviceCodeHash), expired);
    assert.deepEqual(await storage.deviceCodes.poll(next('unknown'), now()), { outcome: 'not_pending' });
  });

  test('ten parallel uses of one DPoP proof: exactly one is fresh, and it is swept once expired (RFC 9449 §11.1)', async () => {
    const storage = storageOf();
    const proofKey = next('dpop-proof');
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.dpopProofs.addIfAbsent(proofKey, now() + 1000)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await storage.dpopProofs.addIfAbsent(proofKey, now() + 1000), false);
    assert.ok((await storage.dpopProofs.deleteExpired(now() + 1001, 1000)) >= 1);
    assert.equal(await storage.dpopProofs.addIfAbsent(proofKey, now() + 1000), true, 'once swept, the key is free again');
  });

  test('ten parallel uses of one client assertion jti: exactly one is fresh (RFC 7523 §3)', async () => {
    const storage = storageOf();
    const jti = next('jti');
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.revokedJtis.addIfAbsent(jti, now() + 1000)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await storage.revokedJtis.has(jti), true);
    await storage.revokedJtis.add(jti, now() + 1000);
    assert.ok((await storage.revokedJtis.deleteExpired(now() + 1001, 1000)) >= 1);
    assert.equal(await storage.revokedJtis.has(jti), false);
  });
}
