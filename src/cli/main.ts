import { ConfigError } from '../config/load.js';
import { DatabaseOpenError } from '../storage/sql/database.js';
import { RedisConnectionError } from '../storage/redis/redis-connection.js';
import { KeyEncryptionMismatchError } from '../domain/keys/key-encryption.js';
import { ServerSecretError } from '../runtime/server-secret.js';
import { CliError } from './context.js';
import { buildProgram } from './program.js';

const expectedFailures = [CliError, ConfigError, DatabaseOpenError, RedisConnectionError, KeyEncryptionMismatchError, ServerSecretError];

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (expectedFailures.some((type) => error instanceof type)) {
    process.stderr.write(`latchkey: ${(error as Error).message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`latchkey: ${(error as Error).message}: another process is using that port; pick one with --port\n`);
  } else {
    process.stderr.write(`latchkey: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}
