import { z } from 'zod';
import { signingAlgorithms, tokenFormats } from './algorithms.js';
import { appStatuses, appTypes, appVisibilities, subjectTypes } from './app-types.js';
import { roles } from './permissions.js';

/**
 * What the management API answers: the server builds its responses to these schemas, the
 * OpenAPI document is generated from them, and the CLI and the console read their types off them.
 */

const isoTime = z.string().describe('RFC 3339 time');

export const orgViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string(),
  requireMfa: z.boolean().describe('Members must sign in with a second factor'),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const memberViewSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(roles),
  joinedAt: isoTime,
});

export const invitationViewSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  role: z.string(),
  state: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  createdAt: isoTime,
  expiresAt: isoTime,
  acceptedAt: isoTime.nullable(),
});

export const userViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  emailVerified: z.boolean(),
  isAdmin: z.boolean(),
  disabled: z.boolean().describe('A disabled user cannot sign in, and nothing issued to them works'),
  disabledAt: isoTime.nullable(),
  lockedUntil: isoTime.nullable().describe('Until when sign-in is refused after too many failed sign-ins in a row; null (or past) when not locked'),
  hasPassword: z.boolean(),
  secondFactors: z
    .object({
      enabled: z.boolean().describe('Whether the user signs in with a second factor when asked for one'),
      methods: z.array(z.enum(['totp', 'passkey', 'recovery_code'])).describe('The ways the user can prove a second factor'),
      totp: z.number().int().describe('Confirmed authenticator apps'),
      recoveryCodesLeft: z.number().int().describe('Unused recovery codes'),
    })
    .describe('Two-step verification; a server administrator resets it with POST /users/{user}/second-factors/reset'),
  profile: z.object({
    givenName: z.string().nullable(),
    familyName: z.string().nullable(),
    picture: z.string().nullable(),
    locale: z.string().nullable(),
    phoneNumber: z.string().nullable(),
    address: z.string().nullable().describe('The postal address, lines separated by newlines'),
  }),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const sessionViewSchema = z.object({
  sid: z.string().describe('The session id, as the sid claim of ID tokens carries it'),
  authTime: isoTime,
  amr: z.array(z.string()),
  createdAt: isoTime,
  lastSeenAt: isoTime,
  expiresAt: isoTime,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

export const tokenViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: isoTime,
  expiresAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});

export const apiViewSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  identifier: z.string(),
  name: z.string(),
  scopes: z.array(z.object({ name: z.string(), description: z.string() })),
  allowOfflineAccess: z.boolean(),
  tokenFormat: z.enum(tokenFormats),
  signingAlgorithm: z.enum(signingAlgorithms),
  accessTokenTtlMinutes: z.number().int(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const connectionViewSchema = z.object({
  id: z.string(),
  orgId: z.string().nullable().describe('null: a connection of the server, offered on every sign-in page'),
  name: z.string(),
  displayName: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.boolean().describe('the secret itself is write-only'),
  scopes: z.array(z.string()),
  claimMapping: z.record(z.string(), z.string()),
  domains: z.array(z.string()),
  trustUpstreamMfa: z.boolean(),
  enabled: z.boolean(),
  callbackUrl: z.string().describe('the redirect URI to register at the upstream provider'),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const appViewSchema = z.object({
  clientId: z.string(),
  orgId: z.string(),
  ownerUserId: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  type: z.enum(appTypes),
  clientType: z.enum(['public', 'confidential']),
  visibility: z.enum(appVisibilities),
  status: z.enum(appStatuses),
  logoUri: z.string().nullable(),
  homepageUri: z.string().nullable(),
  privacyPolicyUri: z.string().nullable(),
  termsOfServiceUri: z.string().nullable(),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  backchannelLogoutUri: z
    .string()
    .nullable()
    .describe('Where logout tokens are POSTed when a session the app got tokens in ends (OIDC Back-Channel Logout 1.0)'),
  backchannelLogoutSessionRequired: z.boolean().describe('Logout tokens must carry sid (they always do)'),
  frontchannelLogoutUri: z.string().nullable().describe('Loaded in a hidden iframe by the logout page (OIDC Front-Channel Logout 1.0)'),
  frontchannelLogoutSessionRequired: z.boolean().describe('The front-channel logout URL gets iss and sid query parameters'),
  grantTypes: z.array(z.string()),
  tokenEndpointAuthMethod: z.string(),
  scopes: z.array(z.string()),
  apiGrants: z.array(z.object({ audience: z.string(), scopes: z.array(z.string()) })),
  defaultAudience: z.string().nullable(),
  accessToken: z.object({ ttlMinutes: z.number().int().nullable() }),
  refreshToken: z.object({
    ttlMinutes: z.number().int(),
    rotation: z.boolean(),
    reuseIntervalSeconds: z.number().int(),
    requireSecret: z.boolean(),
  }),
  idToken: z.object({
    ttlMinutes: z.number().int(),
    audiences: z.array(z.string()),
    includeStandardClaims: z.boolean(),
    includeCustomClaims: z.boolean(),
    signingAlg: z.enum(signingAlgorithms).describe('How ID tokens are signed (id_token_signed_response_alg); RS256 unless set'),
    subjectType: z.enum(subjectTypes).describe("public: sub is the user's id; pairwise: a different sub for each sector (subject_type)"),
    sectorIdentifierUri: z
      .string()
      .nullable()
      .describe("Where the sector of pairwise subjects is read from (sector_identifier_uri); null: the redirect URIs' host"),
  }),
  deviceCode: z
    .object({
      lifetimeSeconds: z.number().int().nullable().describe("How long a device code lives, in seconds; null: the server's setting"),
      pollIntervalSeconds: z.number().int().nullable().describe("How often the device may poll, in seconds; null: the server's setting"),
    })
    .describe('The device flow (RFC 8628)'),
  customClaims: z.record(z.string(), z.unknown()),
  assetTokens: z
    .object({
      enabled: z.boolean().describe('Whether the app may exchange a user access token and a device JWT for an asset token'),
      validityMinutes: z.number().int().describe('How long an asset token lives'),
      audiences: z.array(z.string()).describe('The aud of every asset token'),
      signing: z
        .enum(['server', 'certificate'])
        .describe("server: the server's current signing key (kid); certificate: the app's asset signing certificate (x5c)"),
      customAttributes: z.record(z.string(), z.unknown()).describe('Claims added to every asset token'),
    })
    .describe('Device-bound asset tokens through token exchange (RFC 8693); docs/asset-tokens.md'),
  security: z.object({
    requirePkce: z.boolean(),
    requireSecretForWebServerFlow: z.boolean(),
    introspectAllTokens: z.boolean(),
    firstParty: z.boolean().describe('Users are not asked to consent (server administrators set it)'),
    managementApiAccess: z.boolean().describe('The app may get tokens for the Latchkey management API (server administrators set it)'),
    requireVerifiedEmail: z.boolean().describe('Users must verify their email address before the app gets a code'),
    requireMfa: z.boolean().describe('Users must sign in with a second factor (and set one up first if they have none)'),
    requirePushedAuthorizationRequests: z
      .boolean()
      .describe('Authorization requests must be pushed to the pushed authorization request endpoint first (RFC 9126); others are refused'),
    requireDpop: z.boolean().describe('Token requests must carry a DPoP proof (RFC 9449), so that every access token is bound to the key of the client'),
    tokenExchangeImpersonation: z
      .boolean()
      .describe('A token exchange without an actor token issues a token for the subject alone, with no act claim naming the app (RFC 8693 §1.1)'),
  }),
  placeholderRedirectUris: z.array(z.string()).describe('Redirect URIs that are placeholders: fine in a draft, refused on submit or activate'),
  review: z
    .object({
      submittedAt: isoTime.nullable(),
      submittedBy: z.string().nullable(),
      submitterUserId: z.string().nullable().describe('The user who submitted (or whose client credentials did); null for the operator or an app'),
      reviewedAt: isoTime.nullable(),
      reviewedBy: z.string().nullable(),
      decision: z.enum(['approved', 'rejected']).nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
  createdBy: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  lastUsedAt: isoTime.nullable().describe('When the app last authenticated with a client secret (recorded at most once a minute); null if never'),
});

/** A submitted public app in the review queue, with the name of its organization (for links across organizations). */
export const reviewItemViewSchema = appViewSchema.extend({ orgName: z.string().describe('The name of the organization the app belongs to') });

/** One back-channel logout of an app's delivery log (OIDC Back-Channel Logout 1.0). */
export const logoutDeliveryViewSchema = z.object({
  id: z.string(),
  state: z.enum(['pending', 'sent', 'failed']).describe('pending: not delivered yet (retried with backoff); sent: the app answered 2xx; failed: given up'),
  sub: z.string().describe('The user whose session ended'),
  sid: z.string().describe('The session that ended (the sid of the ID tokens issued in it)'),
  attempts: z.number().int().describe('Failed tries so far'),
  lastError: z.string().nullable().describe('Why the last try failed: the status the app answered, a timeout, a network error'),
  createdAt: isoTime.describe('When the session ended'),
  nextAttemptAt: isoTime.nullable().describe('When it is tried next, while pending'),
  sentAt: isoTime.nullable(),
  failedAt: isoTime.nullable(),
});

/** The response that creates an app or rotates its secret: the only place a client secret appears. */
export const appWithSecretSchema = appViewSchema.extend({
  clientSecret: z.string().nullable().describe('Shown once: store it now. Null for public apps.'),
});

export const certificateViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['x509', 'jwk']),
  kid: z.string().nullable(),
  alg: z.string(),
  fingerprint: z.string(),
  subject: z.string().nullable(),
  notBefore: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  createdAt: isoTime,
});

/** An app's asset signing certificate: what it is, never its private key (which nothing returns). */
export const assetSigningCertificateViewSchema = z.object({
  certificate: z.string().describe('The PEM certificate, sent in the x5c header of the asset tokens it signs'),
  alg: z.string(),
  fingerprint: z.string().describe("SHA-256 of the certificate's DER"),
  subject: z.string(),
  notBefore: isoTime,
  expiresAt: isoTime,
  createdAt: isoTime,
});

export const auditViewSchema = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  actor: z.object({
    type: z.enum(['user', 'operator', 'client', 'system']),
    id: z.string().nullable(),
    label: z.string(),
    client: z.object({ id: z.string(), name: z.string() }).optional().describe('A user acting through a token issued to an app: that app'),
    act: z.unknown().optional().describe('The delegation chain of a token-exchange token (RFC 8693 §4.1)'),
    ownerUserId: z.string().optional().describe('Per-user client credentials acting: the user they belong to'),
  }),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  changes: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  createdAt: isoTime,
});

/** A user or a role of the app's organization that an administrator authorized in place of their consent. */
export const preAuthorizationViewSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  userId: z.string().nullable(),
  email: z.string().nullable(),
  role: z.enum(roles).nullable(),
  scopes: z.array(z.string()),
  audiences: z.array(z.string()),
  authority: z
    .enum(['server', 'organization'])
    .describe("server: a server administrator made it; organization: an owner or admin of the app's organization, for its members only"),
  createdBy: z.string(),
  createdAt: z.string(),
});

/** An external issuer the app trusts for JWT bearer assertions and token exchange (RFC 7523, RFC 8693). */
export const trustedIssuerViewSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  issuer: z.string(),
  keys: z.array(z.object({ kid: z.string().nullable(), kty: z.string(), alg: z.string().nullable() })).describe('Its public keys, as they verify'),
  subjects: z.array(z.string()),
  allowAnySubject: z.boolean(),
  scopes: z.array(z.string()),
  expiresAt: isoTime.nullable().describe('When the relationship ends; an expired one is ignored'),
  createdBy: z.string(),
  createdAt: isoTime,
});

/** A page of a list: `?page=1&perPage=20`. */
export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), page: z.number().int(), perPage: z.number().int(), total: z.number().int() });
}
export interface Page<Item> {
  items: Item[];
  page: number;
  perPage: number;
  total: number;
}

/** A new client secret, returned once; the previous ones stop at `previousSecretsExpireAt`. */
export const rotatedSecretSchema = z.object({ clientId: z.string(), clientSecret: z.string(), previousSecretsExpireAt: z.string() });

/** A client secret that works now: its dates, never its value. */
export const appSecretViewSchema = z.object({
  id: z.string(),
  current: z.boolean().describe('true for the newest secret; false for a previous one in its grace period'),
  createdAt: isoTime,
  expiresAt: isoTime.nullable().describe('When it stops working; null for the current secret'),
  lastUsedAt: isoTime.nullable().describe('When a client last authenticated with it (recorded at most once a minute); null if never'),
});

export const consentViewSchema = z.object({
  clientId: z.string(),
  clientName: z.string().nullable(),
  scopes: z.array(z.string()).describe('What was allowed, as stored: scopes, aud:<API identifier>, claim:<name>'),
  access: z.array(z.string()).describe('The same in plain words, as the account page shows them'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** GET /me: who the caller is, their organizations and roles, and the scopes their token carries. */
export const meViewSchema = z.object({
  kind: z.enum(['operator', 'user', 'client']),
  user: userViewSchema.nullable(),
  scopes: z.array(z.string()),
  organizations: z.array(orgViewSchema.extend({ role: memberViewSchema.shape.role })),
  /** Whether the caller may create organizations (orgs.selfService, or a server administrator). */
  mayCreateOrganizations: z.boolean(),
});

export type OrgView = z.output<typeof orgViewSchema>;
export type MemberView = z.output<typeof memberViewSchema>;
export type InvitationView = z.output<typeof invitationViewSchema>;
export type UserView = z.output<typeof userViewSchema>;
export type SessionView = z.output<typeof sessionViewSchema>;
export type TokenView = z.output<typeof tokenViewSchema>;
export type ApiView = z.output<typeof apiViewSchema>;
export type AppView = z.output<typeof appViewSchema>;
export type ConnectionView = z.output<typeof connectionViewSchema>;
export type AppWithSecretView = z.output<typeof appWithSecretSchema>;
export type CertificateView = z.output<typeof certificateViewSchema>;
export type AssetSigningCertificateView = z.output<typeof assetSigningCertificateViewSchema>;
export type AuditEventView = z.output<typeof auditViewSchema>;
export type TrustedIssuerView = z.output<typeof trustedIssuerViewSchema>;
export type RotatedSecretView = z.output<typeof rotatedSecretSchema>;
export type AppSecretView = z.output<typeof appSecretViewSchema>;
export type ConsentView = z.output<typeof consentViewSchema>;
export type MeView = z.output<typeof meViewSchema>;
export type ReviewItemView = z.output<typeof reviewItemViewSchema>;
export type PreAuthorizationView = z.output<typeof preAuthorizationViewSchema>;

export const signingKeyStatuses = ['next', 'active', 'retiring', 'retired', 'revoked'] as const;

export const signingKeyViewSchema = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z
    .enum(signingKeyStatuses)
    .describe('next: published, signs from activateAt; active: signs; retiring: published until retireAt; retired: gone; revoked: withdrawn in an emergency'),
  published: z.boolean().describe('Whether the key is in the JWKS'),
  createdAt: z.string(),
  activateAt: z.string().nullable().describe('When a scheduled key starts (or started) signing'),
  rotatedAt: z.string().nullable().describe('When a newer key replaced it'),
  retireAt: z.string().nullable().describe('When a retiring key leaves the JWKS'),
  revokedAt: z.string().nullable(),
});
export type SigningKeyView = z.infer<typeof signingKeyViewSchema>;
export type LogoutDeliveryView = z.output<typeof logoutDeliveryViewSchema>;

export const initialTokenStates = ['active', 'used_up', 'expired', 'revoked'] as const;

/** An initial access token for dynamic registration (RFC 7591 §3), never the token itself. */
export const initialTokenViewSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  policy: z.object({
    appTypes: z.array(z.enum(appTypes)),
    grantTypes: z.array(z.string()),
    scopes: z.array(z.string()).nullable().describe('null: any scope the organization allows'),
    redirectUriHosts: z.array(z.string()).nullable().describe('null: any host the registry allows'),
  }),
  maxUses: z.number().int(),
  usesLeft: z.number().int(),
  state: z.enum(initialTokenStates),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type InitialTokenView = z.output<typeof initialTokenViewSchema>;
