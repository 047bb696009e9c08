import { performance } from 'node:perf_hooks';
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { CpuAccount, rssMiB } from './proc.js';

export type LoadRequest = autocannon.Request;

/**
 * The load of one scenario: a sequence of requests that each connection repeats (one request for
 * most; authorize then token for a flow), with the status each must answer. A sequence shares one
 * `context` object between its requests' setupRequest and onResponse.
 */
export interface LoadPlan {
  requests: LoadRequest[];
  expect: number[];
  /** Text each answer's body must contain to count (e.g. `"active":true`): a 200 is not always a yes. */
  contains?: (string | null)[];
  connections?: number;
  /** Called before each run (warm-up and measured): refill pools of single-use tokens. */
  beforeRun?: () => Promise<void>;
}

export interface Measurement {
  /** Completed sequences (requests, flows or sign-ins) per second. */
  perSecond: number;
  units: number;
  /** Latency of one sequence, ms. */
  p50: number;
  p99: number;
  /** Unexpected statuses, socket errors and timeouts. */
  errors: number;
  /** The first unexpected answer, for the report. */
  firstError: string | null;
  rssIdleMiB: number;
  rssPeakMiB: number;
  /** Server CPU during the measured run: 100 is one core busy all the time. */
  serverCpuPercent: number;
  /** PostgreSQL's processes' CPU during the run (same scale). */
  postgresCpuPercent: number;
  /** CPU of every other process on the machine but the bench (co-tenants: noise), same scale. */
  othersCpuPercent: number;
  seconds: number;
}

interface SequenceContext {
  startedAt?: number;
  /** Set by a request's onResponse when the answer, though of the expected status, is unusable. */
  problem?: string;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/** Wraps a multi-request plan so that completed sequences, their latency and wrong answers are counted. */
function instrument(plan: LoadPlan, tally: { units: number; errors: number; firstError: string | null; latencies: number[] }): LoadRequest[] {
  const last = plan.requests.length - 1;
  return plan.requests.map((request, index) => {
    const setup = request.setupRequest;
    const onResponse = request.onResponse;
    const wrapped: LoadRequest = { ...request };
    if (index === 0) {
      wrapped.setupRequest = (req, context) => {
        (context as SequenceContext).startedAt = performance.now();
        return typeof setup === 'function' ? setup(req, context) : req;
      };
    }
    wrapped.onResponse = (status, body, context, headers) => {
      if (typeof onResponse === 'function') onResponse(status, body, context, headers);
      const needed = plan.contains?.[index];
      if (needed && !body.includes(needed)) (context as SequenceContext).problem ??= `the answer lacks ${needed}: ${body.slice(0, 200)}`;
      const problem = (context as SequenceContext).problem;
      if (status !== plan.expect[index] || problem) {
        tally.errors += 1;
        tally.firstError ??= `request ${index + 1} of ${plan.requests.length}: HTTP ${status} ${problem ?? body.slice(0, 200)}`;
        return;
      }
      if (index === last) {
        tally.units += 1;
        const startedAt = (context as SequenceContext).startedAt;
        if (startedAt !== undefined) tally.latencies.push(performance.now() - startedAt);
      }
    };
    return wrapped;
  });
}

type Instance = Promise<autocannon.Result> & EventEmitter;

/**
 * One autocannon run. Its own latency histogram keeps whole milliseconds, too coarse here, so
 * `onLatency` gets each expected answer's time (ms, from hrtime) to compute percentiles from.
 */
function cannon(
  url: string,
  requests: LoadRequest[],
  connections: number,
  seconds: number,
  onLatency?: (status: number, ms: number) => void,
): Promise<autocannon.Result> {
  // autocannon shares the request objects between connections, and each connection's first
  // request is whatever the last one built: with single-use values (refresh tokens, codes) that
  // sends one value ten times. So each connection gets its own copies.
  const instance = autocannon({
    url,
    requests: [{ method: 'GET', path: '/' }],
    setupClient: (client) => client.setRequests(requests.map((request) => ({ ...request }))),
    connections,
    duration: seconds,
    timeout: 10,
    pipelining: 1,
  }) as Instance;
  // The instance is also a promise: listen on it as the event emitter, whose on() returns no promise.
  const events: EventEmitter = instance;
  if (onLatency) events.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => onLatency(status, ms));
  return instance;
}

/** Warms up, then loads the server at `origin` for `seconds` and measures throughput, latency, RSS and CPU. */
export async function runLoad(
  origin: string,
  pid: number,
  plan: LoadPlan,
  options: { seconds: number; warmupSeconds: number; connections: number },
): Promise<Measurement> {
  const connections = plan.connections ?? options.connections;
  const single = plan.requests.length === 1 && typeof plan.requests[0]?.onResponse !== 'function' && !plan.contains?.[0];
  if (options.warmupSeconds > 0) {
    await plan.beforeRun?.();
    await cannon(origin, instrument(plan, { units: 0, errors: 0, firstError: null, latencies: [] }), connections, options.warmupSeconds);
  }
  await plan.beforeRun?.();
  const rssIdleMiB = rssMiB(pid);
  let rssPeakMiB = rssIdleMiB;
  const sampler = setInterval(() => {
    rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid));
  }, 200);
  const tally = { units: 0, errors: 0, firstError: null as string | null, latencies: [] as number[] };
  const requests = single ? plan.requests : instrument(plan, tally);
  const cpu = new CpuAccount(pid);
  const startedAt = performance.now();
  const singleLatencies: number[] = [];
  const expected = plan.expect[0];
  const result = await cannon(
    origin,
    requests,
    connections,
    options.seconds,
    single ? (status, ms) => status === expected && singleLatencies.push(ms) : undefined,
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const usage = cpu.end(seconds);
  clearInterval(sampler);
  rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid));

  let units: number;
  let errors: number;
  let p50: number;
  let p99: number;
  if (single) {
    units = result.statusCodeStats?.[String(expected) as `${number}`]?.count ?? 0;
    const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, entry) => sum + (entry.count ?? 0), 0);
    errors = answered - units + result.errors;
    const sorted = singleLatencies.sort((a, b) => a - b);
    p50 = percentile(sorted, 0.5);
    p99 = percentile(sorted, 0.99);
    if (answered - units > 0) {
      const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, entry]) => `${code}×${entry.count ?? 0}`);
      tally.firstError = `statuses ${codes.join(', ')}`;
    }
  } else {
    units = tally.units;
    errors = tally.errors + result.errors;
    const sorted = tally.latencies.sort((a, b) => a - b);
    p50 = percentile(sorted, 0.5);
    p99 = percentile(sorted, 0.99);
  }
  if (result.errors > 0) tally.firstError ??= `${result.errors} socket errors (${result.timeouts} timeouts)`;
  return {
    perSecond: units / seconds,
    units,
    p50,
    p99,
    errors,
    firstError: tally.firstError,
    rssIdleMiB,
    rssPeakMiB,
    serverCpuPercent: usage.server,
    postgresCpuPercent: usage.postgres,
    othersCpuPercent: usage.others,
    seconds,
  };
}
