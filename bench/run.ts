/**
 * `npm run bench`: Latchkey beside oidc-provider on 127.0.0.1, loaded in turn (A B A B) with
 * autocannon, on SQLite and PostgreSQL, with a grown store and the ceilings of this machine; prints
 * the table and regenerates docs/benchmarks.md. Every load is bounded in time, every server is a
 * child process that dies with the bench. `npm run bench -- --help` lists the flags.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureBuilt } from './build.js';
import { joseSignsPerSecond } from './ceilings/jose.js';
import { childPids, freePort, installExitHandlers, killAllChildren, spawnNode, waitForHttp } from './children.js';
import { othersCpuPercent, rssMiB } from './proc.js';
import { compileServer } from './compile.js';
import { renderDocs } from './report/docs.js';
import { ceilingsTable, comparisonTable, fmt, goalsTable, growthTable, noiseNote, postgresTable } from './report/tables.js';
import { copySqliteStore, growPostgres, growSqlite, growthPlan, measureSweep, tableCounts } from './growth.js';
import { runLoad, type Measurement } from './load.js';
import { latchkeyEnv } from './latchkey/process.js';
import { seedLatchkey } from './latchkey/seed.js';
import { LatchkeyServer } from './latchkey/server.js';
import { machineInfo, packageVersion } from './machine.js';
import { parseOptions } from './options.js';
import { benchDir, repoDir, resultsDir } from './paths.js';
import { startPeer } from './peer/process.js';
import { copyDatabase, createBenchDatabase, postgresVersion, type BenchDatabase } from './postgres.js';
import type { BenchReport, GrowthRuns, ScenarioRuns, StoreName } from './results.js';
import { scenarios, type Scenario } from './scenarios.js';
import { prepare, type Target } from './target.js';

const options = parseOptions(process.argv.slice(2));
const startedAt = performance.now();
/** Past this the bench gives up, kills everything and exits non-zero: it must stop by itself. */
const hardLimitMs = 15 * 60_000;

function log(message: string): void {
  const seconds = Math.round((performance.now() - startedAt) / 1000);
  process.stderr.write(`[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${message}\n`);
}

const work = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
const cleanups: (() => Promise<void>)[] = [];
async function cleanup(): Promise<void> {
  killAllChildren();
  for (const step of cleanups.splice(0).reverse()) await step().catch((error: unknown) => log(`cleanup: ${(error as Error).message}`));
  rmSync(work, { recursive: true, force: true });
}
installExitHandlers(cleanup);
const watchdog = setTimeout(() => {
  log(`the bench ran past ${hardLimitMs / 60_000} minutes: stopping`);
  void cleanup().finally(() => process.exit(1));
}, hardLimitMs);
watchdog.unref();

const selected = (list: readonly Scenario[]) => list.filter((entry) => !options.only || options.only.has(entry.id));
/** Optional phases that would end past this are skipped (with the reason): a run stays under 10 minutes. */
const budgetSeconds = 9.5 * 60;

function runSeconds(runs: number): number {
  return runs * (options.warmupSeconds + options.durationSeconds + 1);
}

function growthEstimate(store: StoreName, rounds: number): number {
  const perMillion = store === 'sqlite' ? 35 : 60; // inserting, counting, backdating and sweeping
  return runSeconds(selected(scenarios.filter((entry) => entry.growth)).length * rounds * 2) + (perMillion * options.growthTokens) / 1_000_000;
}

/** Null when the phase fits in what is left of the budget, else the reason it is skipped. */
function overBudget(phase: string, estimateSeconds: number): string | null {
  const elapsed = (performance.now() - startedAt) / 1000;
  if (elapsed + estimateSeconds <= budgetSeconds) return null;
  const reason = `${phase} would take about ${fmt(estimateSeconds)} s more after ${fmt(elapsed)} s, past the ${fmt(budgetSeconds)} s budget of a run`;
  log(`skipped: ${reason}`);
  return reason;
}

/** PostgreSQL is not compared with the peer: one round fewer keeps the whole run within 10 minutes. */
const postgresRounds = Math.max(1, options.rounds - 1);
/** Growth runs the grown and the empty store side by side: one round fewer for the same reason. */
const growthRounds = Math.max(1, options.rounds - 1);
const loadOptions = { seconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, connections: options.connections };

function describe(measurement: Measurement, unit: string): string {
  const errors = measurement.errors > 0 ? `, ${measurement.errors} errors (${measurement.firstError ?? ''})` : '';
  const postgres = measurement.postgresCpuPercent >= 1 ? `, PostgreSQL ${fmt(measurement.postgresCpuPercent)}%` : '';
  return `${fmt(measurement.perSecond)} ${unit}, p50 ${fmt(measurement.p50, 1)} ms, p99 ${fmt(measurement.p99, 1)} ms, CPU ${fmt(measurement.serverCpuPercent)}%${postgres}, others ${fmt(measurement.othersCpuPercent)}%, RSS ${fmt(measurement.rssPeakMiB)} MiB${errors}`;
}

/**
 * One run. The session and tokens are obtained afresh each time: oidc-provider's default
 * in-memory adapter is an LRU of about a thousand entries, so a session or token left idle while
 * another scenario ran has been forgotten.
 */
async function measure(target: Target, entry: Scenario): Promise<Measurement> {
  await waitForQuiet();
  const fixture = await prepare(target, entry.tokens);
  const result = await runLoad(target.origin, target.child.pid, entry.plan(target, fixture, options.connections), loadOptions);
  log(`  ${target.label.padEnd(28)} ${entry.id.padEnd(14)} ${describe(result, entry.unit)}`);
  return result;
}

/** Seconds the bench may spend in all waiting for other processes to leave the CPU alone. */
let quietBudgetSeconds = options.quick ? 15 : 60;
const busyOthersPercent = 25;

/**
 * Waits (within a budget for the whole run) while other processes on the machine keep a quarter
 * of a core or more busy: a co-tenant's burst would lower whichever server runs then.
 */
async function waitForQuiet(): Promise<void> {
  let waited = 0;
  let others = await othersCpuPercent(childPids(), 300);
  while (others >= busyOthersPercent && quietBudgetSeconds > 0) {
    if (waited === 0) log(`  waiting for other processes to leave the CPU (${fmt(others)}% of a core busy; ${fmt(quietBudgetSeconds)} s of waiting left)`);
    others = await othersCpuPercent(childPids(), 1000);
    waited += 1;
    quietBudgetSeconds -= 1;
  }
  if (waited > 0) log(`  waited ${waited} s (others now ${fmt(others)}%)`);
}

/** Each scenario: Latchkey, then the peer, `rounds` times (A B A B). */
async function runScenarios(latchkey: LatchkeyServer, list: readonly Scenario[], peer: Target | null, rounds: number, tag: string): Promise<ScenarioRuns[]> {
  const all: ScenarioRuns[] = [];
  for (const entry of list) {
    if (options.profile) await latchkey.start(`${tag}-${entry.id}`);
    const runs: ScenarioRuns = { id: entry.id, title: entry.title, unit: entry.unit, latchkey: [], peer: [] };
    for (let round = 0; round < rounds; round += 1) {
      runs.latchkey.push(await measure(latchkey.target, entry));
      if (peer && entry.peer) runs.peer.push(await measure(peer, entry));
    }
    if (options.profile) await latchkey.stop();
    all.push(runs);
  }
  return all;
}

/**
 * Idle: no request for this long since the server answered. V8 gives back the young generation it
 * grew while loading modules only after its memory reducer runs, some seconds after start-up; a
 * server that waits for traffic has done so (measured: 111 MiB one second after start, 90 MiB
 * after 20 s). Both servers are sampled after the same wait.
 */
export const idleSettleMs = 20_000;

async function idleRss(pid: number, since: number): Promise<number> {
  await sleep(Math.max(0, since + idleSettleMs - Date.now()));
  return rssMiB(pid);
}

/**
 * The ceilings: bare node:http under the same load, and jose signatures per second. Measured at
 * the start and again after the main runs; a ceiling is the best of the two (another process on
 * the machine can only lower a measurement).
 */
async function startCeilingServer(): Promise<{ measure(report: BenchReport): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawnNode({
    args: [compileServer(join(benchDir, 'ceilings', 'http-server.ts'))],
    env: { PORT: String(port) },
    logFile: join(work, 'http-ceiling.log'),
  });
  cleanups.push(() => child.stop());
  await waitForHttp(`http://127.0.0.1:${port}/`, child);
  return {
    async measure(report) {
      await waitForQuiet();
      const http = await runLoad(`http://127.0.0.1:${port}`, child.pid, { requests: [{ method: 'GET', path: '/' }], expect: [200] }, loadOptions);
      log(`  bare node:http               ${describe(http, 'req/s')}`);
      if (!report.ceilings.http || http.perSecond > report.ceilings.http.perSecond) report.ceilings.http = http;
      const jose = report.ceilings.jose ?? { RS256: 0, ES256: 0, EdDSA: 0 };
      for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
        const perSecond = await joseSignsPerSecond(alg, options.quick ? 1 : 2);
        log(`  jose ${alg.padEnd(23)} ${fmt(perSecond)} signatures/s`);
        jose[alg] = Math.max(jose[alg], perSecond);
      }
      report.ceilings.jose = jose;
    },
    stop: () => child.stop(),
  };
}

/** A store of its own: a directory, a port, a secret, the seed; Latchkey not started yet. */
async function newLatchkey(store: StoreName, databaseUrl: string | null): Promise<LatchkeyServer> {
  const dir = join(work, store);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const env = latchkeyEnv(dir, port, databaseUrl ?? `sqlite:${join(dir, 'latchkey.db')}`, randomBytes(32).toString('base64url'));
  env.NODE_ENV = 'production';
  const seed = await seedLatchkey(dir, env);
  const label = store === 'sqlite' ? 'Latchkey (SQLite)' : 'Latchkey (PostgreSQL)';
  return new LatchkeyServer({ label, dir, port, env }, seed, options.profile ? join(resultsDir, 'profiles') : null);
}

/**
 * Growth: the stopped store is copied as it is (the "empty" store: what the main runs left), then
 * grown; both copies run side by side, grown then empty for each scenario, so that both see the
 * same conditions. Then one sweep is timed on the grown store.
 */
async function growth(store: StoreName, latchkey: LatchkeyServer, database: BenchDatabase | null, rounds: number): Promise<GrowthRuns> {
  const { dir, env } = latchkey.instance;
  await latchkey.stop();
  const rowsBefore = await tableCounts(dir, env);
  const emptyDir = join(work, `${store}-empty`);
  mkdirSync(emptyDir, { recursive: true });
  let emptyUrl: string;
  if (database) {
    const copy = await copyDatabase(database);
    cleanups.push(() => copy.drop());
    emptyUrl = copy.url;
  } else {
    copySqliteStore(join(dir, 'latchkey.db'), join(emptyDir, 'latchkey.db'));
    emptyUrl = `sqlite:${join(emptyDir, 'latchkey.db')}`;
  }
  const emptyPort = await freePort();
  const empty = new LatchkeyServer(
    {
      label: `${latchkey.instance.label}, empty`,
      dir: emptyDir,
      port: emptyPort,
      env: { ...latchkeyEnv(emptyDir, emptyPort, emptyUrl, env.LATCHKEY_SECRET!), NODE_ENV: 'production' },
    },
    latchkey.seed,
    null,
  );
  cleanups.push(async () => void (await empty.stop()));

  const plan = growthPlan(options.growthTokens, options.growthApps, env.LATCHKEY_ISSUER!, latchkey.seed.m2m.clientId);
  log(`${store}: inserting ${fmt(plan.accessTokens)} access tokens, ${fmt(plan.grants)} grants and ${fmt(plan.apps)} apps`);
  const seedSeconds = database ? await growPostgres(database.url, plan) : growSqlite(join(dir, 'latchkey.db'), plan);
  const rows = await tableCounts(dir, env);
  log(`${store}: grown in ${fmt(seedSeconds, 1)} s: ${fmt(rows.accessTokens)} access tokens, ${fmt(rows.grants)} grants, ${fmt(rows.apps)} apps`);

  latchkey.instance.label = `${latchkey.instance.label}, grown`;
  if (!options.profile) await latchkey.start();
  await empty.start();
  const runs = await runScenarios(latchkey, selected(scenarios.filter((entry) => entry.growth)), empty.target, rounds, `${store}-grown`);
  await Promise.all([latchkey.stop(), empty.stop()]);
  const sweep = await measureSweep(dir, env);
  log(
    `${store}: backdated half the grown rows in ${fmt(sweep.backdateSeconds, 1)} s; one sweep deleted ${fmt(sweep.deleted)} rows in ${fmt(sweep.sweepSeconds, 2)} s, blocking the event loop for up to ${fmt(sweep.eventLoopBlockedMs)} ms`,
  );
  return {
    store,
    rows,
    rowsBefore,
    inserted: { accessTokens: plan.accessTokens, grants: plan.grants, apps: plan.apps },
    seedSeconds,
    runs: runs.map(({ id, title, unit, latchkey: grown, peer: emptyRuns }) => ({ id, title, unit, grown, empty: emptyRuns })),
    sweep,
  };
}

async function main(): Promise<void> {
  if (options.fromResults) {
    const report = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as BenchReport;
    writeFileSync(join(repoDir, 'docs', 'benchmarks.md'), renderDocs(report));
    log(`rewrote docs/benchmarks.md from the run of ${report.date}`);
    return;
  }
  if (ensureBuilt()) log('built dist/');
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    versions: {
      latchkey: packageVersion(repoDir),
      oidcProvider: packageVersion(join(repoDir, 'node_modules', 'oidc-provider')),
      autocannon: packageVersion(join(repoDir, 'node_modules', 'autocannon')),
      jose: packageVersion(join(repoDir, 'node_modules', 'jose')),
      postgres: null,
    },
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      rounds: options.rounds,
      quick: options.quick,
    },
    ceilings: { http: null, jose: null },
    idleRss: { latchkeySqlite: null, latchkeyPostgres: null, peer: null },
    stores: { sqlite: [], postgres: { skipped: 'not run (--no-postgres)' } },
    growth: [],
    profiles: [],
    totalSeconds: 0,
  };

  log('ceilings');
  const ceilings = await startCeilingServer();
  await ceilings.measure(report);

  log('SQLite: seeding Latchkey, starting Latchkey and oidc-provider');
  const sqlite = await newLatchkey('sqlite', null);
  cleanups.push(async () => void (await sqlite.stop()));
  await sqlite.start();
  const latchkeyStarted = Date.now();
  const peerTarget = await startPeer(await freePort(), work);
  cleanups.push(() => peerTarget.child.stop());
  const peerStarted = Date.now();
  report.idleRss.latchkeySqlite = await idleRss(sqlite.target.child.pid, latchkeyStarted);
  report.idleRss.peer = await idleRss(peerTarget.child.pid, peerStarted);
  log(`SQLite: Latchkey idle RSS ${fmt(report.idleRss.latchkeySqlite)} MiB, oidc-provider ${fmt(report.idleRss.peer)} MiB`);
  if (options.profile) await sqlite.stop();
  report.stores.sqlite = await runScenarios(sqlite, selected(scenarios), peerTarget, options.rounds, 'sqlite');
  await peerTarget.child.stop();
  log('ceilings again');
  await ceilings.measure(report);
  await ceilings.stop();

  if (options.growth) {
    const skipped = overBudget('growth on SQLite', growthEstimate('sqlite', growthRounds));
    report.growth.push(skipped ? { store: 'sqlite', skipped } : await growth('sqlite', sqlite, null, growthRounds));
  }
  await sqlite.stop();

  const postgresSkipped = options.postgres ? overBudget('PostgreSQL', runSeconds(selected(scenarios).length * postgresRounds) + 15) : null;
  if (postgresSkipped) {
    report.stores.postgres = { skipped: postgresSkipped };
    if (options.growth) report.growth.push({ store: 'postgres', skipped: postgresSkipped });
  } else if (options.postgres) {
    const database = await createBenchDatabase();
    if ('skipped' in database) {
      log(`PostgreSQL skipped: ${database.skipped}`);
      report.stores.postgres = { skipped: database.skipped };
      if (options.growth) report.growth.push({ store: 'postgres', skipped: database.skipped });
    } else {
      await runPostgres(report, database);
    }
  }

  report.profiles = [...sqlite.profiles, ...report.profiles];
  report.totalSeconds = (performance.now() - startedAt) / 1000;
  publish(report);
}

async function runPostgres(report: BenchReport, database: BenchDatabase): Promise<void> {
  cleanups.push(() => database.drop());
  report.versions.postgres = await postgresVersion(database.url);
  log(`PostgreSQL ${report.versions.postgres}: database ${database.name}`);
  const postgres = await newLatchkey('postgres', database.url);
  cleanups.push(async () => void (await postgres.stop()));
  await postgres.start();
  report.idleRss.latchkeyPostgres = await idleRss(postgres.target.child.pid, Date.now());
  if (options.profile) await postgres.stop();
  report.stores.postgres = await runScenarios(postgres, selected(scenarios), null, postgresRounds, 'postgres');
  if (options.growth) {
    const skipped = overBudget('growth on PostgreSQL', growthEstimate('postgres', growthRounds));
    report.growth.push(skipped ? { store: 'postgres', skipped } : await growth('postgres', postgres, database, growthRounds));
  }
  await postgres.stop();
  report.profiles.push(...postgres.profiles);
  await database.drop();
}

function publish(report: BenchReport): void {
  const sections = ['## Latchkey and oidc-provider, SQLite', comparisonTable(report), '## Ceilings', ceilingsTable(report)];
  if (Array.isArray(report.stores.postgres)) sections.push('## PostgreSQL', postgresTable(report, report.stores.postgres));
  for (const entry of report.growth) {
    if (!('skipped' in entry)) sections.push(`## Growth (${entry.store})`, growthTable(entry));
  }
  sections.push('## Goals', goalsTable(report), noiseNote(report));
  process.stdout.write(`\n${sections.join('\n\n')}\n\n`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (options.writeDocs) {
    writeFileSync(join(repoDir, 'docs', 'benchmarks.md'), renderDocs(report));
    log('wrote docs/benchmarks.md');
  }
  log(`done in ${fmt(report.totalSeconds)} s; raw results in bench/results/latest.json`);
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanup();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanup();
    process.exit(1);
  });
