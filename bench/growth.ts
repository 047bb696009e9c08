import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { startSweeper } from '../src/runtime/sweeper.js';
import { benchApi, flowApi, lifetimes, redirectUri } from './fixtures.js';
import { openLatchkeyRuntime } from './latchkey/seed.js';

/**
 * Growth: a store that has been in use for a while. Rows go in with SQL, in one transaction, in
 * batches (prepared statements on SQLite, server-side generate_series on PostgreSQL): opaque
 * access tokens of many apps, grants holding a refresh token and a redeemed code, and apps with a
 * client secret each. Every row expires in two hours; `backdate` then expires half of them for the
 * sweeper measurement.
 */
export interface GrowthPlan {
  accessTokens: number;
  grants: number;
  apps: number;
  issuer: string;
  /** A client whose settings the grown apps copy. */
  templateClientId: string;
}

export function growthPlan(tokens: number, apps: number, issuer: string, templateClientId: string): GrowthPlan {
  const grants = Math.round(tokens / 4);
  return { accessTokens: tokens - grants, grants, apps, issuer, templateClientId };
}

const growthPrefix = 'growth_';
const validMs = 2 * 3600_000;

function b64(bytes: Buffer, offset: number, length: number): string {
  return bytes.subarray(offset, offset + length).toString('base64url');
}

/** Copies a SQLite store whose server is stopped (its WAL folded into the file first). */
export function copySqliteStore(file: string, copy: string): void {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  copyFileSync(file, copy);
}

/** Inserts the rows into a SQLite file (Latchkey stopped); returns seconds taken. */
export function growSqlite(file: string, plan: GrowthPlan): number {
  const started = performance.now();
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const now = Date.now();
    const orgId = (db.prepare(`SELECT id FROM organizations WHERE name = 'default'`).get() as { id: string }).id;
    const settings = (db.prepare('SELECT settings FROM apps WHERE client_id = ?').get(plan.templateClientId) as { settings: string }).settings;
    const app = db.prepare(
      `INSERT INTO apps (client_id, org_id, owner_user_id, name, description, type, visibility, status, settings, review, created_by, created_at, updated_at)
       VALUES (?, ?, NULL, ?, '', 'm2m', 'private', 'active', ?, NULL, NULL, ?, ?)`,
    );
    const secret = db.prepare('INSERT INTO app_secrets (id, client_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, NULL)');
    const token = db.prepare(
      `INSERT INTO access_tokens (token_hash, grant_id, client_id, subject, payload, issued_at, expires_at, revoked_at)
       VALUES (?, NULL, ?, ?, ?, ?, ?, NULL)`,
    );
    const grant = db.prepare(
      `INSERT INTO grants (id, client_id, user_id, org_id, scope, audiences, session_sid, auth_time, amr, nonce, redirect_uri,
         code_hash, code_challenge, code_expires_at, code_consumed_at, refresh_hash, refresh_previous_hash, refresh_generation,
         refresh_rotated_at, refresh_expires_at, created_at, expires_at, revoked_at)
       VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, '["pwd"]', NULL, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?, NULL)`,
    );
    const opaque = benchApi('opaque');
    const iat = Math.floor(now / 1000);
    const insertAll = db.transaction(() => {
      for (let i = 0; i < plan.apps; i += 1) {
        const clientId = `${growthPrefix}${i}`;
        app.run(clientId, orgId, `Growth app ${i}`, settings, now, now);
        secret.run(`sec_${clientId}`, clientId, randomBytes(32).toString('base64url'), now);
      }
      const batch = 10_000;
      for (let start = 0; start < plan.accessTokens; start += batch) {
        const count = Math.min(batch, plan.accessTokens - start);
        const random = randomBytes(count * 48);
        for (let j = 0; j < count; j += 1) {
          const i = start + j;
          const clientId = `${growthPrefix}${i % plan.apps}`;
          const jti = b64(random, j * 48 + 32, 16);
          const payload = `{"iss":"${plan.issuer}","sub":"${clientId}","aud":"${opaque.identifier}","exp":${iat + validMs / 1000},"iat":${iat},"jti":"${jti}","client_id":"${clientId}","scope":"${opaque.scope}"}`;
          token.run(b64(random, j * 48, 32), clientId, clientId, payload, now - (now % 2) + (i % 2), now + validMs);
        }
      }
      const scope = `openid offline_access ${flowApi.scope}`;
      const audiences = JSON.stringify([flowApi.identifier]);
      for (let start = 0; start < plan.grants; start += batch) {
        const count = Math.min(batch, plan.grants - start);
        const random = randomBytes(count * 112);
        for (let j = 0; j < count; j += 1) {
          const i = start + j;
          const o = j * 112;
          grant.run(
            b64(random, o, 16),
            `${growthPrefix}${i % plan.apps}`,
            `usr_growth_${i % 50_000}`,
            scope,
            audiences,
            now,
            redirectUri,
            b64(random, o + 16, 32),
            b64(random, o + 48, 32),
            now + 60_000,
            now,
            b64(random, o + 80, 32),
            now,
            now + lifetimes.refreshToken * 1000,
            now - (now % 2) + (i % 2),
            now + validMs,
          );
        }
      }
    });
    insertAll();
  } finally {
    db.close();
  }
  return (performance.now() - started) / 1000;
}

/** Inserts the rows into PostgreSQL (generate_series in batches, one transaction); returns seconds taken. */
export async function growPostgres(url: string, plan: GrowthPlan): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    const salt = randomBytes(8).toString('hex');
    const hash = (seed: string) => `translate(rtrim(encode(sha256((${seed})::bytea), 'base64'), '='), '+/', '-_')`;
    await client.query('BEGIN');
    const org = await client.query<{ id: string }>(`SELECT id FROM organizations WHERE name = 'default'`);
    const template = await client.query<{ settings: string }>('SELECT settings FROM apps WHERE client_id = $1', [plan.templateClientId]);
    await client.query(
      `INSERT INTO apps (client_id, org_id, owner_user_id, name, description, type, visibility, status, settings, review, created_by, created_at, updated_at)
       SELECT '${growthPrefix}' || i, $1::text, NULL, 'Growth app ' || i, '', 'm2m', 'private', 'active', $2::text, NULL, NULL, $3::bigint, $3::bigint
       FROM generate_series(0, $4::int - 1) AS i`,
      [org.rows[0]?.id, template.rows[0]?.settings, now, plan.apps],
    );
    await client.query(
      `INSERT INTO app_secrets (id, client_id, hash, created_at, expires_at)
       SELECT 'sec_${growthPrefix}' || i, '${growthPrefix}' || i, ${hash(`'s' || $1::text || i`)}, $2::bigint, NULL FROM generate_series(0, $3::int - 1) AS i`,
      [salt, now, plan.apps],
    );
    const opaque = benchApi('opaque');
    const iat = Math.floor(now / 1000);
    const batch = 100_000;
    for (let start = 0; start < plan.accessTokens; start += batch) {
      const end = Math.min(plan.accessTokens, start + batch) - 1;
      await client.query(
        `INSERT INTO access_tokens (token_hash, grant_id, client_id, subject, payload, issued_at, expires_at, revoked_at)
         SELECT ${hash(`'t' || $1::text || i`)}, NULL, c, c,
           json_build_object('iss', $2::text, 'sub', c, 'aud', $3::text, 'exp', $4::bigint, 'iat', $5::bigint,
             'jti', substr(md5($1::text || i), 1, 22), 'client_id', c, 'scope', $6::text)::text,
           $7::bigint + (i % 2), $8::bigint, NULL
         FROM (SELECT i, '${growthPrefix}' || (i % $9::int) AS c FROM generate_series($10::int, $11::int) AS i) AS rows`,
        [salt, plan.issuer, opaque.identifier, iat + validMs / 1000, iat, opaque.scope, now - (now % 2), now + validMs, plan.apps, start, end],
      );
    }
    for (let start = 0; start < plan.grants; start += batch) {
      const end = Math.min(plan.grants, start + batch) - 1;
      await client.query(
        `INSERT INTO grants (id, client_id, user_id, org_id, scope, audiences, session_sid, auth_time, amr, nonce, redirect_uri,
           code_hash, code_challenge, code_expires_at, code_consumed_at, refresh_hash, refresh_previous_hash, refresh_generation,
           refresh_rotated_at, refresh_expires_at, created_at, expires_at, revoked_at)
         SELECT substr(${hash(`'g' || $1::text || i`)}, 1, 22), '${growthPrefix}' || (i % $2::int), 'usr_growth_' || (i % 50000), NULL, $3::text, $4::text, NULL, $5::bigint,
           '["pwd"]', NULL, $6::text, ${hash(`'c' || $1 || i`)}, ${hash(`'p' || $1 || i`)}, $5::bigint + 60000, $5::bigint,
           ${hash(`'r' || $1 || i`)}, NULL, 0, $5::bigint, $7::bigint, $8::bigint + (i % 2), $9::bigint, NULL
         FROM generate_series($10::int, $11::int) AS i`,
        [
          salt,
          plan.apps,
          `openid offline_access ${flowApi.scope}`,
          JSON.stringify([flowApi.identifier]),
          now,
          redirectUri,
          now + lifetimes.refreshToken * 1000,
          now - (now % 2),
          now + validMs,
          start,
          end,
        ],
      );
    }
    await client.query('COMMIT');
    // What autovacuum would do within a minute of such a load: planner statistics.
    await client.query('ANALYZE');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

export interface SweepResult {
  backdateSeconds: number;
  deleted: number;
  sweepSeconds: number;
  /** The longest the event loop of the sweeping process was blocked: what a server's requests would wait. */
  eventLoopBlockedMs: number;
}

/** Expires half of the grown rows, then times one `startSweeper(runtime).sweep()` (Latchkey stopped). */
export async function measureSweep(dir: string, env: Record<string, string>): Promise<SweepResult> {
  const runtime = await openLatchkeyRuntime(dir, env);
  try {
    const past = Date.now() - 60_000;
    const started = performance.now();
    const db = runtime.database.db;
    await db
      .updateTable('access_tokens')
      .set({ expires_at: past })
      .where('client_id', 'like', `${growthPrefix}%`)
      .where((eb) => eb(eb('issued_at', '%', 2), '=', 0))
      .execute();
    await db
      .updateTable('grants')
      .set({ expires_at: past })
      .where('client_id', 'like', `${growthPrefix}%`)
      .where((eb) => eb(eb('created_at', '%', 2), '=', 0))
      .execute();
    const backdateSeconds = (performance.now() - started) / 1000;
    const sweeper = startSweeper(runtime);
    sweeper.stop();
    // A heartbeat every 5 ms: the longest gap between beats is the longest the loop was blocked.
    let last = performance.now();
    let longestGap = 0;
    const heartbeat = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    await sleep(30);
    longestGap = 0;
    const sweepStarted = performance.now();
    const deleted = await sweeper.sweep();
    const sweepSeconds = (performance.now() - sweepStarted) / 1000;
    await sleep(30);
    clearInterval(heartbeat);
    return { backdateSeconds, deleted, sweepSeconds, eventLoopBlockedMs: longestGap };
  } finally {
    await runtime.close();
  }
}

/** Rows in the tables that grow, for the report. */
export async function tableCounts(dir: string, env: Record<string, string>): Promise<{ accessTokens: number; grants: number; apps: number }> {
  const runtime = await openLatchkeyRuntime(dir, env);
  try {
    const db = runtime.database.db;
    const count = async (table: 'access_tokens' | 'grants' | 'apps') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { accessTokens: await count('access_tokens'), grants: await count('grants'), apps: await count('apps') };
  } finally {
    await runtime.close();
  }
}
