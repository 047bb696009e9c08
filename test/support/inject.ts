import type { FastifyInstance } from 'fastify';
import type { RawRequest, RawResponse } from './raw-http.js';

/** The shape of the global fetch that the tests use; an in-process server answers it without a socket. */
export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * An issuer no test server listens on: port 1 is privileged, so no test process can bind it, and a
 * request that bypasses `app.inject` fails with ECONNREFUSED instead of reaching another server.
 * It is on 127.0.0.1, so the issuer transport check allows plain http.
 */
export const inProcessOrigin = 'http://127.0.0.1:1';

/** The headers undici's fetch adds to every request, so that a route sees the same request either way. */
const fetchDefaultHeaders: Record<string, string> = {
  accept: '*/*',
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'node',
};

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
// Fetch (Fetch Standard §4.4) turns these into a GET without a body.
const becomesGet = (status: number, method: string) => (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST');
// A Response may carry no body with these statuses (Fetch Standard, "null body status").
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

interface EncodedBody {
  payload: string | Buffer | undefined;
  contentType: string | undefined;
}

/** Encodes a fetch body the way fetch does (Fetch Standard, "extract a body"). */
function encodeBody(body: RequestInit['body']): EncodedBody {
  if (body === undefined || body === null) return { payload: undefined, contentType: undefined };
  if (body instanceof URLSearchParams) return { payload: body.toString(), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (typeof body === 'string') return { payload: body, contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof Uint8Array) return { payload: Buffer.from(body), contentType: undefined };
  if (body instanceof ArrayBuffer) return { payload: Buffer.from(body), contentType: undefined };
  throw new TypeError('an in-process request takes a string, URLSearchParams or bytes as its body');
}

function responseHeaders(headers: Record<string, string | string[] | number | undefined>): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, String(item));
  }
  return result;
}

/**
 * A fetch that calls `app.inject`: the same request (method, URL, headers fetch would send, body)
 * goes through the whole app with no socket, and comes back as a real Response. Redirects are
 * followed unless `redirect: 'manual'`, as fetch does; only those under the app's own origin can be.
 */
export function injectFetch(app: FastifyInstance, origin: string): Fetch {
  const send = async (url: URL, init: RequestInit, hops: number): Promise<Response> => {
    if (url.origin !== new URL(origin).origin) throw new Error(`${url.href} is not served in process (only ${origin} is)`);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(fetchDefaultHeaders)) if (!headers.has(name)) headers.set(name, value);
    const { payload, contentType } = encodeBody(init.body);
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
    if (payload !== undefined) headers.set('content-length', String(Buffer.byteLength(payload)));
    else if (method === 'POST' || method === 'PUT') headers.set('content-length', '0');
    const reply = await app.inject({
      method: method as 'GET',
      url: url.href,
      headers: Object.fromEntries(headers),
      ...(payload !== undefined ? { payload } : {}),
    });
    const location = reply.headers.location;
    if (redirectStatuses.has(reply.statusCode) && typeof location === 'string' && init.redirect !== 'manual') {
      if (init.redirect === 'error') throw new TypeError('fetch failed: redirect');
      if (hops >= 20) throw new TypeError('fetch failed: too many redirects');
      const next: RequestInit = becomesGet(reply.statusCode, method) ? { ...init, method: 'GET', body: null } : init;
      return send(new URL(location, url), next, hops + 1);
    }
    return new Response(nullBodyStatuses.has(reply.statusCode) ? null : reply.rawPayload, {
      status: reply.statusCode,
      statusText: reply.statusMessage,
      headers: responseHeaders(reply.headers),
    });
  };
  return (input, init = {}) => send(new URL(input), init, 0);
}

/**
 * One request with the target and headers given, through `app.inject`, answered in the shape of
 * rawRequest. For targets the URL parser leaves as they are; what only a socket can carry byte for
 * byte (NUL, invalid UTF-8, a backslash in the path) goes through rawRequest.
 */
export async function injectRaw(app: FastifyInstance, request: RawRequest): Promise<RawResponse> {
  const target = Buffer.isBuffer(request.target) ? request.target.toString('latin1') : request.target;
  const parsed = new URL(target, inProcessOrigin);
  if (parsed.pathname + parsed.search !== target) throw new Error(`${target} would not reach the app unchanged: send it with rawRequest`);
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'latin1');
  const reply = await app.inject({
    method: request.method as 'GET',
    url: inProcessOrigin + target,
    headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
    ...(body ? { payload: body } : {}),
  });
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(reply.headers)) {
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value : [value]).map(String);
  }
  return { status: reply.statusCode, headers, body: reply.body };
}
