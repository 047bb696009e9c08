import type { InteractionEngine } from '../interaction/engine.js';
import type { ProtocolDependencies } from '../context.js';
import { isOAuthError } from '../errors.js';
import type { ProtocolRequest, ProtocolResponse } from '../messages.js';
import { checksAfterRedirect, checksBeforeRedirect, type AuthorizeCheckContext } from './checks.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationError, errorPage } from './response.js';

/**
 * The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): the checks, then the
 * interaction engine decides whether the user must sign in or consent in the hosted pages, or
 * whether the code can be issued now.
 */
export class AuthorizationService {
  readonly #deps: AuthorizeCheckContext['deps'] & Pick<ProtocolDependencies, 'issuer'>;
  readonly #engine: InteractionEngine;

  constructor(deps: AuthorizeCheckContext['deps'] & Pick<ProtocolDependencies, 'issuer'>, engine: InteractionEngine) {
    this.#deps = deps;
    this.#engine = engine;
  }

  async authorize(request: ProtocolRequest): Promise<ProtocolResponse> {
    const parameters = request.method === 'POST' ? request.body : request.query;
    const context: AuthorizeCheckContext = { parameters, deps: this.#deps, request: { responseMode: 'query', state: null } };
    try {
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
