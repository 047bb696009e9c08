import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consolePaths, paths } from '../contracts/paths.js';
import { bagFromEntries, type ParameterBag } from '../protocol/messages.js';
import { isStorableText } from '../shared/text.js';
import { problemType } from './api/problem.js';
import type { PageRenderer } from './pages.js';

/**
 * The HTTP edge refuses what a store or parser would choke on, before any handler sees it:
 * invalid percent-encoding, invalid UTF-8, NUL characters and lone surrogates in the path, the
 * query, form bodies and JSON bodies; repeated parameters (RFC 6749 §3.1); JSON nested deeper
 * than {@link maxJsonDepth}. The answer is a 400 in the terms of the route: the hosted error page
 * on browser-facing routes, problem+json on the management API, an OAuth error elsewhere.
 */

/** Nesting deeper than this is refused before any schema sees the body (a recursive validator would overflow the stack). */
export const maxJsonDepth = 32;

/** RFC 8707 §2: `resource` may repeat; no other parameter may (RFC 6749 §3.1). */
const repeatableParameters: ReadonlySet<string> = new Set(['resource']);

/** Input refused at the edge; the message names the rule, for error_description or detail. */
export class MalformedInputError extends Error {
  readonly statusCode = 400;
  readonly code = 'LK_MALFORMED_INPUT';
}

export function isMalformedInputError(error: unknown): error is MalformedInputError {
  return error instanceof MalformedInputError;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Printable ASCII without `%` and `+`: such a component decodes to itself. */
const plainComponent = /^[\x20-\x24\x26-\x2A\x2C-\x7E]*$/;

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

function shown(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/**
 * Percent-decodes one component strictly (RFC 3986 §2.1): `%` must be followed by two hex digits,
 * the bytes must be UTF-8 (RFC 3629), and the text must not hold a NUL. `text` holds one byte per
 * character (latin1), as Node gives the request target. Where WHATWG's decoder would silently put
 * U+FFFD, this throws.
 */
export function decodeComponent(text: string, plusIsSpace: boolean, what: string): string {
  if (plainComponent.test(text)) return text;
  const bytes = new Uint8Array(text.length);
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x25) {
      const high = hexDigit(text.charCodeAt(index + 1));
      const low = hexDigit(text.charCodeAt(index + 2));
      if (high < 0 || low < 0) throw new MalformedInputError(`${what} has a broken percent-encoding: % must be followed by two hex digits (RFC 3986 §2.1)`);
      bytes[length++] = high * 16 + low;
      index += 2;
    } else if (code === 0x2b && plusIsSpace) {
      bytes[length++] = 0x20;
    } else if (code > 0xff) {
      throw new MalformedInputError(`${what} has a character outside of a byte; percent-encode its UTF-8 bytes (RFC 3986 §2.1)`);
    } else {
      bytes[length++] = code;
    }
  }
  let decoded: string;
  try {
    decoded = utf8.decode(bytes.subarray(0, length));
  } catch {
    throw new MalformedInputError(`${what} is not valid UTF-8 once percent-decoded (RFC 3986 §2.5)`);
  }
  if (decoded.includes('\0')) throw new MalformedInputError(`${what} holds a NUL character, which no parameter may hold`);
  return decoded;
}

/** Parses `application/x-www-form-urlencoded` text (a query string or a form body) strictly, keeping every value in order. */
export function parseParameters(text: string, where: 'query string' | 'form body'): [string, string][] {
  const entries: [string, string][] = [];
  if (text === '') return entries;
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const rawName = equals < 0 ? piece : piece.slice(0, equals);
    const name = decodeComponent(rawName, true, `a parameter name in the ${where}`);
    const value = equals < 0 ? '' : decodeComponent(piece.slice(equals + 1), true, `the ${shown(name)} parameter in the ${where}`);
    entries.push([name, value]);
  }
  return entries;
}

/** The first repeated parameter that may not repeat, if any (RFC 6749 §3.1). */
export function repeatedParameter(bag: ParameterBag): string | undefined {
  for (const [name, values] of bag) if (values.length > 1 && !repeatableParameters.has(name)) return name;
  return undefined;
}

export function repeatedParameterMessage(name: string, where: 'query string' | 'form body'): string {
  return `the ${shown(name)} parameter is included more than once in the ${where}; parameters must not repeat (RFC 6749 §3.1)`;
}

/** Form bodies, from their bytes: every value of every name, so that the protocol can refuse duplicates. */
export function parseFormBody(body: Buffer | string): ParameterBag {
  return bagFromEntries(parseParameters(Buffer.isBuffer(body) ? body.toString('latin1') : body, 'form body'));
}

const parsedQuery = Symbol('latchkey.parsedQuery');

interface ParsedQuery {
  entries: [string, string][];
  problem?: string;
}

/**
 * Fastify's query-string parser: strict decoding, and one string per name (never an array, which
 * routes would have to expect). The full list of values, or why the query was refused, rides along
 * under a symbol for the guard and the protocol adapter.
 */
export function parseQueryString(query: string): Record<string, string> {
  const result = Object.create(null) as Record<string, string>;
  let parsed: ParsedQuery;
  try {
    parsed = { entries: parseParameters(query, 'query string') };
    for (const [name, value] of parsed.entries) if (!(name in result)) result[name] = value;
  } catch (error) {
    if (!isMalformedInputError(error)) throw error;
    parsed = { entries: [], problem: error.message };
  }
  Object.defineProperty(result, parsedQuery, { value: parsed, enumerable: false });
  return result;
}

function parsedQueryOf(request: FastifyRequest): ParsedQuery {
  const known = (request.query as Record<symbol, ParsedQuery | undefined> | undefined)?.[parsedQuery];
  if (known) return known;
  const url = request.raw.url ?? '';
  const start = url.indexOf('?');
  try {
    return { entries: start < 0 ? [] : parseParameters(url.slice(start + 1), 'query string') };
  } catch (error) {
    if (!isMalformedInputError(error)) throw error;
    return { entries: [], problem: error.message };
  }
}

/** The query as the protocol sees it: every value of every name. */
export function queryParameters(request: FastifyRequest): ParameterBag {
  return bagFromEntries(parsedQueryOf(request).entries);
}

/** Why the request target (path and query) is refused, if it is. */
function requestTargetProblem(request: FastifyRequest, mayRepeat: boolean): string | undefined {
  const url = request.raw.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  if (!/^[\x21-\x7E]*$/.test(path)) return 'the request path has a character that is not printable ASCII; percent-encode it (RFC 3986 §2.1)';
  if (path.includes('%')) {
    try {
      for (const segment of path.split('/')) decodeComponent(segment, false, 'a path segment');
    } catch (error) {
      if (!isMalformedInputError(error)) throw error;
      return error.message;
    }
  }
  const query = parsedQueryOf(request);
  if (query.problem) return query.problem;
  const repeated = mayRepeat || query.entries.length < 2 ? undefined : repeatedParameter(bagFromEntries(query.entries));
  return repeated === undefined ? undefined : repeatedParameterMessage(repeated, 'query string');
}

type Audience = 'page' | 'problem' | 'oauth';

function startsWithSegment(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart < 0 ? url : url.slice(0, queryStart);
}

export interface InputGuardOptions {
  /** The issuer's path ('' for a bare host). */
  prefix: string;
  pages: PageRenderer;
}

interface Refusal {
  headers: Record<string, string>;
  body: string;
}

/** Answers refused input in the terms of the route it was sent to. */
export class InputGuard {
  readonly #prefix: string;
  readonly #pages: PageRenderer;
  /** The authorization endpoint refuses duplicates itself, once the redirect URI is proven (RFC 9700 §4.11). */
  readonly #authorizationPath: string;

  constructor(options: InputGuardOptions) {
    this.#prefix = options.prefix;
    this.#pages = options.pages;
    this.#authorizationPath = options.prefix + paths.authorization;
  }

  #audienceOf(fullPath: string): Audience {
    if (this.#prefix && !startsWithSegment(fullPath, this.#prefix)) return 'oauth';
    const path = fullPath.slice(this.#prefix.length);
    if (
      startsWithSegment(path, paths.managementApi) ||
      path.startsWith(`${paths.console}${consolePaths.api}/`) ||
      path === paths.console + consolePaths.logout
    ) {
      return 'problem';
    }
    if (
      startsWithSegment(path, paths.authorization) ||
      startsWithSegment(path, paths.endSession) ||
      startsWithSegment(path, paths.interaction) ||
      startsWithSegment(path, paths.deviceVerification) ||
      startsWithSegment(path, paths.account) ||
      startsWithSegment(path, paths.federationCallback) ||
      startsWithSegment(path, paths.console)
    ) {
      return 'page';
    }
    return 'oauth';
  }

  #refusal(path: string, status: number, description: string): Refusal {
    switch (this.#audienceOf(path)) {
      case 'problem':
        return {
          headers: { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' },
          body: JSON.stringify({ type: problemType('bad-request'), title: 'Bad request', status, detail: description }),
        };
      case 'page': {
        const rendered = this.#pages.render({ template: 'error', data: { title: 'Bad request', error: 'invalid_request', description } });
        return { headers: rendered.headers, body: rendered.html };
      }
      case 'oauth':
        return {
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
          body: JSON.stringify({ error: 'invalid_request', error_description: description }),
        };
    }
  }

  /** Whether repeated parameters are left to the route (the authorization endpoint). */
  mayRepeat(request: FastifyRequest): boolean {
    return request.routeOptions.url === this.#authorizationPath;
  }

  /** A 4xx answer to the request, as the hosted error page, problem+json or an OAuth error. */
  refuse(request: FastifyRequest, reply: FastifyReply, status: number, description: string): FastifyReply {
    const refusal = this.#refusal(pathOf(request.raw.url ?? '/'), status, description);
    return reply.code(status).headers(refusal.headers).send(refusal.body);
  }

  /** For Fastify's `frameworkErrors`: a path the router could not decode. */
  readonly onFrameworkError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    const description =
      error.code === 'FST_ERR_BAD_URL'
        ? 'the request path has a broken percent-encoding or is not UTF-8 (RFC 3986 §2.1)'
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path segment is too long'
          : 'the request could not be routed';
    this.refuse(request, reply, status, description);
  };

  /**
   * For Fastify's `clientErrorHandler`: what Node's HTTP parser refused before any route (a raw
   * byte outside printable ASCII in the target, a malformed header) or cut off (a request or its
   * headers not received in time), answered in the terms of the route the target names.
   */
  readonly onClientError = (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let description =
      'the request is not valid HTTP/1.1: its target has a byte that is not printable ASCII (percent-encode it, RFC 3986 §2.1) or a header is malformed (RFC 9112 §2)';
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      description = 'the request and its headers were not received in time';
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      description = 'the request headers are too large';
    }
    const target = Buffer.isBuffer(error.rawPacket) ? /^[A-Z]+ ([^ \r\n]+)/.exec(error.rawPacket.toString('latin1'))?.[1] : undefined;
    const refusal = this.#refusal(pathOf(target ?? '/'), status, description);
    // As Node's own handler: never write into a response that has already begun on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const headers = Object.entries(refusal.headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}content-length: ${Buffer.byteLength(refusal.body)}\r\nconnection: close\r\n\r\n${refusal.body}`,
      );
    }
    socket.destroy();
  };

  /** Registers the checks: the request target on every request, and strict form and JSON parsers. */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', (request, reply, done) => {
      const problem = requestTargetProblem(request, this.mayRepeat(request));
      if (problem === undefined) {
        done();
        return;
      }
      this.refuse(request, reply, 400, problem);
    });

    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
      try {
        const bag = parseFormBody(body);
        if (!this.mayRepeat(request)) {
          const repeated = repeatedParameter(bag);
          if (repeated !== undefined) throw new MalformedInputError(repeatedParameterMessage(repeated, 'form body'));
        }
        done(null, bag);
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    // Fastify's own JSON parser, behind a strict UTF-8 decoder and a walk over what it parsed; it
    // keeps Fastify's prototype-poisoning protection (`__proto__` and `constructor.prototype` refused).
    const parseJson = app.getDefaultJsonParser('error', 'error') as (
      request: FastifyRequest,
      body: string,
      done: (error: Error | null, value?: unknown) => void,
    ) => void;
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        done(new MalformedInputError('the JSON body is not valid UTF-8 (RFC 8259 §8.1)'), undefined);
        return;
      }
      parseJson(request, text, (error, value) => {
        if (error) {
          done(error, undefined);
          return;
        }
        const problem = jsonProblem(value, 1);
        if (problem === undefined) done(null, value);
        else done(new MalformedInputError(problem), undefined);
      });
    });
  }
}

/** Why a parsed JSON value is refused: nested deeper than {@link maxJsonDepth}, or a string or key with NUL or a lone surrogate. */
function jsonProblem(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') {
    return isStorableText(value) ? undefined : 'a string in the JSON body holds a NUL character or a lone surrogate (RFC 8259 §8.2), which no field may hold';
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > maxJsonDepth) return `the JSON body is nested deeper than ${maxJsonDepth} levels, the most this server reads`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!isStorableText(key)) return 'a member name in the JSON body holds a NUL character or a lone surrogate (RFC 8259 §8.2)';
    const problem = jsonProblem(item, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
