import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { paths } from '../../contracts/paths.js';
import { endpointPaths, issuerPath } from '../../protocol/endpoints.js';
import { handleDeviceAuthorization } from '../../protocol/endpoints/device-authorization-endpoint.js';
import { handleEndSession, handleEndSessionConfirm } from '../../protocol/endpoints/end-session-endpoint.js';
import { handlePushedAuthorizationRequest } from '../../protocol/endpoints/pushed-authorization-endpoint.js';
import { handleIntrospection } from '../../protocol/endpoints/introspection-endpoint.js';
import { handleRevocation } from '../../protocol/endpoints/revocation-endpoint.js';
import { handleTokenRequest } from '../../protocol/endpoints/token-endpoint.js';
import { handleUserinfo } from '../../protocol/endpoints/userinfo-endpoint.js';
import type { ProtocolResponse } from '../../protocol/messages.js';
import type { Protocol } from '../../protocol/protocol.js';
import type { AccountLinkPages } from '../../ui/account-link-pages.js';
import { DevicePages } from '../../ui/device-pages.js';
import type { FederationPages } from '../../ui/federation-pages.js';
import { InteractionPages } from '../../ui/interaction-pages.js';
import type { SecondFactorPrompt } from '../../ui/second-factor-prompt.js';
import type { PageRenderer } from '../pages.js';
import { sendProtocolResponse, toProtocolRequest } from '../protocol-adapter.js';

export interface OAuthRouteOptions {
  issuer: string;
  protocol: Protocol;
  pages: PageRenderer;
  /** The sign-up, verification and reset pages the sign-in page links to. */
  accountPages: AccountLinkPages;
  /** The second-factor step of the sign-in pages. */
  secondFactor: SecondFactorPrompt;
  /** Sign-in with upstream providers: the buttons and home realm discovery of the sign-in page. */
  federation?: FederationPages;
}

/** The OAuth and OpenID Connect endpoints, and the hosted sign-in, consent and sign-out pages. */
export function registerOAuthRoutes(app: FastifyInstance, options: OAuthRouteOptions): void {
  const { protocol, pages } = options;
  const prefix = issuerPath(options.issuer);
  const secure = protocol.deps.cookies.secure;
  const respond = (reply: FastifyReply, response: ProtocolResponse) => sendProtocolResponse(reply, response, pages, secure);
  const handle = (run: (request: FastifyRequest) => Promise<ProtocolResponse>) => async (request: FastifyRequest, reply: FastifyReply) =>
    respond(reply, await run(request));

  const { authorization, validator, deps } = protocol;
  app.route({
    method: ['GET', 'POST'],
    url: prefix + endpointPaths.authorization,
    handler: handle((request) => authorization.authorize(toProtocolRequest(request))),
  });
  app.post(
    prefix + endpointPaths.pushedAuthorization,
    handle((request) => handlePushedAuthorizationRequest(toProtocolRequest(request), deps)),
  );
  app.post(
    prefix + endpointPaths.token,
    handle((request) => handleTokenRequest(toProtocolRequest(request), deps)),
  );
  app.route({
    method: ['GET', 'POST'],
    url: prefix + endpointPaths.userinfo,
    handler: handle((request) => handleUserinfo(toProtocolRequest(request), deps, validator)),
  });
  app.post(
    prefix + endpointPaths.introspection,
    handle((request) => handleIntrospection(toProtocolRequest(request), deps, validator)),
  );
  app.post(
    prefix + endpointPaths.revocation,
    handle((request) => handleRevocation(toProtocolRequest(request), deps, validator)),
  );
  app.route({
    method: ['GET', 'POST'],
    url: prefix + endpointPaths.endSession,
    handler: handle((request) => handleEndSession(toProtocolRequest(request), deps)),
  });
  app.post(
    `${prefix}${endpointPaths.endSession}/confirm`,
    handle((request) => handleEndSessionConfirm(toProtocolRequest(request), deps)),
  );

  app.post(
    prefix + endpointPaths.deviceAuthorization,
    handle((request) => handleDeviceAuthorization(toProtocolRequest(request), deps)),
  );
  const { interactions, loginMethods } = protocol;
  const devicePages = new DevicePages(deps, interactions, protocol.device, loginMethods.password, options.secondFactor);
  const device = prefix + endpointPaths.deviceVerification;
  app.get(
    device,
    handle((request) => devicePages.codeForm(toProtocolRequest(request))),
  );
  app.post(
    device,
    handle((request) => devicePages.submitCode(toProtocolRequest(request))),
  );
  app.get(
    `${device}/confirm`,
    handle((request) => devicePages.confirmPage(toProtocolRequest(request))),
  );
  app.post(
    `${device}/login`,
    handle((request) => devicePages.submitLogin(toProtocolRequest(request))),
  );
  app.post(
    `${device}/consent`,
    handle((request) => devicePages.submitDecision(toProtocolRequest(request))),
  );
  app.post(
    `${device}/second-factor`,
    handle((request) => devicePages.submitSecondFactor(toProtocolRequest(request))),
  );
  app.post(
    `${device}/second-factor/enroll`,
    handle((request) => devicePages.submitEnrollment(toProtocolRequest(request))),
  );
  app.post(
    `${device}/second-factor/continue`,
    handle((request) => devicePages.continueAfterEnrollment(toProtocolRequest(request))),
  );
  app.post(
    `${device}/second-factor/passkey/options`,
    handle((request) => devicePages.secondFactorPasskeyOptions(toProtocolRequest(request))),
  );
  app.post(
    `${device}/second-factor/passkey`,
    handle((request) => devicePages.submitSecondFactorPasskey(toProtocolRequest(request))),
  );
  app.get(
    `${device}/done`,
    handle((request) => devicePages.done(toProtocolRequest(request))),
  );

  const passkeys = { method: loginMethods.passkey, service: protocol.passkeys.service, passwordless: protocol.passkeys.passwordless };
  const interactionPages = new InteractionPages(
    deps,
    interactions,
    loginMethods.password,
    options.accountPages,
    options.secondFactor,
    passkeys,
    options.federation,
  );
  const interaction = prefix + endpointPaths.interaction;
  type WithUid = FastifyRequest<{ Params: { uid: string } }>;
  const uidOf = (request: FastifyRequest) => (request as WithUid).params.uid;
  app.get(
    `${interaction}/:uid`,
    handle((request) => interactionPages.show(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/login`,
    handle((request) => interactionPages.submitLogin(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/second-factor/passkey/options`,
    handle((request) => interactionPages.secondFactorPasskeyOptions(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/second-factor/passkey`,
    handle((request) => interactionPages.submitSecondFactorPasskey(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/passkey/options`,
    handle((request) => interactionPages.passkeyOptions(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/passkey`,
    handle((request) => interactionPages.submitPasskey(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/consent`,
    handle((request) => interactionPages.submitConsent(uidOf(request), toProtocolRequest(request))),
  );
  app.get(
    `${interaction}/:uid/resume`,
    handle((request) => interactionPages.resume(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/verified`,
    handle((request) => interactionPages.continueVerified(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/second-factor`,
    handle((request) => interactionPages.submitSecondFactor(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/second-factor/enroll`,
    handle((request) => interactionPages.submitEnrollment(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/second-factor/continue`,
    handle((request) => interactionPages.continueAfterEnrollment(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/choose-account`,
    handle((request) => interactionPages.chooseAccount(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/abort`,
    handle((request) => interactionPages.abort(uidOf(request), toProtocolRequest(request))),
  );

  // Browsers ask for a favicon on every hosted page; answer without a 404 in the log.
  app.get(paths.favicon, (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
  app.get(prefix + paths.stylesheet, (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(pages.stylesheet),
  );
  for (const [path, name] of [
    [paths.passkeyScript, 'passkeys.js'],
    [paths.webauthnScript, 'simplewebauthn-browser.js'],
  ] as const) {
    app.get(prefix + path, (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(pages.scripts[name]),
    );
  }

  // CORS preflights: answered only for origins some app registered (docs/security.md); never for /authorize.
  const corsEndpoints: [string, string][] = [
    [endpointPaths.token, 'POST'],
    [endpointPaths.pushedAuthorization, 'POST'],
    [endpointPaths.userinfo, 'GET, POST'],
    [endpointPaths.introspection, 'POST'],
    [endpointPaths.revocation, 'POST'],
    [endpointPaths.deviceAuthorization, 'POST'],
    [endpointPaths.jwks, 'GET'],
    [endpointPaths.openidConfiguration, 'GET'],
  ];
  for (const [path, methods] of corsEndpoints) {
    app.options(prefix + path, async (request, reply) => {
      const origin = request.headers.origin;
      reply.header('vary', 'Origin');
      if (origin && (await deps.clients.isKnownOrigin(origin))) {
        reply
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', methods)
          .header('access-control-allow-headers', 'Authorization, Content-Type, DPoP')
          .header('access-control-max-age', '600');
      }
      return reply.code(204).send();
    });
  }
}
