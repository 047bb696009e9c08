import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { paths } from '../../contracts/paths.js';
import { endpointPaths, issuerPath } from '../../protocol/endpoints.js';
import type { ProtocolResponse } from '../../protocol/messages.js';
import type { AccountLinkPages } from '../../ui/account-link-pages.js';
import type { PageRenderer } from '../pages.js';
import { sendProtocolResponse, toProtocolRequest } from '../protocol-adapter.js';

export interface AccountLinkRouteOptions {
  issuer: string;
  pages: PageRenderer;
  accountPages: AccountLinkPages;
  secureCookies: boolean;
}

/** Sign-up, the verification link and password reset: hosted pages outside the OAuth endpoints. */
export function registerAccountLinkRoutes(app: FastifyInstance, options: AccountLinkRouteOptions): void {
  const { accountPages, pages } = options;
  const prefix = issuerPath(options.issuer);
  const handle = (run: (request: FastifyRequest) => ProtocolResponse | Promise<ProtocolResponse>) => async (request: FastifyRequest, reply: FastifyReply) =>
    sendProtocolResponse(reply, await run(request), pages, options.secureCookies);
  type WithUid = FastifyRequest<{ Params: { uid: string } }>;
  const uidOf = (request: FastifyRequest) => (request as WithUid).params.uid;

  app.get(
    prefix + paths.signUp,
    handle((request) => accountPages.signUpPage(toProtocolRequest(request))),
  );
  app.post(
    prefix + paths.signUp,
    handle((request) => accountPages.submitSignUpPage(toProtocolRequest(request))),
  );
  const interaction = prefix + endpointPaths.interaction;
  app.get(
    `${interaction}/:uid/signup`,
    handle((request) => accountPages.interactionSignUpPage(uidOf(request), toProtocolRequest(request))),
  );
  app.post(
    `${interaction}/:uid/signup`,
    handle((request) => accountPages.submitInteractionSignUp(uidOf(request), toProtocolRequest(request))),
  );
  app.get(
    prefix + paths.verifyEmail,
    handle((request) => accountPages.verifyLink(toProtocolRequest(request))),
  );
  app.post(
    `${prefix}${paths.verifyEmail}/resend`,
    handle((request) => accountPages.resendVerification(toProtocolRequest(request))),
  );
  app.get(
    prefix + paths.forgotPassword,
    handle((request) => accountPages.forgotPasswordPage(toProtocolRequest(request))),
  );
  app.post(
    prefix + paths.forgotPassword,
    handle((request) => accountPages.submitForgotPassword(toProtocolRequest(request))),
  );
  app.get(
    prefix + paths.resetPassword,
    handle((request) => accountPages.resetPasswordPage(toProtocolRequest(request))),
  );
  app.post(
    prefix + paths.resetPassword,
    handle((request) => accountPages.submitResetPassword(toProtocolRequest(request))),
  );
}
