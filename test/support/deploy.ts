import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configLeaves } from '../../src/config/leaves.js';

/** The repository root, where the Dockerfile and deploy/ live. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every LATCHKEY_* name the server reads a setting from: each leaf's variable and its `_FILE` variant. */
export function settingEnvNames(): Set<string> {
  return new Set(configLeaves().flatMap((leaf) => (leaf.fileEnv ? [leaf.env, leaf.fileEnv] : [leaf.env])));
}

export interface DockerInstruction {
  instruction: string;
  args: string;
  /** Index of the FROM that opened the stage this instruction belongs to (0 = first stage). */
  stage: number;
}

/** The Dockerfile's instructions, with `\` continuations joined and comments dropped. */
export function dockerfileInstructions(path = join(repoRoot, 'Dockerfile')): DockerInstruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += (pending ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (pending.trim()) logical.push(pending.trim());
      pending = '';
    }
  }
  if (pending.trim()) logical.push(pending.trim());
  let stage = -1;
  return logical.map((text) => {
    const [instruction = '', ...rest] = text.split(/\s+/);
    const upper = instruction.toUpperCase();
    if (upper === 'FROM') stage += 1;
    return { instruction: upper, args: rest.join(' '), stage };
  });
}

/** The ENV the image's last stage (the run stage) sets, by name. Supports `ENV a=b c=d` without quoted spaces. */
export function dockerfileRunEnv(instructions = dockerfileInstructions()): Record<string, string> {
  const last = Math.max(...instructions.map((entry) => entry.stage));
  const env: Record<string, string> = {};
  for (const { instruction, args, stage } of instructions) {
    if (instruction !== 'ENV' || stage !== last) continue;
    for (const pair of args.split(/\s+/)) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
      if (!match) throw new Error(`ENV ${args}: expected name=value pairs`);
      env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** Files under a directory of the repository, relative to the repository root. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(repoRoot, full));
    }
  };
  walk(join(repoRoot, dir));
  return out;
}
