import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { checkIssuerPort, checkIssuerTransport, ConfigError } from '../config/load.js';
import { envNameFor } from '../config/leaves.js';
import { buildHttpApp } from '../http/app.js';
import { consolePaths, paths } from '../contracts/paths.js';
import { endpointUrl, issuerBase } from '../protocol/endpoints.js';
import { Metrics } from '../observability/metrics.js';
import { ensureConsoleApp } from './console-app.js';
import { startMailDelivery, type MailDelivery } from './mail/mail-delivery.js';
import type { OutboxWorkerOptions } from './mail/outbox-worker.js';
import { createProtocol } from './protocol.js';
import { openRuntime, type OpenRuntimeOptions, type Runtime } from './runtime.js';
import { startSweeper } from './sweeper.js';
import { startKeySchedule } from './key-schedule.js';
import type { ScheduledKey } from '../domain/keys/signing-keys.js';

export interface RunningServer {
  readonly runtime: Runtime;
  readonly app: FastifyInstance;
  readonly mail: MailDelivery;
  /** Scheduled signing key rotation; `run()` does a round now. */
  readonly keySchedule: { run(): Promise<ScheduledKey[]> };
  /** The address the listener is bound to, e.g. http://127.0.0.1:3000. */
  readonly listeningOn: string;
  /** Stops taking new requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

export interface StartServerOptions extends OpenRuntimeOptions {
  /** Called with the app before it listens: for embedding Latchkey and for tests. */
  configureApp?: (app: FastifyInstance) => void | Promise<void>;
  /**
   * A socket already listening, to serve on instead of `listen.host`/`listen.port`: a caller that
   * must know the port before the issuer is configured binds port 0 and hands the socket over, so
   * no other process can take the port in between.
   */
  listener?: Server;
  /** Builds the app but serves no socket: requests arrive only through `app.inject` (tests). */
  withoutListener?: boolean;
  /** Tunes the outbox worker (tests: short polls and backoff). */
  mailWorker?: Partial<OutboxWorkerOptions>;
}

/** Open registration needs its organization to exist: a server that would refuse every open registration does not start. */
async function requireOpenRegistrationOrganization(runtime: Runtime): Promise<void> {
  const { registration } = runtime.config;
  if (!registration.enabled || !registration.open || !registration.openOrganization) return;
  if (await runtime.storage.organizations.getByName(registration.openOrganization)) return;
  throw new ConfigError([
    {
      key: 'registration.openOrganization',
      message: `there is no organization named ${registration.openOrganization} for openly registered apps to belong to; create it (latchkey orgs create) or name another`,
      given: registration.openOrganization,
      env: envNameFor(['registration', 'openOrganization']),
    },
  ]);
}

/** Opens the runtime, builds the HTTP app, listens, and keeps signing keys in step with the database. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  // Checked before anything is opened or created: a refused issuer leaves no trace.
  const transport = checkIssuerTransport(options.config);
  const issuerProblems = [...transport.problems, ...checkIssuerPort(options.config)];
  if (issuerProblems.length > 0) throw new ConfigError(issuerProblems);
  if (transport.warning) options.logger.warn({ issuer: options.config.issuer }, transport.warning);

  const runtime = await openRuntime(options);
  const { config, logger, signingKeys } = runtime;
  let app: FastifyInstance;
  const metrics = config.http.metrics ? new Metrics() : undefined;
  if (metrics) runtime.events.subscribe(metrics.onEvent);
  try {
    await requireOpenRegistrationOrganization(runtime);
    await ensureConsoleApp(runtime);
    app = await buildHttpApp({
      config,
      logger,
      signingKeys,
      registry: runtime.registry,
      protocol: createProtocol(runtime),
      pingDatabase: () => runtime.database.ping(),
      consoleSealingKey: runtime.keys.consoleSessionKey,
      ...(metrics ? { metrics } : {}),
    });
    await options.configureApp?.(app);
    if (options.withoutListener) await app.ready();
    else if (options.listener) await listenOn(app, options.listener);
    else await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (error) {
    await runtime.close();
    throw error;
  }

  // Every node polls for key rotations made elsewhere (the CLI, another node); on PostgreSQL a
  // rotation's announcement reloads them at once, and the poll stays as the safety net.
  let refreshing = false;
  const refreshKeys = () => {
    if (refreshing) return;
    refreshing = true;
    signingKeys
      .refresh()
      .then((changed) => {
        if (changed) logger.info({ kids: signingKeys.jwks.keys.map((key) => key.kid) }, 'signing keys reloaded');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'signing key refresh failed'))
      .finally(() => {
        refreshing = false;
      });
  };
  const keyRefresh = setInterval(refreshKeys, config.keys.refreshIntervalSeconds * 1000);
  keyRefresh.unref();
  runtime.staleFeed.subscribe((notice) => {
    if (notice === 'everything' || notice.signingKeys) refreshKeys();
  });
  await runtime.staleFeed.listen();
  const sweeper = startSweeper(runtime);
  const keySchedule = startKeySchedule(runtime);
  const mail = startMailDelivery(runtime, options.mailWorker);

  const address = app.server.address();
  const listeningOn =
    address && typeof address === 'object'
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : String(address ?? 'no socket (in-process)');

  logger.info({ issuer: config.issuer, listeningOn, database: runtime.database.description }, 'latchkey listening');

  let stopping: Promise<void> | undefined;
  return {
    runtime,
    app,
    mail,
    keySchedule,
    listeningOn,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(keyRefresh);
        sweeper.stop();
        keySchedule.stop();
        await app.close();
        await mail.stop();
        await runtime.close();
        logger.info('latchkey stopped');
        logger.flush();
      })();
      return stopping;
    },
  };
}

async function listenOn(app: FastifyInstance, listener: Server): Promise<void> {
  await app.ready();
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(listener, () => {
      app.server.off('error', reject);
      resolve();
    });
  });
}

/** The absolute URL of the first-run setup page for a setup link's token. */
export function setupUrl(issuer: string, token: string): string {
  return `${issuerBase(issuer)}${paths.console}${consolePaths.setup}?token=${encodeURIComponent(token)}`;
}

/**
 * The lines a person sees when the server is up: where it is and what to do next. `setupLink` is
 * the first-run setup URL, while the server has no administrator.
 */
export function startupBanner(server: RunningServer, setupLink: string | null = null): string {
  const { config, database } = server.runtime;
  const next = setupLink
    ? [
        'Next: this server has no administrator yet. Open this one-time link (valid 24 hours) to create',
        'the first administrator and organization, then use the console:',
        `  ${setupLink}`,
        '  (restarting prints a new link while no administrator exists; `latchkey init` does it without a browser)',
      ]
    : ['Next: sign in to the console to create apps and APIs, then point an OpenID Connect client at the issuer.', '  (README.md, "Quickstart")'];
  return [
    '',
    'Latchkey is running.',
    `  Issuer:     ${config.issuer}`,
    `  Console:    ${issuerBase(config.issuer)}${paths.console}/`,
    `  Discovery:  ${endpointUrl(config.issuer, 'openidConfiguration')}`,
    `  JWKS:       ${endpointUrl(config.issuer, 'jwks')}`,
    `  Database:   ${database.description}`,
    `  Listening:  ${server.listeningOn}`,
    server.mail.logOnly
      ? '  Mail:       development mode: mails are written to the log, not sent (set mail.smtpUrl to send them)'
      : `  Mail:       ${server.mail.mailer.description}`,
    '',
    ...next,
    '',
  ].join('\n');
}
