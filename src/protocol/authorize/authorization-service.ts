import type { InteractionEngine } from '../interaction/engine.js';
import type { ProtocolDependencies } from '../context.js';
import { isOAuthError } from '../errors.js';
import { param, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { checksAfterRedirect, checksBeforeRedirect, type AuthorizeCheckContext } from './checks.js';
import { isPushedRequestUri, takePushedRequest, type PushedRequestDependencies } from './pushed-request.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationError, errorPage } from './response.js';

/**
 * The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): the checks, then the
 * interaction engine decides whether the user must sign in or consent in the hosted pages, or
 * whether the code can be issued now.
 */
type AuthorizationDependencies = AuthorizeCheckContext['deps'] & PushedRequestDependencies & Pick<ProtocolDependencies, 'issuer'>;

export class AuthorizationService {
  readonly #deps: AuthorizationDependencies;
  readonly #engine: InteractionEngine;

  constructor(deps: AuthorizationDependencies, engine: InteractionEngine) {
    this.#deps = deps;
    this.#engine = engine;
  }

  async authorize(request: ProtocolRequest): Promise<ProtocolResponse> {
    const given = request.method === 'POST' ? request.body : request.query;
    const pushed = isPushedRequestUri(param(given, 'request_uri'));
    const context: AuthorizeCheckContext = { parameters: given, pushed, deps: this.#deps, request: { responseMode: 'query', state: null } };
    try {
      // The pushed request is used up before its checks run: the interaction it starts carries it from here on.
      if (pushed) context.parameters = await takePushedRequest(given, this.#deps);
      for (const check of checksBeforeRedirect) await check.run(context);
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      // RFC 9700 §4.11: until client and redirect URI are proven, tell the user; never redirect.
      return errorPage(400, 'This app sent an invalid sign-in request', error);
    }
    try {
      for (const check of checksAfterRedirect) await check.run(context);
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      return authorizationError(context.request as AuthorizationRequest, error, this.#deps.issuer, 302);
    }
    return this.#engine.begin(request, context.client!, context.request as AuthorizationRequest);
  }
}
