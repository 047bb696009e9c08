import type { Command } from 'commander';
import { configLeaves } from '../../config/leaves.js';
import { describeOrigin, displayValue, maskedConfig } from '../../config/load.js';
import { configFromCommand } from '../context.js';
import { formatTable, printJson } from '../output.js';

function valueAt(config: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration, secrets masked, with where each value came from')
    .option('--json', 'print the configuration as JSON')
    .action((options: { json?: boolean }, command: Command) => {
      const { config, origins, file } = configFromCommand(command);
      if (options.json) {
        printJson(maskedConfig(config));
        return;
      }
      const rows = configLeaves().map((leaf) => [
        leaf.key,
        displayValue(leaf, valueAt(config, leaf.path)),
        describeOrigin(origins.get(leaf.key) ?? { kind: 'default' }),
      ]);
      process.stdout.write(`${file ? `Config file: ${file}\n\n` : ''}${formatTable(['SETTING', 'VALUE', 'SOURCE'], rows)}\n`);
    });
}
