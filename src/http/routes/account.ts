import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { paths } from '../../contracts/paths.js';
import type { Registry } from '../../domain/registry.js';
import { issuerPath } from '../../protocol/endpoints.js';
import type { ProtocolResponse } from '../../protocol/messages.js';
import type { Protocol } from '../../protocol/protocol.js';
import { AccountPages, type AccountRequest } from '../../ui/account-pages.js';
import type { SecondFactorPrompt } from '../../ui/second-factor-prompt.js';
import type { PageRenderer } from '../pages.js';
import { sendProtocolResponse, toProtocolRequest } from '../protocol-adapter.js';

export interface AccountRouteOptions {
  issuer: string;
  protocol: Protocol;
  registry: Registry;
  pages: PageRenderer;
  secondFactor: SecondFactorPrompt;
}

/** The account page of every signed-in user, and its own sign-in form. */
export function registerAccountRoutes(app: FastifyInstance, options: AccountRouteOptions): void {
  const { protocol, pages } = options;
  const { deps } = protocol;
  const accountPages = new AccountPages(
    { ...deps, issuer: options.issuer },
    options.registry.accounts,
    protocol.interactions,
    protocol.loginMethods.password,
    options.registry.secondFactors,
    options.secondFactor,
    protocol.passkeys.available ? protocol.passkeys.service : undefined,
    options.registry.federatedAccounts,
  );
  const base = issuerPath(options.issuer) + paths.account;
  const handle = (run: (request: AccountRequest) => Promise<ProtocolResponse>) => async (request: FastifyRequest, reply: FastifyReply) =>
    sendProtocolResponse(reply, await run({ ...toProtocolRequest(request), requestId: request.id }), pages, deps.cookies.secure);

  app.get(
    base,
    handle((request) => accountPages.show(request)),
  );
  app.get(
    `${base}/sign-in`,
    handle((request) => accountPages.signInForm(request)),
  );
  app.post(
    `${base}/sign-in`,
    handle((request) => accountPages.signIn(request)),
  );
  app.get(
    `${base}/sign-in/second-factor`,
    handle((request) => accountPages.secondFactorForm(request)),
  );
  app.post(
    `${base}/sign-in/second-factor`,
    handle((request) => accountPages.submitSecondFactor(request)),
  );
  app.post(
    `${base}/sign-in/second-factor/passkey/options`,
    handle((request) => accountPages.secondFactorPasskeyOptions(request)),
  );
  app.post(
    `${base}/sign-in/second-factor/passkey`,
    handle((request) => accountPages.submitSecondFactorPasskey(request)),
  );
  app.get(
    `${base}/two-step/totp`,
    handle((request) => accountPages.addAuthenticatorForm(request)),
  );
  app.post(
    `${base}/two-step/totp`,
    handle((request) => accountPages.addAuthenticator(request)),
  );
  app.post(
    `${base}/two-step/totp/remove`,
    handle((request) => accountPages.removeAuthenticator(request)),
  );
  app.post(
    `${base}/two-step/recovery-codes`,
    handle((request) => accountPages.newRecoveryCodes(request)),
  );
  app.post(
    `${base}/two-step/done`,
    handle((request) => accountPages.twoStepDone(request)),
  );
  app.post(
    `${base}/profile`,
    handle((request) => accountPages.updateProfile(request)),
  );
  app.post(
    `${base}/email`,
    handle((request) => accountPages.changeEmail(request)),
  );
  app.post(
    `${base}/password`,
    handle((request) => accountPages.changePassword(request)),
  );
  app.post(
    `${base}/passkeys/options`,
    handle((request) => accountPages.passkeyOptions(request)),
  );
  app.post(
    `${base}/passkeys`,
    handle((request) => accountPages.addPasskey(request)),
  );
  app.post(
    `${base}/passkeys/rename`,
    handle((request) => accountPages.renamePasskey(request)),
  );
  app.post(
    `${base}/passkeys/remove`,
    handle((request) => accountPages.removePasskey(request)),
  );
  app.post(
    `${base}/apps/withdraw`,
    handle((request) => accountPages.withdrawConsent(request)),
  );
  app.post(
    `${base}/identities/unlink`,
    handle((request) => accountPages.unlinkIdentity(request)),
  );
  app.post(
    `${base}/sessions/end`,
    handle((request) => accountPages.endSessions(request)),
  );
}
