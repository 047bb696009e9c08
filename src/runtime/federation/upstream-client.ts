import type * as OpenIdClient from 'openid-client';
import { isLoopbackHttp } from '../../domain/federation/connection-service.js';
import type { KeyEncryption } from '../../domain/keys/key-encryption.js';
import type { ConnectionRecord } from '../../ports/federation-repositories.js';
import type { UpstreamAuthorization, UpstreamProviders, UpstreamResult } from '../../ports/upstream-providers.js';

/** How long a discovered upstream configuration is reused before it is fetched again. */
const discoveryTtlMs = 5 * 60_000;
/** Seconds an upstream has to answer each request. */
const upstreamTimeoutSeconds = 10;

/** openid-client, loaded with the first sign-in through a connection: a server without connections never holds it. */
let openIdClient: Promise<typeof OpenIdClient> | undefined;
const loadOpenIdClient = () => (openIdClient ??= import('openid-client'));

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The upstream leg on openid-client: one discovered Configuration per connection (fetched again
 * when the connection changes, or after a few minutes), plain http allowed only for loopback
 * issuers.
 */
export class OpenIdUpstreamProviders implements UpstreamProviders {
  readonly #secrets: Pick<KeyEncryption, 'open'>;
  readonly #configurations = new Map<string, { updatedAt: number; fetchedAt: number; config: OpenIdClient.Configuration }>();

  constructor(secrets: Pick<KeyEncryption, 'open'>) {
    this.#secrets = secrets;
  }

  async #configuration(connection: ConnectionRecord): Promise<OpenIdClient.Configuration> {
    const cached = this.#configurations.get(connection.id);
    const now = Date.now();
    if (cached && cached.updatedAt === connection.updatedAt && now - cached.fetchedAt < discoveryTtlMs) return cached.config;
    const secret = await this.#secrets.open(connection.clientSecretJwe);
    const client = await loadOpenIdClient();
    const config = await client.discovery(new URL(connection.issuer), connection.clientId, secret, undefined, {
      timeout: upstreamTimeoutSeconds,
      ...(isLoopbackHttp(connection.issuer) ? { execute: [client.allowInsecureRequests] } : {}),
    });
    this.#configurations.set(connection.id, { updatedAt: connection.updatedAt, fetchedAt: now, config });
    return config;
  }

  async begin(
    connection: ConnectionRecord,
    request: { redirectUri: string; loginHint: string | null },
  ): Promise<{ ok: true; authorization: UpstreamAuthorization } | { ok: false; reason: 'unreachable'; detail: string }> {
    let config: OpenIdClient.Configuration;
    try {
      config = await this.#configuration(connection);
    } catch (error) {
      return { ok: false, reason: 'unreachable', detail: messageOf(error) };
    }
    const client = await loadOpenIdClient();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: request.redirectUri,
      scope: connection.scopes.join(' '),
      response_type: 'code',
      state,
      nonce,
      // RFC 7636 §4.2: S256 only.
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      ...(request.loginHint ? { login_hint: request.loginHint } : {}),
    });
    return { ok: true, authorization: { url: url.href, state, nonce, codeVerifier } };
  }

  async complete(connection: ConnectionRecord, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<UpstreamResult> {
    let config: OpenIdClient.Configuration;
    try {
      config = await this.#configuration(connection);
    } catch (error) {
      return { ok: false, reason: 'unreachable', detail: messageOf(error) };
    }
    const client = await loadOpenIdClient();
    let tokens: Awaited<ReturnType<typeof OpenIdClient.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      const exchange = error instanceof client.ResponseBodyError || error instanceof client.WWWAuthenticateChallengeError || error instanceof TypeError;
      return { ok: false, reason: exchange ? 'exchange_failed' : 'invalid_id_token', detail: messageOf(error) };
    }
    const idClaims = tokens.claims();
    if (!idClaims) return { ok: false, reason: 'invalid_id_token', detail: 'the token response had no ID token' };
    const claims: Record<string, unknown> = { ...idClaims };
    // Userinfo may add what the ID token left out (OIDC Core §5.3.2: its sub must be the ID token's).
    if (config.serverMetadata().userinfo_endpoint) {
      try {
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        for (const [name, value] of Object.entries(userinfo)) if (!(name in claims)) claims[name] = value;
      } catch {
        // The ID token alone is enough to sign in.
      }
    }
    return { ok: true, claims };
  }
}
