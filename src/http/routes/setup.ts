import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consolePaths, paths } from '../../contracts/paths.js';
import type { Registry } from '../../domain/registry.js';
import { issuerBase, issuerPath } from '../../protocol/endpoints.js';
import type { ProtocolResponse } from '../../protocol/messages.js';
import type { Protocol } from '../../protocol/protocol.js';
import { SetupPages } from '../../ui/setup-pages.js';
import type { PageRenderer } from '../pages.js';
import { sendProtocolResponse, toProtocolRequest } from '../protocol-adapter.js';

export interface SetupRouteOptions {
  issuer: string;
  protocol: Protocol;
  registry: Registry;
  pages: PageRenderer;
}

/** The first-run setup page and the invitation page, under the console. */
export function registerSetupRoutes(app: FastifyInstance, options: SetupRouteOptions): void {
  const { protocol, pages, registry, issuer } = options;
  const { deps } = protocol;
  const consolePrefix = issuerPath(issuer) + paths.console;
  const consoleUrl = `${issuerBase(issuer)}${paths.console}`;
  const setupPages = new SetupPages({
    csrfKey: deps.csrfKey,
    firstRun: registry.firstRun,
    invitations: registry.invitationSignUp,
    engine: protocol.interactions,
    now: () => deps.clock.now(),
    bindingCookie: { name: deps.cookies.secure ? '__Secure-lk_console_form' : 'lk_console_form', path: consolePrefix },
    urls: {
      setup: consolePrefix + consolePaths.setup,
      invitation: consolePrefix + consolePaths.invitation,
      console: `${consolePrefix}/`,
      consoleLogin: consoleUrl + consolePaths.login,
    },
  });
  const respond = (reply: FastifyReply, response: ProtocolResponse) => sendProtocolResponse(reply, response, pages, deps.cookies.secure);
  const handle = (run: (request: FastifyRequest) => Promise<ProtocolResponse>) => async (request: FastifyRequest, reply: FastifyReply) =>
    respond(reply, await run(request));
  app.get(
    consolePrefix + consolePaths.setup,
    handle((request) => setupPages.showSetup(toProtocolRequest(request))),
  );
  app.post(
    consolePrefix + consolePaths.setup,
    handle((request) => setupPages.submitSetup(toProtocolRequest(request))),
  );
  app.get(
    consolePrefix + consolePaths.invitation,
    handle((request) => setupPages.showInvitation(toProtocolRequest(request))),
  );
  app.post(
    consolePrefix + consolePaths.invitation,
    handle((request) => setupPages.submitInvitation(toProtocolRequest(request))),
  );
}
