import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { defaultSigningAlgorithm } from '../../contracts/algorithms.js';
import { assetSubjectScopes, deviceJwtMaxLifetimeSeconds, jwtTokenType } from '../../contracts/asset-tokens.js';
import type { SigningAlgorithm, SigningKeys } from '../../domain/keys/signing-keys.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { AssetSigningKeys } from '../../ports/asset-signing-keys.js';
import type { OAuthClient } from '../../ports/directories.js';
import { randomId } from '../../shared/random.js';
import { mayUseApp, privateAppRefusal, type AppAccessDependencies } from '../app-access.js';
import { OAuthError } from '../errors.js';
import { param, type ParameterBag } from '../messages.js';
import type { ActiveToken, TokenValidator } from '../tokens/token-validator.js';
import type { OwnTokenIssue, TokenResponse } from './grant-handler.js';

export { jwtTokenType };

const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';

/** Asymmetric JWS algorithms a device key may sign with: never none, never a shared secret (RFC 8725 §3.1). */
const deviceAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface AssetTokenDependencies extends AppAccessDependencies {
  issuer: string;
  validator: Pick<TokenValidator, 'accessToken'>;
  signingKeys: Pick<SigningKeys, 'signingKey' | 'algorithms'>;
  assetSigningKeys: AssetSigningKeys;
}

/** A token exchange asks for an asset token when it asks for a JWT (RFC 8693 §2.1 requested_token_type). */
export function isAssetTokenRequest(form: ParameterBag): boolean {
  return param(form, 'requested_token_type') === jwtTokenType;
}

/**
 * An asset token (docs/asset-tokens.md): the app trades a user's access token that carries the
 * openid and api scopes, and a JWT of the user's device that proves possession of the key in its
 * cnf claim, for a JWT bound to that key (RFC 7800), for the app's asset audiences, signed with
 * the app's asset signing certificate or the server's key. Nothing is stored.
 */
export async function assetTokenExchange(context: {
  form: ParameterBag;
  client: OAuthClient;
  now: number;
  deps: AssetTokenDependencies;
}): Promise<OwnTokenIssue> {
  const { form, client, now, deps } = context;
  const settings = client.policy.assetTokens;
  if (!settings.enabled) {
    throw new OAuthError('unauthorized_client', 'asset tokens are not enabled for this app: turn on "Enable asset tokens" in its settings (RFC 8693 §2.2.2)');
  }
  const subject = await assetSubjectOf(form, client, deps);
  const deviceJwk = await deviceKeyOf(form, now);
  const jkt = await calculateJwkThumbprint(deviceJwk, 'sha256');
  const issuedAt = Math.floor(now / 1000);
  const expiresIn = settings.validityMinutes * 60;
  const claims: Record<string, JsonValue> = {
    ...settings.customAttributes,
    iss: deps.issuer,
    sub: subject.subject,
    aud: settings.audiences.length === 1 ? settings.audiences[0]! : settings.audiences,
    iat: issuedAt,
    exp: issuedAt + expiresIn,
    jti: randomId(16),
    client_id: client.clientId,
    // RFC 7800 §3.1, with the thumbprint member RFC 9449 §6.1 defines.
    cnf: { jkt },
  };
  return {
    kind: 'own-token',
    issue: async (): Promise<TokenResponse> => ({
      access_token: await signAssetToken(claims, client, now, deps),
      // RFC 8693 §2.2.1: issued_token_type is required; token_type N_A for a token that is not an access token.
      issued_token_type: jwtTokenType,
      token_type: 'N_A',
      expires_in: expiresIn,
    }),
  };
}

async function signAssetToken(claims: Record<string, JsonValue>, client: OAuthClient, now: number, deps: AssetTokenDependencies): Promise<string> {
  if (client.policy.assetTokens.signing === 'certificate') {
    const key = await deps.assetSigningKeys.keyOf(client.clientId);
    if (!key) throw new OAuthError('unauthorized_client', 'this app signs asset tokens with its asset signing certificate, but it has none: upload one');
    if (key.expiresAt <= now) {
      throw new OAuthError(
        'unauthorized_client',
        `the asset signing certificate of this app expired on ${new Date(key.expiresAt).toISOString()}: upload a new one`,
      );
    }
    return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'JWT', x5c: key.x5c }).sign(key.privateKey);
  }
  const algorithms = deps.signingKeys.algorithms;
  const alg: SigningAlgorithm = algorithms.includes(defaultSigningAlgorithm) ? defaultSigningAlgorithm : algorithms[0]!;
  const { kid, privateKey } = deps.signingKeys.signingKey(alg);
  return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
}

/** The subject (RFC 8693 §2.1): an active access token of this server, for a user of the app's organization, with the openid and api scopes. */
async function assetSubjectOf(form: ParameterBag, client: OAuthClient, deps: AssetTokenDependencies): Promise<ActiveToken> {
  const subjectToken = param(form, 'subject_token');
  const subjectType = param(form, 'subject_token_type');
  if (!subjectToken || !subjectType) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required (RFC 8693 §2.1)');
  if (subjectType !== accessTokenType) {
    throw new OAuthError(
      'invalid_request',
      `an asset token is exchanged for a user's access token: subject_token_type must be ${accessTokenType} (RFC 8693 §2.1)`,
    );
  }
  const subject = await deps.validator.accessToken(subjectToken);
  if (!subject) {
    throw new OAuthError('invalid_request', 'the subject_token is not an active access token of this server: invalid, expired or revoked (RFC 8693 §2.2.2)');
  }
  if (subject.client.app.orgId !== client.app.orgId) {
    throw new OAuthError('invalid_request', "the subject_token was issued to another organization's app (RFC 8693 §2.2.2)");
  }
  if (!subject.grant)
    throw new OAuthError(
      'invalid_request',
      "an asset token is for a user: the subject_token must be a user's access token, not an app's own (RFC 8693 §2.2.2)",
    );
  const missing = assetSubjectScopes.filter((scope) => !subject.scope.includes(scope));
  if (missing.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `the subject_token lacks the ${missing.join(' and ')} scope${missing.length > 1 ? 's' : ''} an asset token needs (RFC 8693 §2.2.2)`,
    );
  }
  if (!(await mayUseApp(deps, client, subject.subject))) throw new OAuthError('invalid_grant', privateAppRefusal);
  return subject;
}

function deviceJwtRefusal(reason: string): OAuthError {
  return new OAuthError('invalid_request', `the actor_token (the device JWT) ${reason} (RFC 8693 §2.2.2, RFC 7800 §3.2)`);
}

/** The device JWT's algorithm and the public key in its cnf claim, unverified yet. */
function deviceClaimsOf(actorToken: string): { alg: string; jwk: JWK } {
  let alg: string | undefined;
  let cnf: unknown;
  try {
    alg = decodeProtectedHeader(actorToken).alg;
    cnf = decodeJwt(actorToken).cnf;
  } catch {
    throw deviceJwtRefusal('is not a JWT');
  }
  if (alg === undefined || !deviceAlgorithms.includes(alg)) {
    throw deviceJwtRefusal(`is signed with ${alg ?? 'no algorithm'}: use an asymmetric algorithm (${deviceAlgorithms.join(', ')}), never none`);
  }
  const jwk = typeof cnf === 'object' && cnf !== null ? (cnf as { jwk?: unknown }).jwk : undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof (jwk as JWK).kty !== 'string') {
    throw deviceJwtRefusal('has no cnf claim with the public key of the device as jwk');
  }
  const present = privateJwkMembers.filter((member) => member in jwk);
  if (present.length > 0) throw deviceJwtRefusal(`carries private or symmetric key material in cnf.jwk (${present.join(', ')}): send only the public key`);
  return { alg, jwk };
}

/**
 * The device (RFC 8693 §2.1 actor_token): a JWT with the device's public key in cnf.jwk (RFC 7800
 * §3.2), signed with that very key, so that whoever sent it holds the private key; short-lived.
 */
async function deviceKeyOf(form: ParameterBag, now: number): Promise<JWK> {
  const actorToken = param(form, 'actor_token');
  const actorType = param(form, 'actor_token_type');
  if (!actorToken)
    throw new OAuthError('invalid_request', 'an asset token needs an actor_token: a JWT of the device with its public key in cnf.jwk (RFC 8693 §2.1)');
  if (actorType !== jwtTokenType) throw new OAuthError('invalid_request', `actor_token_type must be ${jwtTokenType} for the device JWT (RFC 8693 §2.1)`);
  const { alg, jwk } = deviceClaimsOf(actorToken);
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk, alg);
  } catch {
    throw deviceJwtRefusal(`has a cnf.jwk that is not a public key for ${alg}`);
  }
  let exp: number | undefined;
  try {
    ({
      payload: { exp },
    } = await jwtVerify(actorToken, key, { algorithms: [alg], requiredClaims: ['exp'], currentDate: new Date(now) }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw deviceJwtRefusal('has expired');
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw deviceJwtRefusal('needs an exp claim');
    throw deviceJwtRefusal('is not signed by the key in its cnf.jwk: it proves no possession of that key');
  }
  if (exp! > Math.floor(now / 1000) + deviceJwtMaxLifetimeSeconds) {
    throw deviceJwtRefusal(`lives too long: its exp may lie at most ${deviceJwtMaxLifetimeSeconds} seconds ahead`);
  }
  return jwk;
}
