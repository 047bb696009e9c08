import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Every process the bench starts goes through here, so that none outlives it: they are killed on
 * exit, on SIGINT/SIGTERM, and each also exits by itself when its IPC channel to the bench closes
 * (the bench was killed with SIGKILL), through a one-line preload.
 */
const children = new Set<ChildProcess>();

const exitWithParent = `data:text/javascript,process.on('disconnect',()=>process.exit(70));process.channel&&process.channel.unref()`;

export interface StartedChild {
  process: ChildProcess;
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  logFile: string;
  cwd?: string;
}

export function spawnNode(options: SpawnOptions): StartedChild {
  const log = openSync(options.logFile, 'a');
  // The servers get only the configuration the bench gives them, not the caller's LATCHKEY_*.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_')));
  const child = spawn(process.execPath, ['--import', exitWithParent, ...options.args], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => children.delete(child));
  if (child.pid === undefined) throw new Error(`could not start node ${options.args.join(' ')}`);
  return {
    process: child,
    pid: child.pid,
    logFile: options.logFile,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Process ids of the children still running. */
export function childPids(): number[] {
  return [...children].flatMap((child) => (child.pid !== undefined && child.exitCode === null ? [child.pid] : []));
}

export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** Kill children on every way out; `cleanup` runs (best effort) on signals before exiting. */
export function installExitHandlers(cleanup: () => Promise<void>): void {
  process.on('exit', killAllChildren);
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(130);
      signalled = true;
      process.stderr.write(`\n${signal}: stopping the servers and cleaning up\n`);
      killAllChildren();
      const forced = setTimeout(() => process.exit(130), 10_000);
      forced.unref();
      void cleanup().finally(() => process.exit(130));
    });
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls a URL until it answers 200, the child exits, or the time is up. */
export async function waitForHttp(url: string, child: StartedChild, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`${url}: the process exited with ${child.process.exitCode}; its log:\n${tail(child.logFile)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last}); log:\n${tail(child.logFile)}`);
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
