import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, waitForHttp } from '../children.js';
import { repoDir } from '../paths.js';
import { discoverEndpoints, type Target } from '../target.js';
import type { LatchkeySeed } from './seed.js';

export interface LatchkeyInstance {
  /** How the log and the tables name it; the growth phase renames the grown store's. */
  label: string;
  dir: string;
  port: number;
  env: Record<string, string>;
}

/** The environment `latchkey start` gets: everything in `dir`, quiet logs, migrations on start. */
export function latchkeyEnv(dir: string, port: number, databaseUrl: string, secret: string): Record<string, string> {
  return {
    LATCHKEY_ISSUER: `http://127.0.0.1:${port}`,
    LATCHKEY_LISTEN_HOST: '127.0.0.1',
    LATCHKEY_LISTEN_PORT: String(port),
    LATCHKEY_DATABASE_URL: databaseUrl,
    LATCHKEY_DATA_DIR: join(dir, 'data'),
    LATCHKEY_SECRET: secret,
    LATCHKEY_LOG_LEVEL: 'warn',
    LATCHKEY_LOG_REQUESTS: 'false',
    LATCHKEY_DATABASE_MIGRATE_ON_START: 'true',
  };
}

/** Starts the built Latchkey (`node bin/latchkey.js start`) as its own process and waits until it answers. */
export async function startLatchkey(instance: LatchkeyInstance, seed: LatchkeySeed, profileDir: string | null): Promise<Target> {
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  if (profileDir) {
    // A fresh directory: the profile read back must be this run's.
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const child = spawnNode({
    args: [...profileArgs, join(repoDir, 'bin', 'latchkey.js'), 'start'],
    env: instance.env,
    cwd: instance.dir,
    logFile: join(instance.dir, 'latchkey.log'),
  });
  const origin = `http://127.0.0.1:${instance.port}`;
  await waitForHttp(`${origin}/readyz`, child, 60_000);
  return {
    kind: 'latchkey',
    label: instance.label,
    origin,
    child,
    m2m: seed.m2m,
    web: seed.web,
    audienceParameter: 'audience',
    offlineParameters: {},
    sessionCookieNames: ['lk_session'],
    endpoints: await discoverEndpoints(origin),
  };
}

/** The .cpuprofile files written in `dir` (by processes that exited normally). */
export function profilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}
