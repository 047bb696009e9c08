import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoDir } from './paths.js';
import type { ProfileSummary } from './results.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a function lives, in words: the part of the stack it belongs to. */
function categoryOf(url: string, name: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8 (program)';
  if (url.startsWith('node:internal/modules') || ['compileSourceTextModule', 'wrapSafe', 'openFileHandle', 'compileFunction'].includes(name))
    return 'start-up (module loading)';
  if (url.includes('/dist/storage/') || url.includes('better-sqlite3') || url.includes('/kysely/') || url.includes('/node_modules/pg'))
    return 'database (Kysely, driver, repositories)';
  if (url.includes('/jose/')) return 'jose (JWT, JWK)';
  if (url.includes('/argon2')) return 'argon2';
  if (url.includes('fastify') || url.includes('find-my-way') || url.includes('light-my-request') || url.includes('avvio')) return 'Fastify';
  if (url.includes('/pino') || url.includes('sonic-boom')) return 'logging';
  if (url.includes('/zod/')) return 'zod';
  if (url.includes('/eta/')) return 'templates (eta)';
  if (url.includes('/dist/')) return 'Latchkey code';
  if (url === '') return 'native calls (socket writes, crypto, timers)';
  if (url.startsWith('node:')) return 'Node.js internals (http, crypto, streams)';
  return 'other packages';
}

function where(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? relative(repoDir, new URL(url).pathname) : url;
  return `${path}:${line + 1}`;
}

/** Self time per function and per part of the stack, from a .cpuprofile written by --cpu-prof. */
export function summarizeProfile(file: string, label: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i]!;
    // The time until the next sample belongs to this one.
    const delta = deltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byCategory = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    totalUs += us;
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = `${name}@${url}:${lineNumber}`;
    const entry = byFunction.get(key) ?? { name, where: where(url, lineNumber), us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const category = categoryOf(url, name);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  return {
    label,
    totalMs: busyUs / 1000,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({ name: entry.name, where: entry.where, selfMs: entry.us / 1000, percent: (entry.us / busyUs) * 100 })),
    categories: [...byCategory].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, percent: (us / busyUs) * 100 })),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`CPU profile: ${summary.label} (${summary.totalMs.toFixed(0)} ms busy, idle excluded)`];
  lines.push(
    '  by part: ' +
      summary.categories
        .slice(0, 8)
        .map((entry) => `${entry.category} ${entry.percent.toFixed(1)}%`)
        .join(', '),
  );
  for (const entry of summary.top) lines.push(`  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}  ${entry.where}`);
  return lines.join('\n');
}
