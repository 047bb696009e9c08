import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider, { type Configuration, type InteractionResults } from 'oidc-provider';
import { listenOnFreePort } from './server.js';

/** Who the upstream signs in next, or that it refuses. */
export interface UpstreamLogin {
  sub: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  /** RFC 8176 methods the upstream says it used. */
  amr?: string[];
}

export interface UpstreamProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The next sign-in at the upstream: an account, or `deny` (the upstream answers access_denied). */
  next: UpstreamLogin | 'deny';
  /** How many authorization requests reached the upstream's interaction. */
  interactions: number;
  /** While set, the upstream's answer to Latchkey is kept in `held` and the browser stops at a page of the upstream. */
  hold: boolean;
  held: string | undefined;
  stop(): Promise<void>;
}

/**
 * A second OpenID provider on another loopback port (oidc-provider), for sign-in with an
 * upstream: one confidential client whose redirect URI is the Latchkey callback, and an
 * interaction that signs in `next` (or refuses) without a page, so the browser passes straight
 * through.
 */
export async function startUpstreamProvider(callbackUrl: string): Promise<UpstreamProvider> {
  const server: Server = createServer();
  const port = await listenOnFreePort(server);
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, UpstreamLogin>();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const state: UpstreamProvider = {
    issuer,
    clientId: 'latchkey-broker',
    clientSecret: 'upstream-client-secret-0123456789',
    next: 'deny',
    interactions: 0,
    hold: false,
    held: undefined,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const configuration: Configuration = {
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [callbackUrl],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'upstream' }] },
    cookies: { keys: ['upstream-cookie-key-not-a-secret-0123'] },
    claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
    findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified ?? true,
          ...(account.name ? { name: account.name } : {}),
          ...(account.givenName ? { given_name: account.givenName } : {}),
          ...(account.familyName ? { family_name: account.familyName } : {}),
          ...(account.amr ? { amr: account.amr } : {}),
        }),
      };
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) {
      await next();
      return;
    }
    state.interactions += 1;
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result: InteractionResults;
    if (state.next === 'deny') {
      result = { error: 'access_denied', error_description: 'the user cancelled at the upstream' };
    } else if (details.prompt.name === 'login') {
      accounts.set(state.next.sub, state.next);
      result = { login: { accountId: state.next.sub, ...(state.next.amr ? { amr: state.next.amr } : {}) } };
    } else {
      const clientId = String(details.params.client_id);
      const accountId = String(details.session?.accountId);
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
      if (!grant) throw new Error('grant not found');
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      result = { consent: details.grantId ? {} : { grantId } };
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  });
  const handle = provider.callback();
  server.on('request', (request, response) => {
    if (request.url === '/held') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Held</title><p>Held at the upstream</p>');
      return;
    }
    if (state.hold) {
      const setHeader = response.setHeader.bind(response);
      response.setHeader = (name, value) => {
        if (name.toLowerCase() === 'location' && String(value).startsWith(callbackUrl)) {
          state.held = String(value);
          return setHeader(name, `${issuer}/held`);
        }
        return setHeader(name, value);
      };
    }
    void handle(request, response);
  });
  return state;
}
