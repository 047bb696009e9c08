/**
 * oidc-provider configured as close to Latchkey as its options allow, for `npm run bench`: client
 * credentials, introspection, revocation, resource indicators (JWT access tokens signed ES256 or
 * RS256 per resource, opaque otherwise), PKCE S256 required, refresh token rotation, Latchkey's
 * default lifetimes, RS256 + ES256 + EdDSA keys generated at start, one account, and a minimal
 * interaction route that signs the account in and grants what is asked (the bench only needs a
 * session and consent to exist; password sign-ins are measured on Latchkey alone).
 *
 * Self-contained (packages and node: modules only): the bench compiles it to plain JavaScript
 * and runs it as its own process. Storage is oidc-provider's default in-memory adapter.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { type Configuration, type InteractionResults, type ResourceServer } from 'oidc-provider';
import type { PeerConfig } from './config.js';

const config = JSON.parse(process.env.PEER_CONFIG ?? '{}') as PeerConfig;

function signingKey(alg: 'RS256' | 'ES256' | 'EdDSA'): JsonWebKey {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg.toLowerCase()}-bench` };
}

const resources = new Map(config.resources.map((resource) => [resource.identifier, resource]));

const configuration: Configuration = {
  clients: [
    {
      client_id: config.m2m.clientId,
      client_secret: config.m2m.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: config.resources.map((resource) => resource.scope).join(' '),
    },
    {
      client_id: config.web.clientId,
      client_secret: config.web.clientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [config.web.redirectUri],
    },
  ],
  jwks: { keys: [signingKey('RS256'), signingKey('ES256'), signingKey('EdDSA')] },
  cookies: { keys: ['bench-cookie-key-not-a-secret-0123456789'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'offline_access', 'profile', 'email', ...config.resources.map((resource) => resource.scope)],
  findAccount(_ctx, sub) {
    if (sub !== config.user.id) return undefined;
    return {
      accountId: sub,
      claims: () => ({ sub, email: config.user.email, email_verified: true, name: config.user.name }),
    };
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // Latchkey's rule: a client introspects its own tokens.
      allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
    },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
      // Like Latchkey: a code or refresh token for one API gives access tokens for that API.
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, identifier): ResourceServer => {
        const resource = resources.get(identifier);
        if (!resource) throw new Error(`unknown resource ${identifier}`);
        return {
          scope: resource.scope,
          audience: identifier,
          accessTokenTTL: config.ttl.accessToken,
          accessTokenFormat: resource.format,
          ...(resource.format === 'jwt' ? { jwt: { sign: { alg: resource.alg } } } : {}),
        };
      },
    },
  },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: config.ttl.accessToken,
    ClientCredentials: config.ttl.accessToken,
    IdToken: config.ttl.idToken,
    RefreshToken: config.ttl.refreshToken,
    AuthorizationCode: config.ttl.authorizationCode,
    Session: config.ttl.session,
    Grant: config.ttl.session,
    Interaction: 600,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  clientBasedCORS: () => false,
};

const provider = new Provider(config.issuer, configuration);

// The interaction: sign the one account in, then grant every scope the request is missing.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) {
    await next();
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result: InteractionResults;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: config.user.id } };
  } else {
    const clientId = String(details.params.client_id);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: config.user.id, clientId });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    result = { consent: details.grantId ? {} : { grantId } };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

const handle = provider.callback();
// Koa answers a failed request itself (ctx.onerror): the handler's promise has nothing left to report.
createServer((request, response) => void handle(request, response)).listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${config.issuer}\n`);
});
