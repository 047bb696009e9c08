import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { SigningKeys } from '../domain/keys/signing-keys.js';
import type { Registry } from '../domain/registry.js';
import { issuerBase, issuerPath } from '../protocol/endpoints.js';
import { paths } from '../contracts/paths.js';
import type { Protocol } from '../protocol/protocol.js';
import { managementOpenApi, managementRoutes, registerManagementApi } from './api/management-api.js';
import { InputGuard, parseQueryString } from './input-guard.js';
import { PageRenderer } from './pages.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerConsoleRoutes } from './routes/console.js';
import { createFederationPages, registerFederationRoutes } from './routes/federation.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { SecondFactorPrompt } from '../ui/second-factor-prompt.js';
import { registerSetupRoutes } from './routes/setup.js';
import { registerAccountLinkRoutes } from './routes/account-links.js';
import { AccountLinkPages } from '../ui/account-link-pages.js';
import { buildServerMetadata } from '../protocol/discovery.js';
import { isOAuthError } from '../protocol/errors.js';
import { lazyChildLogger } from '../observability/lazy-child-logger.js';
import { redactUrl } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerRegistrationRoutes } from './routes/registration.js';
import { registerWellKnownRoutes } from './routes/well-known.js';

export interface HttpAppDependencies {
  config: Config;
  logger: Logger;
  signingKeys: SigningKeys;
  registry: Registry;
  protocol: Protocol;
  pingDatabase: () => Promise<void>;
  /** In-process operator key for the CLI's local mode (see registerManagementApi). */
  operatorKey?: string;
  /** Seals the console's server-side tokens. */
  consoleSealingKey: Uint8Array;
  /** Prometheus metrics, when http.metrics is on. */
  metrics?: Metrics;
}

export const latchkeyVersion = '0.1.0';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The Fastify application: plugins and routes registered in one place; routes stay thin. */
export async function buildHttpApp(deps: HttpAppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const pages = new PageRenderer({
    assetsPath: issuerPath(config.issuer) + paths.assets,
    ...(config.ui.templatesDir ? { templatesDir: config.ui.templatesDir } : {}),
  });
  const inputGuard = new InputGuard({ prefix: issuerPath(config.issuer), pages });
  const requestTimeoutMs = config.http.requestTimeoutSeconds * 1000;
  const headersTimeoutMs = config.http.headersTimeoutSeconds * 1000;
  const app = Fastify({
    // Slow clients are cut off (408, then the connection closes): a whole request within
    // requestTimeout, its headers within headersTimeout, and an idle keep-alive connection after
    // keepAliveTimeout. Node checks the first two only every connectionsCheckingInterval (30 s by
    // default), so check at least every second to make the limits hold.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutSeconds * 1000,
    // requestTimeout again here: Node checks headersTimeout against it when it makes the server.
    http: { requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 2)) },
    // pino's Logger and Fastify's logger type differ in msgPrefix; the instance is the same.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    childLoggerFactory: (logger, bindings, options) => lazyChildLogger(logger as Logger, bindings, options) as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.http.trustProxy,
    bodyLimit: 128 * 1024,
    return503OnClosing: true,
    // Strict decoding and one string per name; the input guard refuses what this parser could not read.
    routerOptions: { querystringParser: parseQueryString },
    frameworkErrors: inputGuard.onFrameworkError,
    clientErrorHandler: inputGuard.onClientError,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
  });

  await app.register(cookie);
  // Refuses NUL, invalid UTF-8 and repeated parameters in the target, form and JSON bodies before any route runs.
  inputGuard.register(app);
  // Any other media type reaches the handlers, which answer it in their own terms (invalid_request, 400).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
    done();
  });

  // While shutting down, responses to in-flight requests close their connection, so that
  // keep-alive clients don't hold the process open until their idle timeout.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  if (deps.metrics) {
    const metrics = deps.metrics;
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.get(paths.metrics, async (_request, reply) =>
      reply
        .type('text/plain; version=0.0.4; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(await metrics.render()),
    );
  }

  if (config.log.requests) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          statusCode: reply.statusCode,
          remoteAddress: request.ip,
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
      done();
    });
  }

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', error_description: `no route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isOAuthError(error)) {
      return reply.code(error.status).headers(error.headers).header('cache-control', 'no-store').send(error.toJSON());
    }
    if (error.statusCode && error.statusCode < 500) {
      // Malformed bodies, unsupported media types, oversized payloads: the client's fault, said plainly
      // (a page on browser-facing routes).
      return inputGuard.refuse(request, reply, error.statusCode, error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .header('cache-control', 'no-store')
      .send({ error: 'server_error', error_description: 'the server hit an unexpected condition; see its log for the request id' });
  });

  registerHealthRoutes(app, {
    pingDatabase: deps.pingDatabase,
    keysReady: () => deps.signingKeys.ready,
  });

  const metadata = buildServerMetadata({
    issuer: config.issuer,
    signingAlgorithms: config.keys.algorithms,
    requirePushedAuthorizationRequests: config.authorization.requirePushedRequests,
    registration: config.registration.enabled,
  });
  registerWellKnownRoutes(app, {
    issuer: config.issuer,
    metadata,
    signingKeys: deps.signingKeys,
    maxAgeSeconds: config.keys.jwksMaxAgeSeconds,
    // Open registration serves clients of origins nobody registered yet: they read discovery and the JWKS too.
    isKnownOrigin: (origin) =>
      config.registration.enabled && config.registration.open ? Promise.resolve(true) : deps.protocol.deps.clients.isKnownOrigin(origin),
  });
  const { protocol } = deps;
  const accountPages = new AccountLinkPages({ ...protocol.deps, issuerBase: issuerBase(config.issuer) }, protocol.accounts, protocol.interactions);
  const secondFactor = new SecondFactorPrompt(
    {
      secondFactors: deps.registry.secondFactors,
      users: protocol.deps.users,
      csrfKey: protocol.deps.csrfKey,
      methods: { totp: protocol.loginMethods.totp, recoveryCode: protocol.loginMethods.recoveryCode },
      passkeys: { method: protocol.loginMethods.passkey, service: protocol.passkeys.service },
    },
    protocol.interactions,
  );
  const federation = createFederationPages(config.issuer, protocol, deps.registry);
  registerOAuthRoutes(app, { issuer: config.issuer, protocol, pages, accountPages, secondFactor, federation });
  registerFederationRoutes(app, { issuer: config.issuer, protocol, pages, federation });
  registerAccountRoutes(app, { issuer: config.issuer, protocol, registry: deps.registry, pages, secondFactor });
  registerAccountLinkRoutes(app, { issuer: config.issuer, pages, accountPages, secureCookies: protocol.deps.cookies.secure });
  registerSetupRoutes(app, { issuer: config.issuer, protocol, registry: deps.registry, pages });
  if (config.registration.enabled) registerRegistrationRoutes(app, { issuer: config.issuer, registration: deps.registry.registration });

  // One set of management operations, mounted twice: for bearer tokens, and for the console's session.
  const operations = managementRoutes({ registry: deps.registry, serverMetadata: metadata });
  const managementApi = { routes: operations, openApi: managementOpenApi(operations, { serverUrl: issuerBase(config.issuer), version: latchkeyVersion }) };
  await registerConsoleRoutes(app, {
    issuer: config.issuer,
    protocol: deps.protocol,
    managementApi,
    sealingKey: deps.consoleSealingKey,
    sessionTtlMs: config.sessions.maxAgeHours * 3600_000,
  });

  await registerManagementApi(app, {
    registry: deps.registry,
    prefix: issuerPath(config.issuer) + paths.managementApi,
    ...managementApi,
    authenticateBearer: (token) => deps.protocol.authenticateManagementToken(token),
    ...(deps.operatorKey ? { operatorKey: deps.operatorKey } : {}),
  });

  return app;
}
