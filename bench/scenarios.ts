import { flowApi, redirectUri, signInUsers } from './fixtures.js';
import type { LoadPlan, LoadRequest } from './load.js';
import {
  authorizationPath,
  clientCredentialsBody,
  codeExchangeBody,
  distinctTokensPerRun,
  m2mAuthorization,
  newVerifier,
  refillRefreshChains,
  webAuthorization,
  type Fixture,
  type Target,
} from './target.js';

export type ScenarioId = 'discovery' | 'jwks' | 'cc-opaque' | 'cc-es256' | 'cc-rs256' | 'introspection' | 'userinfo' | 'refresh' | 'flows' | 'signin';

export interface Scenario {
  id: ScenarioId;
  title: string;
  unit: 'req/s' | 'flows/s' | 'sign-ins/s';
  /** Run against oidc-provider too. */
  peer: boolean;
  /** Run again with a grown store. */
  growth: boolean;
  /** Tokens the run needs, obtained before it. */
  tokens?: { opaqueAccessTokens?: number; userinfoAccessTokens?: number };
  plan(target: Target, fixture: Fixture, connections: number): LoadPlan;
}

const form = 'application/x-www-form-urlencoded';

function get(path: string, headers: Record<string, string> = {}): LoadRequest {
  return { method: 'GET', path, headers };
}

function post(path: string, authorization: string, body: string): LoadRequest {
  return { method: 'POST', path, headers: { 'content-type': form, authorization }, body };
}

/** The tokens in turn, shared by all connections: the requests in flight carry different tokens. */
function cycle(tokens: readonly string[]): () => string {
  if (tokens.length === 0) throw new Error('the run has no tokens to cycle through');
  let index = 0;
  return () => tokens[index++ % tokens.length]!;
}

function clientCredentials(target: Target, api: 'opaque' | 'es256' | 'rs256'): LoadPlan {
  return { requests: [post(target.endpoints.token, m2mAuthorization(target), clientCredentialsBody(target, api))], expect: [200] };
}

/** What one connection's flow carries from step to step; a step that finds nothing clears its field. */
interface FlowContext {
  problem?: string | undefined;
  verifier?: string | undefined;
  code?: string | undefined;
  cookie?: string | undefined;
  refreshToken?: string | undefined;
  uid?: string | undefined;
  csrf?: string | undefined;
}

/** A response header by name in any case (autocannon keeps the server's spelling: Koa says Location). */
function header(headers: LoadRequest['headers'], name: string): string | string[] | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The code in a redirect to the client, or undefined. */
function codeOf(headers: LoadRequest['headers']): string | undefined {
  const location = header(headers, 'location');
  if (typeof location !== 'string' || !location.startsWith(redirectUri)) return undefined;
  return new URL(location).searchParams.get('code') ?? undefined;
}

function firstCookie(headers: LoadRequest['headers']): string | undefined {
  const setCookie = header(headers, 'set-cookie');
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return first?.split(';')[0];
}

/** A sequence whose later step has nothing to send (its earlier step failed) restarts from the first. */
const restart = null as unknown as LoadRequest;

/** Which of the sign-in users the next sign-in is for (round robin). */
let nextSignIn = 0;

export const scenarios: readonly Scenario[] = [
  {
    id: 'discovery',
    title: 'Discovery',
    unit: 'req/s',
    peer: true,
    growth: false,
    plan: (target) => ({ requests: [get(target.endpoints.discovery)], expect: [200] }),
  },
  {
    id: 'jwks',
    title: 'JWKS',
    unit: 'req/s',
    peer: true,
    growth: false,
    plan: (target) => ({ requests: [get(target.endpoints.jwks)], expect: [200] }),
  },
  { id: 'cc-opaque', title: 'Client credentials, opaque', unit: 'req/s', peer: true, growth: true, plan: (target) => clientCredentials(target, 'opaque') },
  { id: 'cc-es256', title: 'Client credentials, JWT ES256', unit: 'req/s', peer: true, growth: false, plan: (target) => clientCredentials(target, 'es256') },
  { id: 'cc-rs256', title: 'Client credentials, JWT RS256', unit: 'req/s', peer: true, growth: false, plan: (target) => clientCredentials(target, 'rs256') },
  {
    id: 'introspection',
    title: 'Introspection (opaque)',
    unit: 'req/s',
    peer: true,
    growth: true,
    tokens: { opaqueAccessTokens: distinctTokensPerRun },
    plan: (target, fixture) => {
      const next = cycle(fixture.opaqueAccessTokens);
      return {
        requests: [
          {
            ...post(target.endpoints.introspection, m2mAuthorization(target), ''),
            setupRequest: (request) => {
              request.body = new URLSearchParams({ token: next() }).toString();
              return request;
            },
          },
        ],
        expect: [200],
        contains: ['"active":true'],
      };
    },
  },
  {
    id: 'userinfo',
    title: 'Userinfo',
    unit: 'req/s',
    peer: true,
    growth: true,
    tokens: { userinfoAccessTokens: distinctTokensPerRun },
    plan: (target, fixture) => {
      const next = cycle(fixture.userinfoAccessTokens);
      return {
        requests: [
          {
            ...get(target.endpoints.userinfo),
            setupRequest: (request) => {
              request.headers = { ...request.headers, authorization: `Bearer ${next()}` };
              return request;
            },
          },
        ],
        expect: [200],
      };
    },
  },
  {
    id: 'refresh',
    title: 'Refresh token rotation',
    unit: 'req/s',
    peer: true,
    growth: true,
    plan: (target, fixture, connections) => {
      // Each request takes the head of a chain and gives back the token the answer rotated to, so
      // every chain is sequential and each connection has its own at any moment.
      const pool = fixture.refreshTokens;
      return {
        beforeRun: () => refillRefreshChains(target, fixture, connections * 2),
        requests: [
          {
            ...post(target.endpoints.token, webAuthorization(target), ''),
            setupRequest: (request, context) => {
              const token = pool.pop() ?? 'pool-exhausted';
              (context as FlowContext).refreshToken = token;
              request.body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();
              return request;
            },
            onResponse: (status, body) => {
              if (status !== 200) return;
              const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
              if (next) pool.push(next);
            },
          },
        ],
        expect: [200],
      };
    },
  },
  {
    id: 'flows',
    title: 'Code + PKCE flows (signed in)',
    unit: 'flows/s',
    peer: true,
    growth: true,
    plan: (target, fixture) => ({
      requests: [
        {
          ...get('/', { cookie: fixture.sessionCookie }),
          setupRequest: (request, context) => {
            const verifier = newVerifier();
            (context as FlowContext).verifier = verifier;
            request.path = authorizationPath(target, verifier, { scope: `openid ${flowApi.scope}`, api: flowApi.identifier });
            return request;
          },
          onResponse: (_status, _body, context, headers) => {
            const code = codeOf(headers);
            (context as FlowContext).code = code;
            if (!code) (context as FlowContext).problem = `no code in the redirect to ${String(header(headers, 'location'))}`;
          },
        },
        {
          ...post(target.endpoints.token, webAuthorization(target), ''),
          setupRequest: (request, context) => {
            const { code, verifier } = context as FlowContext;
            if (!code || !verifier) return restart;
            request.body = codeExchangeBody(code, verifier);
            return request;
          },
        },
      ],
      expect: [target.kind === 'latchkey' ? 302 : 303, 200],
    }),
  },
  {
    id: 'signin',
    title: 'Password sign-ins (argon2id)',
    unit: 'sign-ins/s',
    peer: false,
    growth: false,
    plan: (target) => ({
      // authorize (no session) → the sign-in page → POST the password → back to the client.
      requests: [
        {
          ...get('/'),
          setupRequest: (request) => {
            request.path = authorizationPath(target, newVerifier(), { scope: `openid ${flowApi.scope}`, api: flowApi.identifier });
            return request;
          },
          onResponse: (_status, _body, context, headers) => {
            const location = header(headers, 'location');
            const flow = context as FlowContext;
            flow.uid = typeof location === 'string' ? /\/interaction\/([^/?]+)/.exec(location)?.[1] : undefined;
            flow.cookie = firstCookie(headers);
            if (!flow.uid || !flow.cookie) flow.problem = `no interaction in the redirect to ${String(location)}`;
          },
        },
        {
          ...get('/'),
          setupRequest: (request, context) => {
            const { uid, cookie } = context as FlowContext;
            if (!uid || !cookie) return restart;
            request.path = `/interaction/${uid}`;
            request.headers = { ...request.headers, cookie };
            return request;
          },
          onResponse: (_status, body, context) => {
            const csrf = /name="csrf" value="([^"]*)"/.exec(body)?.[1];
            (context as FlowContext).csrf = csrf;
            if (!csrf) (context as FlowContext).problem = 'no csrf field in the sign-in page';
          },
        },
        {
          ...post('/', '', ''),
          setupRequest: (request, context) => {
            const { uid, cookie, csrf } = context as FlowContext;
            if (!uid || !cookie || !csrf) return restart;
            request.path = `/interaction/${uid}/login`;
            request.headers = { 'content-type': form, cookie };
            const person = signInUsers[(nextSignIn += 1) % signInUsers.length]!;
            request.body = new URLSearchParams({ csrf, email: person.email, password: person.password }).toString();
            return request;
          },
        },
      ],
      expect: [302, 200, 303],
      connections: 8,
    }),
  },
];

export function scenario(id: ScenarioId): Scenario {
  const found = scenarios.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no scenario ${id}`);
  return found;
}
