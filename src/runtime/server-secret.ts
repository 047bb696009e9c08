import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

export interface ServerSecret {
  value: string;
  origin: 'configured' | 'data-dir' | 'generated';
  /** The file it was read from or written to, when it came from the data directory. */
  file?: string;
}

export class ServerSecretError extends Error {
  override readonly name = 'ServerSecretError';
}

const minimumLength = 32;

function readSecretFile(file: string): string {
  const value = readFileSync(file, 'utf8').trim();
  if (value.length < minimumLength) {
    throw new ServerSecretError(`${file} holds a secret shorter than ${minimumLength} characters; delete it or set LATCHKEY_SECRET`);
  }
  return value;
}

/**
 * The server secret: LATCHKEY_SECRET when set; otherwise the one in `<dataDir>/secret`, generated
 * there on first start (256 random bits, file mode 0600) with a warning.
 */
export function resolveServerSecret(config: Config, cwd: string, logger: Logger): ServerSecret {
  if (config.secret) return { value: config.secret, origin: 'configured' };
  const dataDir = resolve(cwd, config.dataDir);
  const file = resolve(dataDir, 'secret');
  try {
    const value = readSecretFile(file);
    if ((statSync(file).mode & 0o077) !== 0) {
      logger.warn({ file }, 'the generated secret file is readable by other users; run chmod 600 on it');
    }
    return { value, origin: 'data-dir', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof ServerSecretError) throw error;
      throw new ServerSecretError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const value = randomBytes(32).toString('base64url');
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { value: readSecretFile(file), origin: 'data-dir', file };
    throw new ServerSecretError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  logger.warn(
    { file },
    'LATCHKEY_SECRET is not set: generated a random secret into the data directory (mode 0600). Back it up, since the signing keys cannot be decrypted without it, and set LATCHKEY_SECRET on every node in production.',
  );
  return { value, origin: 'generated', file };
}
