import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { paths } from '../../contracts/paths.js';
import type { Registry } from '../../domain/registry.js';
import { endpointPaths, issuerPath } from '../../protocol/endpoints.js';
import type { ProtocolResponse } from '../../protocol/messages.js';
import type { Protocol } from '../../protocol/protocol.js';
import { FederationPages } from '../../ui/federation-pages.js';
import type { PageRenderer } from '../pages.js';
import { sendProtocolResponse, toProtocolRequest } from '../protocol-adapter.js';

/** The hosted pages of sign-in with upstream OpenID providers, built once for the sign-in page and these routes. */
export function createFederationPages(issuer: string, protocol: Protocol, registry: Registry): FederationPages {
  const { deps } = protocol;
  return new FederationPages(
    { ...deps, issuer, users: deps.storage.users },
    protocol.interactions,
    protocol.upstream,
    registry.federatedAccounts,
    protocol.loginMethods.password,
    { totp: protocol.loginMethods.totp, recoveryCode: protocol.loginMethods.recoveryCode },
    protocol.passkeys.available ? { method: protocol.loginMethods.passkey, service: protocol.passkeys.service } : undefined,
  );
}

/** The upstream callback (one per server) and the interaction's federation steps. */
export function registerFederationRoutes(
  app: FastifyInstance,
  options: { issuer: string; protocol: Protocol; pages: PageRenderer; federation: FederationPages },
): void {
  const { protocol, pages, federation } = options;
  const prefix = issuerPath(options.issuer);
  const secure = protocol.deps.cookies.secure;
  const handle = (run: (request: FastifyRequest) => Promise<ProtocolResponse>) => async (request: FastifyRequest, reply: FastifyReply) =>
    sendProtocolResponse(reply, await run(request), pages, secure);
  type WithUid = FastifyRequest<{ Params: { uid: string } }>;
  const uidOf = (request: FastifyRequest) => (request as WithUid).params.uid;
  const base = `${prefix}${endpointPaths.interaction}/:uid/federation`;

  app.get(
    prefix + paths.federationCallback,
    handle((request) => federation.callback(toProtocolRequest(request))),
  );
  app.post(
    base,
    handle((request) => federation.submitStart(uidOf(request), toProtocolRequest(request))),
  );
  app.get(
    `${base}/callback`,
    handle((request) => federation.interactionCallback(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${base}/link`,
    handle((request) => federation.submitLink(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${base}/link/passkey/options`,
    handle((request) => federation.linkPasskeyOptions(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${base}/link/passkey`,
    handle((request) => federation.submitLinkPasskey(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${base}/cancel`,
    handle((request) => federation.cancelLink(uidOf(request), toProtocolRequest(request))),
  );
}
