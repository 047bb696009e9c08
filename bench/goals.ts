import { cpus } from 'node:os';
import { summarize, type BenchReport, type RunSummary, type ScenarioRuns } from './results.js';
import type { ScenarioId } from './scenarios.js';

/** oidc-provider as measured on this machine when the goals were set (issue 6), per second. */
export const referencePeer: Partial<Record<ScenarioId, number>> = {
  discovery: 7900,
  jwks: 14_200,
  'cc-opaque': 5000,
  'cc-es256': 4300,
  'cc-rs256': 2900,
  introspection: 5600,
  refresh: 1400,
  flows: 371,
};

/** Latchkey's goal as a multiple of the peer measured in the same run (p99 no higher than the peer's). */
export const peerMultipleGoals: Partial<Record<ScenarioId, number>> = {
  discovery: 3,
  jwks: 2,
  'cc-opaque': 3,
  'cc-es256': 2.5,
  introspection: 3,
  refresh: 2,
  flows: 1.5,
};

export const otherGoals = {
  ccOpaqueShareOfHttpCeiling: 0.25,
  rs256ShareOfJoseCeiling: 0.8,
  signInsPerCore: 30,
  growthWithin: 0.1,
  idleRssMiB: 100,
  postgresWithin: 0.3,
  /** Keycloak's password sign-ins per vCPU: the reference for the sign-in row. */
  keycloakSignInsPerCpu: 15,
};

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean | null;
}

/** 1000000 → 1M, 100000 → 100k. */
export function compact(value: number): string {
  if (value >= 1_000_000) return `${fmt(value / 1_000_000, value % 1_000_000 === 0 ? 0 : 1)}M`;
  if (value >= 1000) return `${fmt(value / 1000, value % 1000 === 0 ? 0 : 1)}k`;
  return fmt(value);
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

function latchkeyAndPeer(runs: ScenarioRuns | undefined): { latchkey: RunSummary | null; peer: RunSummary | null } {
  return { latchkey: runs ? summarize(runs.latchkey) : null, peer: runs ? summarize(runs.peer) : null };
}

/** The goal of one scenario row of the main (SQLite) table, checked against this run. */
export function scenarioGoal(report: BenchReport, runs: ScenarioRuns): GoalCheck | null {
  const { latchkey, peer } = latchkeyAndPeer(runs);
  if (!latchkey) return null;
  const parts: string[] = [];
  const checks: boolean[] = [];
  const multiple = peerMultipleGoals[runs.id];
  if (multiple !== undefined && peer) {
    const ratio = latchkey.perSecond / peer.perSecond;
    parts.push(`≥ ${multiple}× peer: ${fmt(ratio, 2)}×`);
    checks.push(ratio >= multiple);
  }
  if (runs.id === 'cc-opaque' && report.ceilings.http) {
    const share = latchkey.perSecond / report.ceilings.http.perSecond;
    parts.push(`≥ ${otherGoals.ccOpaqueShareOfHttpCeiling * 100}% of node:http: ${fmt(share * 100)}%`);
    checks.push(share >= otherGoals.ccOpaqueShareOfHttpCeiling);
  }
  if (runs.id === 'cc-rs256' && report.ceilings.jose) {
    const share = latchkey.perSecond / report.ceilings.jose.RS256;
    parts.push(`≥ ${otherGoals.rs256ShareOfJoseCeiling * 100}% of RS256 signing: ${fmt(share * 100)}%`);
    checks.push(share >= otherGoals.rs256ShareOfJoseCeiling);
  }
  if (runs.id === 'signin') {
    const perCore = latchkey.perSecond / report.machine.cpus;
    parts.push(`≥ ${otherGoals.signInsPerCore}/s per core: ${fmt(perCore, 1)}/s (Keycloak ${otherGoals.keycloakSignInsPerCpu}/s per vCPU)`);
    checks.push(perCore >= otherGoals.signInsPerCore);
  }
  if (peer) {
    parts.push(`p99 ≤ peer: ${fmt(latchkey.p99, 1)} vs ${fmt(peer.p99, 1)} ms`);
    checks.push(latchkey.p99 <= peer.p99);
  }
  if (latchkey.errors > 0) {
    parts.push(`${latchkey.errors} errors`);
    checks.push(false);
  }
  if (parts.length === 0) return null;
  return { goal: runs.title, measured: parts.join('; '), met: checks.length > 0 ? checks.every(Boolean) : null };
}

/** Every goal of issue 6, met or missed, for the summary section. */
export function allGoals(report: BenchReport): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const runs of report.stores.sqlite) {
    const check = scenarioGoal(report, runs);
    if (check) goals.push(check);
  }
  for (const growth of report.growth) {
    if ('skipped' in growth) continue;
    for (const runs of growth.runs) {
      const grown = summarize(runs.grown);
      const base = summarize(runs.empty);
      if (!grown || !base) continue;
      const ratio = grown.perSecond / base.perSecond;
      goals.push({
        goal: `${runs.title}, ${compact(growth.inserted.accessTokens + growth.inserted.grants)} more tokens (${growth.store})`,
        measured: `${fmt(ratio * 100)}% of the empty store (goal ≥ ${fmt((1 - otherGoals.growthWithin) * 100)}%)`,
        met: ratio >= 1 - otherGoals.growthWithin,
      });
    }
  }
  const idle = [
    ['SQLite', report.idleRss.latchkeySqlite],
    ['PostgreSQL', report.idleRss.latchkeyPostgres],
  ] as const;
  for (const [store, rss] of idle) {
    if (rss === null) continue;
    goals.push({ goal: `RSS idle, Latchkey on ${store}`, measured: `${fmt(rss)} MiB (goal ≤ ${otherGoals.idleRssMiB})`, met: rss <= otherGoals.idleRssMiB });
  }
  if (Array.isArray(report.stores.postgres)) {
    for (const runs of report.stores.postgres) {
      const pg = summarize(runs.latchkey);
      const sqlite = summarize(report.stores.sqlite.find((candidate) => candidate.id === runs.id)?.latchkey ?? []);
      if (!pg || !sqlite) continue;
      const ratio = pg.perSecond / sqlite.perSecond;
      goals.push({
        goal: `${runs.title}, PostgreSQL vs SQLite`,
        measured: `${fmt(ratio * 100)}% of SQLite (goal ≥ ${fmt((1 - otherGoals.postgresWithin) * 100)}%)`,
        met: ratio >= 1 - otherGoals.postgresWithin,
      });
    }
  }
  return goals;
}

export const machineCores = cpus().length;
