import { readdirSync, readFileSync } from 'node:fs';

/** What /proc (Linux) says about memory and CPU time; NaN where there is no /proc. */

const ticksPerSecond = 100; // USER_HZ, 100 on Linux

/** Resident set size of a process in MiB. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function statFields(pid: number | string): { command: string; cpu: number; reapedChildrenCpu: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      command,
      cpu: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
      reapedChildrenCpu: (Number(fields[13]) + Number(fields[14])) / ticksPerSecond,
    };
  } catch {
    return null;
  }
}

/** CPU time (user + system) of a process in seconds, all its threads. */
export function cpuSeconds(pid: number): number {
  return statFields(pid)?.cpu ?? Number.NaN;
}

/**
 * CPU time of every process with this command name (e.g. the PostgreSQL server's processes),
 * including the children they have reaped: a backend that exits when its connection closes leaves
 * its time in the postmaster's cutime/cstime, so the total never goes down between two readings.
 */
export function commandCpuSeconds(command: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = statFields(entry);
      if (fields?.command === command) total += fields.cpu + fields.reapedChildrenCpu;
    }
  } catch {
    return Number.NaN;
  }
  return total;
}

/** CPU time the whole machine spent busy (all cores), in seconds. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...values] = line.trim().split(/\s+/);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values.map(Number);
    return (user + nice + system + irq + softirq + steal) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** A CPU account over an interval: the server, the database server, and everything else but the bench. */
export class CpuAccount {
  readonly #pid: number;
  readonly #start: { server: number; postgres: number; machine: number; bench: NodeJS.CpuUsage };

  constructor(pid: number) {
    this.#pid = pid;
    this.#start = { server: cpuSeconds(pid), postgres: commandCpuSeconds('postgres'), machine: machineBusySeconds(), bench: process.cpuUsage() };
  }

  /** Percentages of one core over `seconds`: the server's, PostgreSQL's, and other processes' (co-tenants). */
  end(seconds: number): { server: number; postgres: number; others: number } {
    const server = cpuSeconds(this.#pid) - this.#start.server;
    const postgres = commandCpuSeconds('postgres') - this.#start.postgres;
    const machine = machineBusySeconds() - this.#start.machine;
    const bench = process.cpuUsage(this.#start.bench);
    const benchSeconds = (bench.user + bench.system) / 1e6;
    const percent = (value: number) => (value / seconds) * 100;
    return { server: percent(server), postgres: percent(postgres), others: Math.max(0, percent(machine - server - postgres - benchSeconds)) };
  }
}

/**
 * The share of a core (100 = one core) that processes other than the bench, its servers and
 * PostgreSQL took over `ms`: co-tenants of the machine.
 */
export async function othersCpuPercent(ownPids: readonly number[], ms: number): Promise<number> {
  const sample = () => ({
    machine: machineBusySeconds(),
    own: ownPids.reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0),
    postgres: commandCpuSeconds('postgres'),
    bench: process.cpuUsage(),
  });
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  const bench = process.cpuUsage(before.bench);
  const others = after.machine - before.machine - (after.own - before.own) - (after.postgres - before.postgres) - (bench.user + bench.system) / 1e6;
  return Math.max(0, (others / (ms / 1000)) * 100);
}
