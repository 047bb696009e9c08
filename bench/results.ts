import type { JoseAlg } from './ceilings/jose.js';
import type { SweepResult } from './growth.js';
import type { Measurement } from './load.js';
import type { ScenarioId } from './scenarios.js';

export type StoreName = 'sqlite' | 'postgres';

/** Every run of one scenario on one store: Latchkey's rounds and, when compared, the peer's. */
export interface ScenarioRuns {
  id: ScenarioId;
  title: string;
  unit: string;
  latchkey: Measurement[];
  peer: Measurement[];
}

export interface GrowthRuns {
  store: StoreName;
  rows: { accessTokens: number; grants: number; apps: number };
  /** Rows the bench inserted. */
  inserted: { accessTokens: number; grants: number; apps: number };
  /** Rows before growing (what "empty" had after the main runs). */
  rowsBefore: { accessTokens: number; grants: number; apps: number };
  seedSeconds: number;
  /** Each scenario on the grown store and, side by side, on a copy of the store before it grew. */
  runs: { id: ScenarioId; title: string; unit: string; grown: Measurement[]; empty: Measurement[] }[];
  sweep: SweepResult | null;
}

export interface ProfileSummary {
  label: string;
  totalMs: number;
  top: { name: string; where: string; selfMs: number; percent: number }[];
  categories: { category: string; percent: number }[];
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; os: string };
  versions: { latchkey: string; oidcProvider: string; autocannon: string; jose: string; postgres: string | null };
  settings: { durationSeconds: number; warmupSeconds: number; connections: number; rounds: number; quick: boolean };
  ceilings: { http: Measurement | null; jose: Record<JoseAlg, number> | null };
  idleRss: { latchkeySqlite: number | null; latchkeyPostgres: number | null; peer: number | null };
  stores: { sqlite: ScenarioRuns[]; postgres: ScenarioRuns[] | { skipped: string } };
  growth: (GrowthRuns | { store: StoreName; skipped: string })[];
  profiles: ProfileSummary[];
  totalSeconds: number;
}

export function mean(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.length === 0 ? Number.NaN : finite.reduce((sum, value) => sum + value, 0) / finite.length;
}

/** The summary of several runs: mean throughput and latencies, peak RSS, total errors. */
export interface RunSummary {
  perSecond: number;
  p50: number;
  p99: number;
  rssIdleMiB: number;
  rssPeakMiB: number;
  cpuPercent: number;
  postgresCpuPercent: number;
  /** The highest share of a core other processes (co-tenants) took during one of the runs. */
  othersCpuMaxPercent: number;
  errors: number;
  firstError: string | null;
}

export function summarize(runs: readonly Measurement[]): RunSummary | null {
  if (runs.length === 0) return null;
  return {
    perSecond: mean(runs.map((run) => run.perSecond)),
    p50: mean(runs.map((run) => run.p50)),
    p99: mean(runs.map((run) => run.p99)),
    rssIdleMiB: mean(runs.map((run) => run.rssIdleMiB)),
    rssPeakMiB: Math.max(...runs.map((run) => run.rssPeakMiB)),
    cpuPercent: mean(runs.map((run) => run.serverCpuPercent)),
    postgresCpuPercent: mean(runs.map((run) => run.postgresCpuPercent)),
    othersCpuMaxPercent: Math.max(...runs.map((run) => run.othersCpuPercent)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    firstError: runs.find((run) => run.firstError)?.firstError ?? null,
  };
}
