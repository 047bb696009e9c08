import { createHash, createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { consolePaths, paths } from '../../contracts/paths.js';
import { consoleClientId, consoleScopes } from '../../domain/apps/built-in.js';
import { KeyEncryption } from '../../domain/keys/key-encryption.js';
import { endpointUrl, issuerBase, issuerPath } from '../../protocol/endpoints.js';
import { handlePushedAuthorizationRequest } from '../../protocol/endpoints/pushed-authorization-endpoint.js';
import { handleRevocation } from '../../protocol/endpoints/revocation-endpoint.js';
import { handleTokenRequest } from '../../protocol/endpoints/token-endpoint.js';
import { cancelledDescription } from '../../protocol/interaction/engine.js';
import { bagFromEntries, emptyBag, type ProtocolRequest } from '../../protocol/messages.js';
import type { Protocol } from '../../protocol/protocol.js';
import { parseRefreshToken } from '../../protocol/tokens/refresh-token.js';
import { grantIdOfJti } from '../../protocol/tokens/token-issuer.js';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { randomId } from '../../shared/random.js';
import { mountManagementApi } from '../api/management-api.js';
import { problemType, sendProblem } from '../api/problem.js';
import type { AnyApiRoute, ContextResolver } from '../api/route-kit.js';

/** The built console (a Vite project next to src/), served from here in both src/ and dist/ layouts. */
export const consoleDistDir = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const flowLifetimeMs = 10 * 60_000;

interface ConsoleFlow {
  verifier: string;
  state: string;
  returnTo: string;
  expiresAt: number;
}

/** The signed flow cookie's payload, or undefined when it is not one this server wrote. */
function readFlow(payload: string): ConsoleFlow | undefined {
  let flow: unknown;
  try {
    flow = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof flow !== 'object' || flow === null) return undefined;
  const { verifier, state, returnTo, expiresAt } = flow as Record<string, unknown>;
  if (typeof verifier !== 'string' || typeof state !== 'string' || typeof returnTo !== 'string' || typeof expiresAt !== 'number') return undefined;
  return { verifier, state, returnTo, expiresAt };
}

/** One query parameter as a string; the input guard has refused repeats, this never sees an array. */
function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

interface ConsoleTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

export interface ConsoleRouteOptions {
  issuer: string;
  protocol: Protocol;
  /** The management API's operations and OpenAPI document, mounted again for the signed-in user. */
  managementApi: { routes: readonly AnyApiRoute[]; openApi: string };
  /** Key for the console's sealed tokens and its signed flow cookie. */
  sealingKey: Uint8Array;
  sessionTtlMs: number;
}

function formRequest(fields: Record<string, string>): ProtocolRequest {
  return {
    method: 'POST',
    query: emptyBag(),
    body: bagFromEntries(Object.entries(fields)),
    headers: {},
    contentType: 'application/x-www-form-urlencoded',
    cookies: {},
    ip: '127.0.0.1',
  };
}

/**
 * The console's backend: the console signs in through Latchkey's own hosted pages as a
 * first-party app (authorization code + PKCE); the server keeps the tokens, sealed, and the
 * browser gets only an HttpOnly session cookie and a CSRF token. Every console action goes through
 * the management API's operations, mounted under the console, as the signed-in user acting
 * through the console app; the tokens are kept only to end the sign-in at sign-out.
 */
export async function registerConsoleRoutes(app: FastifyInstance, options: ConsoleRouteOptions): Promise<void> {
  const { protocol, issuer } = options;
  const { deps } = protocol;
  const base = issuerBase(issuer);
  const prefix = issuerPath(issuer) + paths.console;
  const callbackUrl = `${base}${paths.console}${consolePaths.callback}`;
  const home = `${base}${paths.console}/`;
  const sealer = new KeyEncryption(options.sealingKey);
  // Names (with __Secure- on https) come from the cookie policy; flags as on every Latchkey cookie.
  const { consoleSession: sessionCookie, consoleFlow: flowCookie, secure } = deps.cookies;
  const cookieOptions = { path: prefix, httpOnly: true, secure, sameSite: 'lax' as const };
  const sign = (value: string) => createHmac('sha256', options.sealingKey).update(value).digest('base64url');
  const origin = new URL(issuer).origin;

  async function exchange(fields: Record<string, string>): Promise<ConsoleTokens | null> {
    const response = await handleTokenRequest(formRequest({ client_id: consoleClientId, ...fields }), deps);
    return response.kind === 'json' && response.status === 200 ? (response.body as ConsoleTokens) : null;
  }

  async function loadSession(request: FastifyRequest) {
    const cookie = request.cookies[sessionCookie];
    if (!cookie || cookie.length > 100) return undefined;
    const idHash = deps.tokenHasher.hash(cookie);
    const session = await deps.storage.consoleSessions.get(idHash);
    if (!session || session.expiresAt <= deps.clock.now()) return undefined;
    return { idHash, session };
  }

  const unauthenticated = (reply: FastifyReply, url: string) =>
    sendProblem(reply.header('www-authenticate', 'Cookie realm="latchkey-console"'), {
      type: problemType('unauthenticated'),
      title: 'Unauthenticated',
      status: 401,
      detail: `sign in to the console first: ${prefix}${consolePaths.login}`,
      instance: url,
    });

  /** The management scopes the user granted the console at sign-in, and the grant they came from. */
  async function sessionGrant(sealedTokens: string): Promise<{ scopes: readonly string[]; grantId: string | null }> {
    const tokens = JSON.parse(await sealer.open(sealedTokens)) as ConsoleTokens;
    const scopes = typeof tokens.scope === 'string' ? tokens.scope.split(' ') : consoleScopes;
    if (tokens.refresh_token) return { scopes, grantId: parseRefreshToken(tokens.refresh_token)?.grantId ?? null };
    try {
      const { jti } = decodeJwt(tokens.access_token);
      return { scopes, grantId: grantIdOfJti(typeof jti === 'string' ? jti : undefined) };
    } catch {
      return { scopes, grantId: null };
    }
  }

  /**
   * A console session lasts no longer than the grant it signed in with: revoking it (consent
   * withdrawn, reuse detected) or its expiry ends the session, as it ends the console's tokens.
   */
  async function grantStands(grantId: string | null): Promise<boolean> {
    if (grantId === null) return false;
    const grant = await deps.storage.grants.get(grantId);
    return grant !== undefined && grant.revokedAt === null;
  }

  /**
   * The console session as the user's management actor. Writes need the CSRF token in a header
   * and, when the browser sends one, this server's Origin.
   */
  const signedInUser: ContextResolver = async (request, reply) => {
    const loaded = await loadSession(request);
    if (!loaded) return void unauthenticated(reply, request.url);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const csrf = String(request.headers['x-csrf-token'] ?? '');
      const requestOrigin = request.headers.origin;
      if (!constantTimeEqual(csrf, loaded.session.csrfToken) || (requestOrigin !== undefined && requestOrigin !== origin)) {
        return void sendProblem(reply, {
          type: problemType('csrf'),
          title: 'Forbidden',
          status: 403,
          detail: `console writes need the x-csrf-token header from ${paths.console}${consolePaths.session}, sent from this origin`,
          instance: request.url,
        });
      }
    }
    const { scopes, grantId } = await sessionGrant(loaded.session.sealedTokens);
    const actor = (await grantStands(grantId)) ? await protocol.managementActorVia(consoleClientId, loaded.session.userId, scopes) : null;
    if (!actor) return void unauthenticated(reply, request.url);
    return { actor, requestId: request.id };
  };

  await app.register(
    async (scope) => {
      // GET /console/auth/login: starts the authorization code flow with PKCE as the console app.
      scope.get(consolePaths.login, async (request, reply) => {
        const requested = queryValue(request, 'returnTo');
        // Only the console's own paths: browsers read a backslash as a slash, so `/\host` would leave the origin.
        const returnTo =
          requested && requested.startsWith(`${prefix}/`) && !requested.startsWith('//') && !/[\\\p{Cc}]/u.test(requested) ? requested : `${prefix}/`;
        const verifier = randomId(32);
        const state = randomId(16);
        const flow = Buffer.from(JSON.stringify({ verifier, state, returnTo, expiresAt: deps.clock.now() + flowLifetimeMs })).toString('base64url');
        const url = new URL(endpointUrl(issuer, 'authorization'));
        const parameters: Record<string, string> = {
          client_id: consoleClientId,
          redirect_uri: callbackUrl,
          response_type: 'code',
          scope: consoleScopes.join(' '),
          state,
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        };
        // From an invitation page: signing in accepts the invitation (the authorization request's
        // `organization` and `invitation`), as the invited account, so the sign-in is asked for again.
        const invitation = queryValue(request, 'invitation');
        const organization = queryValue(request, 'organization');
        if (invitation && organization) {
          Object.assign(parameters, { organization, invitation, prompt: 'login' });
          const hint = queryValue(request, 'login_hint');
          if (hint) parameters.login_hint = hint;
        }
        if (deps.authorizationPolicy.requirePushedRequests) {
          // RFC 9126 §5: a server that requires pushed authorization requests requires them of its own console too.
          const pushed = await handlePushedAuthorizationRequest(formRequest(parameters), deps);
          const body = pushed.kind === 'json' ? (pushed.body as { request_uri?: string; error_description?: string }) : {};
          if (!body.request_uri) {
            return reply
              .code(400)
              .header('cache-control', 'no-store')
              .type('text/plain; charset=utf-8')
              .send(`Console sign-in failed: ${body.error_description ?? 'the authorization request was refused'}. Go back to ${prefix}/ and try again.`);
          }
          url.searchParams.set('client_id', consoleClientId);
          url.searchParams.set('request_uri', body.request_uri);
        } else {
          for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
        }
        return reply
          .setCookie(flowCookie, `${flow}.${sign(flow)}`, { ...cookieOptions, maxAge: flowLifetimeMs / 1000 })
          .header('cache-control', 'no-store')
          .redirect(url.toString(), 302);
      });

      // GET /console/auth/callback: checks state and iss (RFC 9207), redeems the code, opens a session.
      scope.get(consolePaths.callback, async (request, reply) => {
        const raw = request.cookies[flowCookie] ?? '';
        const dot = raw.lastIndexOf('.');
        const payload = raw.slice(0, dot);
        const failure = (detail: string) =>
          reply
            .code(400)
            .header('cache-control', 'no-store')
            .type('text/plain; charset=utf-8')
            .send(`Console sign-in failed: ${detail}. Go back to ${prefix}/ and try again.`);
        // Signed, so only this server writes it; still read it as untrusted text.
        const flow = dot < 0 || !constantTimeEqual(raw.slice(dot + 1), sign(payload)) ? undefined : readFlow(payload);
        if (!flow) return failure('the sign-in cookie is missing or was altered');
        reply.clearCookie(flowCookie, cookieOptions);
        if (flow.expiresAt <= deps.clock.now()) return failure('the sign-in took too long');
        if (queryValue(request, 'state') !== flow.state) return failure('the state does not match');
        if (queryValue(request, 'iss') !== issuer) return failure('the response came from another issuer (RFC 9207)');
        const error = queryValue(request, 'error');
        if (error === 'access_denied' && queryValue(request, 'error_description') === cancelledDescription) {
          // The user cancelled on the sign-in page (RFC 6749 §4.1.2.1): back to a console page, not an error.
          // Other refusals (not a member, say) keep their reason on the error page.
          const signedOut = new URL(`${base}${paths.console}${consolePaths.signedOut}`);
          signedOut.searchParams.set('reason', 'cancelled');
          signedOut.searchParams.set('returnTo', flow.returnTo);
          return reply.header('cache-control', 'no-store').redirect(signedOut.toString(), 302);
        }
        if (error) return failure(queryValue(request, 'error_description') ?? error);
        const tokens = await exchange({
          grant_type: 'authorization_code',
          code: queryValue(request, 'code') ?? '',
          redirect_uri: callbackUrl,
          code_verifier: flow.verifier,
        });
        if (!tokens?.id_token) return failure('the code could not be redeemed');
        const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; sid?: unknown };
        const now = deps.clock.now();
        const sessionId = randomId(32);
        await deps.storage.consoleSessions.insert({
          idHash: deps.tokenHasher.hash(sessionId),
          userId: claims.sub,
          sealedTokens: await sealer.seal(JSON.stringify(tokens)),
          csrfToken: randomId(24),
          accessExpiresAt: now + Number((tokens as { expires_in?: number }).expires_in ?? 0) * 1000,
          createdAt: now,
          expiresAt: now + options.sessionTtlMs,
          // The console session ends with the Latchkey session it signed in with (endSessionsIn).
          sid: typeof claims.sid === 'string' ? claims.sid : null,
        });
        return reply
          .setCookie(sessionCookie, sessionId, { ...cookieOptions, maxAge: options.sessionTtlMs / 1000 })
          .header('cache-control', 'no-store')
          .redirect(flow.returnTo, 302);
      });

      // GET /console/api/session: who is signed in, and the CSRF token for the console's writes.
      scope.get(consolePaths.session, async (request, reply) => {
        const loaded = await loadSession(request);
        if (!loaded) return unauthenticated(reply, request.url);
        const user = await deps.users.getUser(loaded.session.userId);
        if (!user) return unauthenticated(reply, request.url);
        return reply.header('cache-control', 'no-store').send({
          user: { id: user.id, email: user.email, name: user.name, isAdmin: user.isAdmin },
          csrfToken: loaded.session.csrfToken,
          expiresAt: new Date(loaded.session.expiresAt).toISOString(),
          issuer,
        });
      });

      // POST /console/auth/logout: ends the console session and revokes its tokens; the browser then
      // visits the returned URL to end the Latchkey sign-in session too (RP-initiated logout).
      scope.post(consolePaths.logout, async (request, reply) => {
        const loaded = await loadSession(request);
        reply.clearCookie(sessionCookie, cookieOptions).header('cache-control', 'no-store');
        if (!loaded) return reply.send({ logoutUrl: home });
        if (!constantTimeEqual(String(request.headers['x-csrf-token'] ?? ''), loaded.session.csrfToken)) {
          return sendProblem(reply, {
            type: problemType('csrf'),
            title: 'Forbidden',
            status: 403,
            detail: 'the x-csrf-token header is missing or wrong',
            instance: request.url,
          });
        }
        await deps.storage.consoleSessions.delete(loaded.idHash);
        const tokens = JSON.parse(await sealer.open(loaded.session.sealedTokens)) as ConsoleTokens;
        if (tokens.refresh_token) await handleRevocation(formRequest({ client_id: consoleClientId, token: tokens.refresh_token }), deps, protocol.validator);
        const logout = new URL(endpointUrl(issuer, 'endSession'));
        if (tokens.id_token) logout.searchParams.set('id_token_hint', tokens.id_token);
        logout.searchParams.set('post_logout_redirect_uri', home);
        return reply.send({ logoutUrl: logout.toString() });
      });

      // The console itself: static files (looked up per request, so a rebuild needs no restart),
      // and index.html for the console's own routes, rewritten for the issuer's path.
      const contentSecurityPolicy =
        // connect-src stays 'self' (an injected script can not send a session's data away); the flow
        // playground explains a blocked call to another origin and shows the curl command instead.
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
      await scope.register(fastifyStatic, {
        root: consoleDistDir,
        prefix: '/',
        index: false,
        wildcard: true,
        decorateReply: false,
        // Our own cache-control below; send's would overwrite it.
        cacheControl: false,
        setHeaders: (response, path) => {
          // Vite names assets by content hash: they never change under their name.
          response.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
        },
      });
      let index: { mtimeMs: number; html: string } | undefined;
      const sendIndex = async (reply: FastifyReply) => {
        reply
          .header('content-security-policy', contentSecurityPolicy)
          .header('x-frame-options', 'DENY')
          .header('referrer-policy', 'no-referrer')
          .header('cache-control', 'no-cache');
        const file = `${consoleDistDir}index.html`;
        let stats;
        try {
          stats = await stat(file);
        } catch {
          return reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.');
        }
        if (!index || index.mtimeMs !== stats.mtimeMs) {
          // Built for /console/; served under the issuer's path, which the console reads from the meta tag.
          const html = (await readFile(file, 'utf8'))
            .replaceAll(`"${paths.console}/`, `"${prefix}/`)
            .replace('<head>', `<head>\n    <meta name="latchkey-console-root" content="${prefix}">`);
          index = { mtimeMs: stats.mtimeMs, html };
        }
        return reply.type('text/html; charset=utf-8').send(index.html);
      };
      scope.get('/', (_request, reply) => sendIndex(reply));
      scope.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0]!;
        if ((request.method !== 'GET' && request.method !== 'HEAD') || path.startsWith(`${prefix}${consolePaths.api}/`) || /\.[a-z0-9]+$/i.test(path)) {
          return reply.code(404).send({ error: 'not_found', error_description: `no route for ${request.method} ${path}` });
        }
        return sendIndex(reply);
      });
    },
    { prefix },
  );

  // /console/api/v1/*: the management API, as the signed-in user through the console app.
  await mountManagementApi(app, {
    prefix: prefix + consolePaths.managementApi,
    ...options.managementApi,
    resolveContext: signedInUser,
    guardEverything: true,
  });
}
