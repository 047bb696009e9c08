import type { Command } from 'commander';
import { configLeaves } from '../config/leaves.js';
import { formatConfigProblems, loadConfig, type ConfigOrigin } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../observability/logger.js';

/** A problem the CLI reports as one clear message and a non-zero exit, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

function attributeName(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Adds every non-secret config setting as a flag (`--listen-port`, `--port`, ...) plus `--config`. */
export function addConfigOptions(command: Command): Command {
  command.option('--config <file>', 'configuration file (default: ./latchkey.yaml when present)');
  for (const leaf of configLeaves()) {
    if (!leaf.flag) continue;
    command.option(`${leaf.flag} <value>`, `${leaf.description} [${leaf.env}]`);
    if (leaf.shortFlag) command.option(`${leaf.shortFlag} <value>`, `same as ${leaf.flag}`);
  }
  return command;
}

export interface LoadedCliConfig {
  config: Config;
  origins: Map<string, ConfigOrigin>;
  file?: string;
}

/** Reads the configuration the way every command does: defaults < file < env < flags. */
export function configFromCommand(command: Command): LoadedCliConfig {
  const options = command.optsWithGlobals<Record<string, string | undefined>>();
  const flags: Record<string, string> = {};
  for (const leaf of configLeaves()) {
    for (const flag of [leaf.flag, leaf.shortFlag]) {
      const value = flag ? options[attributeName(flag)] : undefined;
      if (value !== undefined) flags[leaf.key] = value;
    }
  }
  const loaded = loadConfig({ env: process.env, flags, ...(options.config ? { file: options.config } : {}) });
  if (!loaded.ok) throw new CliError(formatConfigProblems(loaded.problems));
  return { config: loaded.config, origins: loaded.origins, ...(loaded.file ? { file: loaded.file } : {}) };
}

/** Commands other than `start` log to stderr, warnings and worse, so stdout stays for their output. */
export function commandLogger(config: Config): Logger {
  const quiet = ['fatal', 'error', 'silent'].includes(config.log.level) ? config.log.level : 'warn';
  return createLogger({ level: quiet, destination: process.stderr });
}
