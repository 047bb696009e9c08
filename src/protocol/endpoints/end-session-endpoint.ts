import { compactVerify, createLocalJWKSet } from 'jose';
import { signingAlgorithms } from '../../contracts/algorithms.js';
import type { ClientDirectory, OAuthClient } from '../../ports/directories.js';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { redirectUriMatches } from '../authorize/checks.js';
import { errorPage } from '../authorize/response.js';
import type { ProtocolDependencies } from '../context.js';
import { OAuthError } from '../errors.js';
import { param, rejectDuplicateParameters, type PageModel, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { currentSession, endSession, sessionCookie, type SessionDependencies } from '../sessions.js';

interface LogoutRequest {
  client: OAuthClient | null;
  /** The user the id_token_hint names. */
  hintSubject: string | null;
  postLogoutRedirectUri: string | null;
  state: string | null;
}

/** What RP-initiated logout uses: the session, the signing keys for the hint, the apps, and where it lives. */
export type EndSessionDependencies = SessionDependencies &
  Pick<ProtocolDependencies, 'issuer' | 'signingKeys' | 'clients' | 'csrfKey' | 'events' | 'subjects'> & {
    endpoints: Pick<ProtocolDependencies['endpoints'], 'endSession'>;
  };

async function subjectAndClientOfHint(hint: string, deps: EndSessionDependencies): Promise<{ sub: string; clientId: string }> {
  try {
    // An expired ID token is still a fine hint (RP-Initiated Logout §2): check the signature and issuer, not exp.
    const { payload } = await compactVerify(hint, createLocalJWKSet(deps.signingKeys.jwks), { algorithms: [...signingAlgorithms] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; sub?: unknown; aud?: unknown; azp?: unknown };
    const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const audience = typeof claims.azp === 'string' ? claims.azp : audiences[0];
    if (claims.iss !== deps.issuer || typeof claims.sub !== 'string' || typeof audience !== 'string') throw new Error('claims');
    return { sub: claims.sub, clientId: audience };
  } catch {
    throw new OAuthError('invalid_request', 'id_token_hint is not an ID token this server issued');
  }
}

async function parseLogoutRequest(request: ProtocolRequest, deps: EndSessionDependencies): Promise<LogoutRequest> {
  const parameters = request.method === 'POST' ? request.body : request.query;
  rejectDuplicateParameters(parameters);
  const hint = param(parameters, 'id_token_hint');
  const clientIdParam = param(parameters, 'client_id');
  const postLogoutRedirectUri = param(parameters, 'post_logout_redirect_uri') ?? null;
  let hintSubject: string | null = null;
  let clientId = clientIdParam ?? null;
  if (hint) {
    const fromHint = await subjectAndClientOfHint(hint, deps);
    if (clientIdParam && clientIdParam !== fromHint.clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the audience of id_token_hint');
    }
    hintSubject = fromHint.sub;
    clientId = fromHint.clientId;
  }
  const client = clientId ? ((await deps.clients.getClient(clientId)) ?? null) : null;
  if (clientId && !client) throw new OAuthError('invalid_request', `no app has the client_id ${clientId}`);
  if (postLogoutRedirectUri !== null) {
    if (!client) throw new OAuthError('invalid_request', 'post_logout_redirect_uri needs id_token_hint or client_id to know whose it is');
    // The same rule as for redirect URIs: exact, but a native app's loopback port may vary (RFC 8252 §7.3).
    if (!client.policy.postLogoutRedirectUris.some((uri) => redirectUriMatches(uri, postLogoutRedirectUri, client.app.type))) {
      throw new OAuthError('invalid_request', 'post_logout_redirect_uri is not registered for this app (exact match, RFC 9700 §4.1)');
    }
  }
  return { client, hintSubject, postLogoutRedirectUri, state: param(parameters, 'state') ?? null };
}

/** The logout request, or the error page for it: a bad sign-out request is shown, never redirected. */
async function parseOrShow(request: ProtocolRequest, deps: EndSessionDependencies): Promise<LogoutRequest | ProtocolResponse> {
  try {
    return await parseLogoutRequest(request, deps);
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(400, 'This app sent an invalid sign-out request', error);
    throw error;
  }
}

function logoutCsrf(request: ProtocolRequest, deps: EndSessionDependencies): string {
  return deps.csrfKey.hash(`logout:${request.cookies[deps.cookies.session] ?? ''}`);
}

/**
 * The front-channel logout URIs of the apps the ended session signed in to (Front-Channel Logout
 * 1.0 §2), with `iss` and `sid` for the apps that asked for them (§2: both or neither). The
 * parameters are added to the registered URI's own query, which it may have (§2).
 */
export async function frontchannelLogoutUrls(
  clientIds: readonly string[],
  sid: string,
  deps: { issuer: string; clients: Pick<ClientDirectory, 'getClient'> },
): Promise<string[]> {
  const urls: string[] = [];
  for (const clientId of clientIds) {
    const client = await deps.clients.getClient(clientId);
    const uri = client?.policy.frontchannelLogoutUri;
    if (!client || !uri) continue;
    const url = new URL(uri);
    if (client.policy.frontchannelLogoutSessionRequired) {
      url.searchParams.set('iss', deps.issuer);
      url.searchParams.set('sid', sid);
    }
    urls.push(url.toString());
  }
  return urls;
}

/**
 * The signed-out page: it loads each front-channel logout URI in a hidden iframe, then continues
 * to `continueTo` (the post_logout_redirect_uri) when there is one. The renderer opens frame-src
 * to exactly the iframes' origins.
 */
export function loggedOutPage(data: { clientName: string | null; frontchannelUrls: readonly string[]; continueTo: string | null }): PageModel {
  return {
    template: 'logged-out',
    data: {
      clientName: data.clientName,
      frontchannelUrls: [...data.frontchannelUrls],
      frameOrigins: [...new Set(data.frontchannelUrls.map((url) => new URL(url).origin))],
      continueTo: data.continueTo,
    },
  };
}

async function finish(request: ProtocolRequest, deps: EndSessionDependencies, logout: LogoutRequest, status: 302 | 303): Promise<ProtocolResponse> {
  const ended = await endSession(request, deps);
  if (ended) deps.events.publish({ type: 'session.ended', sid: ended.session.sid });
  const cookies = [sessionCookie(deps, null)];
  const frontchannelUrls = ended ? await frontchannelLogoutUrls(ended.clientIds, ended.session.sid, deps) : [];
  let location: string | null = null;
  if (logout.postLogoutRedirectUri) {
    const separator = logout.postLogoutRedirectUri.includes('?') ? '&' : '?';
    location =
      logout.state !== null
        ? `${logout.postLogoutRedirectUri}${separator}${new URLSearchParams({ state: logout.state }).toString()}`
        : logout.postLogoutRedirectUri;
    if (frontchannelUrls.length === 0) return { kind: 'redirect', status, location, cookies, headers: { 'cache-control': 'no-store' } };
  }
  return {
    kind: 'page',
    status: 200,
    page: loggedOutPage({ clientName: logout.client?.app.name ?? null, frontchannelUrls, continueTo: location }),
    cookies,
    headers: { 'cache-control': 'no-store' },
  };
}

/**
 * RP-Initiated Logout 1.0 (`end_session_endpoint`): with a valid id_token_hint for the signed-in
 * user the session ends at once; otherwise the user confirms on a page first, so that no other
 * site can sign them out. Only registered post_logout_redirect_uris are redirected to, with state.
 */
export async function handleEndSession(request: ProtocolRequest, deps: EndSessionDependencies): Promise<ProtocolResponse> {
  const logout = await parseOrShow(request, deps);
  if ('kind' in logout) return logout;
  const current = await currentSession(request, deps);
  if (!current) return finish(request, deps, logout, 302);
  // The hint names the user as its app knows them: pairwise for a pairwise app.
  if (logout.hintSubject !== null && logout.client && logout.hintSubject === deps.subjects.of(logout.client, current.user.id)) {
    return finish(request, deps, logout, 302);
  }
  return {
    kind: 'page',
    status: 200,
    page: {
      template: 'logout-confirm',
      data: {
        action: `${deps.endpoints.endSession}/confirm`,
        csrf: logoutCsrf(request, deps),
        clientName: logout.client?.app.name ?? null,
        userEmail: current.user.email,
        fields: Object.entries({
          ...(logout.client ? { client_id: logout.client.clientId } : {}),
          ...(logout.postLogoutRedirectUri ? { post_logout_redirect_uri: logout.postLogoutRedirectUri } : {}),
          ...(logout.state !== null ? { state: logout.state } : {}),
        }),
      },
    },
    headers: { 'cache-control': 'no-store' },
  };
}

/** POST from the confirmation page: checked against CSRF, then the session ends (303 after the POST). */
export async function handleEndSessionConfirm(request: ProtocolRequest, deps: EndSessionDependencies): Promise<ProtocolResponse> {
  const logout = await parseOrShow(request, deps);
  if ('kind' in logout) return logout;
  const csrf = param(request.body, 'csrf');
  if (!csrf || !constantTimeEqual(csrf, logoutCsrf(request, deps))) {
    return errorPage(403, 'Form expired', { code: 'invalid_request', description: 'The sign-out form was not sent from this server (CSRF check failed).' });
  }
  return finish(request, deps, logout, 303);
}
