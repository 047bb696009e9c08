import type { Command } from 'commander';
import { createLogger } from '../../observability/logger.js';
import { setupUrl, startServer, startupBanner } from '../../runtime/server.js';
import { configFromCommand } from '../context.js';

const shutdownTimeoutMs = 10_000;

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the authorization server (migrates and creates signing keys on first start)')
    .action(async (_options, command: Command) => {
      const { config } = configFromCommand(command);
      const logger = createLogger({ level: config.log.level });
      const server = await startServer({ config, logger });
      // A fresh one-time setup link on every start while the server has no administrator.
      const setupToken = await server.runtime.registry.firstRun.issueSetupLink();
      process.stderr.write(startupBanner(server, setupToken ? setupUrl(config.issuer, setupToken) : null));

      let signals = 0;
      const shutdown = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(1);
        }
        logger.info({ signal }, 'shutting down: finishing in-flight requests');
        const forced = setTimeout(() => {
          logger.error({ timeoutMs: shutdownTimeoutMs }, 'in-flight requests did not finish in time; exiting');
          process.exit(1);
        }, shutdownTimeoutMs);
        forced.unref();
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    });
}
