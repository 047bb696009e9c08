import { allGoals, otherGoals, referencePeer, scenarioGoal } from '../goals.js';
import { summarize, type BenchReport, type GrowthRuns, type RunSummary, type ScenarioRuns } from '../results.js';

export const fmt = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const latency = (summary: RunSummary | null) => (summary ? `${fmt(summary.p50, 1)} / ${fmt(summary.p99, 1)}` : '—');
const rss = (summary: RunSummary | null) => (summary ? `${fmt(summary.rssIdleMiB)} / ${fmt(summary.rssPeakMiB)}` : '—');
const rate = (summary: RunSummary | null) => (summary ? fmt(summary.perSecond) + (summary.errors > 0 ? ` (${summary.errors} errors)` : '') : '—');
const mark = (met: boolean | null | undefined) => (met === true ? 'met' : met === false ? '**missed**' : '—');

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[][]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

/** The main table: Latchkey and oidc-provider side by side on SQLite, with each row's goal. */
export function comparisonTable(report: BenchReport): string {
  const rows = report.stores.sqlite.map((runs) => {
    const latchkey = summarize(runs.latchkey);
    const peer = summarize(runs.peer);
    const goal = scenarioGoal(report, runs);
    const reference = referencePeer[runs.id];
    return [
      `${runs.title} (${runs.unit})`,
      rate(latchkey),
      rate(peer),
      latchkey && peer ? `${fmt(latchkey.perSecond / peer.perSecond, 2)}×` : '—',
      reference ? fmt(reference) : runs.id === 'signin' ? `Keycloak ${otherGoals.keycloakSignInsPerCpu}/vCPU` : '—',
      latency(latchkey),
      latency(peer),
      rss(latchkey),
      rss(peer),
      latchkey ? `${fmt(latchkey.cpuPercent)}%` : '—',
      goal?.measured ?? '—',
      mark(goal?.met),
    ];
  });
  return table(
    [
      'Scenario',
      'Latchkey',
      'oidc-provider',
      'Latchkey / peer',
      'peer reference',
      'Latchkey p50 / p99 ms',
      'peer p50 / p99 ms',
      'Latchkey RSS before / peak MiB',
      'peer RSS before / peak MiB',
      'Latchkey CPU',
      'goal: measured',
      'goal',
    ],
    rows,
  );
}

export function postgresTable(report: BenchReport, runs: readonly ScenarioRuns[]): string {
  return table(
    [
      'Scenario',
      'Latchkey PostgreSQL',
      'Latchkey SQLite',
      'PostgreSQL / SQLite',
      'p50 / p99 ms',
      'RSS before / peak MiB',
      'Latchkey CPU',
      'PostgreSQL CPU',
      `goal ≥ ${fmt((1 - otherGoals.postgresWithin) * 100)}%`,
    ],
    runs.map((entry) => {
      const pg = summarize(entry.latchkey);
      const sqlite = summarize(report.stores.sqlite.find((candidate) => candidate.id === entry.id)?.latchkey ?? []);
      const ratio = pg && sqlite ? pg.perSecond / sqlite.perSecond : Number.NaN;
      return [
        `${entry.title} (${entry.unit})`,
        rate(pg),
        rate(sqlite),
        `${fmt(ratio * 100)}%`,
        latency(pg),
        rss(pg),
        pg ? `${fmt(pg.cpuPercent)}%` : '—',
        pg ? `${fmt(pg.postgresCpuPercent)}%` : '—',
        mark(Number.isFinite(ratio) ? ratio >= 1 - otherGoals.postgresWithin : null),
      ];
    }),
  );
}

export function growthTable(growth: GrowthRuns): string {
  return table(
    [
      'Scenario',
      'empty store',
      'grown store',
      'grown / empty',
      'empty p50 / p99 ms',
      'grown p50 / p99 ms',
      'grown RSS before / peak MiB',
      `goal ≥ ${fmt((1 - otherGoals.growthWithin) * 100)}%`,
    ],
    growth.runs.map((entry) => {
      const grown = summarize(entry.grown);
      const base = summarize(entry.empty);
      const ratio = grown && base ? grown.perSecond / base.perSecond : Number.NaN;
      return [
        `${entry.title} (${entry.unit})`,
        rate(base),
        rate(grown),
        `${fmt(ratio * 100)}%`,
        latency(base),
        latency(grown),
        rss(grown),
        mark(Number.isFinite(ratio) ? ratio >= 1 - otherGoals.growthWithin : null),
      ];
    }),
  );
}

export function ceilingsTable(report: BenchReport): string {
  const rows: string[][] = [];
  const http = report.ceilings.http;
  if (http) {
    rows.push([
      'bare node:http, fixed JSON',
      `${fmt(http.perSecond)} req/s`,
      `p50 ${fmt(http.p50, 1)} / p99 ${fmt(http.p99, 1)} ms, RSS ${fmt(http.rssPeakMiB)} MiB, server CPU ${fmt(http.serverCpuPercent)}%: below 100% the load generator is the limit`,
    ]);
  }
  for (const [alg, perSecond] of Object.entries(report.ceilings.jose ?? {})) {
    rows.push([`jose SignJWT ${alg}, one at a time`, `${fmt(perSecond)} signatures/s`, 'in the bench process, no HTTP']);
  }
  return table(['Ceiling', 'rate', 'notes'], rows);
}

export function goalsTable(report: BenchReport): string {
  return table(
    ['Goal', 'measured', 'met'],
    allGoals(report).map((goal) => [goal.goal, goal.measured, mark(goal.met)]),
  );
}

/** Runs during which other processes on the machine took a noticeable share of the CPU. */
export function noiseNote(report: BenchReport, threshold = 20): string {
  const disturbed: string[] = [];
  const visit = (store: string, runs: readonly ScenarioRuns[], names = ['Latchkey', 'oidc-provider']) => {
    for (const entry of runs) {
      for (const [who, list] of [
        [names[0], entry.latchkey],
        [names[1], entry.peer],
      ] as const) {
        list.forEach((run, index) => {
          if (run.othersCpuPercent >= threshold) disturbed.push(`${store} ${entry.id} ${who} #${index + 1} (${fmt(run.othersCpuPercent)}%)`);
        });
      }
    }
  };
  visit('SQLite', report.stores.sqlite);
  if (Array.isArray(report.stores.postgres)) visit('PostgreSQL', report.stores.postgres);
  for (const growth of report.growth) {
    if ('skipped' in growth) continue;
    visit(
      `growth ${growth.store}`,
      growth.runs.map(({ id, title, unit, grown, empty }) => ({ id, title, unit, latchkey: grown, peer: empty })),
      ['grown', 'empty'],
    );
  }
  if (disturbed.length === 0) return `No run saw other processes take ${threshold}% of a core or more: the machine was otherwise quiet.`;
  return `Other processes on the machine took ${threshold}% of a core or more during these runs, which lowers their numbers: ${disturbed.join(', ')}.`;
}
