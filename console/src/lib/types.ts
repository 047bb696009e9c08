/** Shapes of the management API's responses (src/http/api/views.ts). */

export type Role = 'owner' | 'admin' | 'developer' | 'viewer';
export type AppType = 'native' | 'spa' | 'web' | 'm2m' | 'device';
export type AppStatus = 'draft' | 'submitted' | 'active' | 'disabled';

export interface Page<T> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
}

export interface Org {
  id: string;
  name: string;
  displayName: string;
  createdAt: string;
  updatedAt: string;
}

export interface MyOrg extends Org {
  role: Role;
}

export interface Me {
  kind: 'operator' | 'user' | 'client';
  user: User | null;
  scopes: string[];
  organizations: MyOrg[];
}

export interface User {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  isAdmin: boolean;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  state: 'pending' | 'accepted' | 'revoked' | 'expired';
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
}

export interface ApiScope {
  name: string;
  description: string;
}

export interface Api {
  id: string;
  orgId: string;
  identifier: string;
  name: string;
  scopes: ApiScope[];
  allowOfflineAccess: boolean;
  tokenFormat: 'jwt' | 'opaque';
  signingAlgorithm: 'RS256' | 'ES256' | 'EdDSA';
  accessTokenTtlMinutes: number;
  createdAt: string;
  updatedAt: string;
}

export interface ApiGrant {
  audience: string;
  scopes: string[];
}

export interface App {
  clientId: string;
  orgId: string;
  ownerUserId: string | null;
  name: string;
  description: string;
  type: AppType;
  clientType: 'public' | 'confidential';
  visibility: 'private' | 'public';
  status: AppStatus;
  logoUri: string | null;
  homepageUri: string | null;
  privacyPolicyUri: string | null;
  termsOfServiceUri: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: string;
  scopes: string[];
  apiGrants: ApiGrant[];
  defaultAudience: string | null;
  accessToken: { ttlMinutes: number | null };
  refreshToken: { ttlMinutes: number; rotation: boolean; reuseIntervalSeconds: number; requireSecret: boolean };
  idToken: { ttlMinutes: number; audiences: string[]; includeStandardClaims: boolean; includeCustomClaims: boolean };
  customClaims: Record<string, unknown>;
  security: { requirePkce: boolean; requireSecretForWebServerFlow: boolean; introspectAllTokens: boolean; firstParty: boolean; managementApiAccess: boolean };
  placeholderRedirectUris: string[];
  review: {
    submittedAt: string | null;
    submittedBy: string | null;
    reviewedAt: string | null;
    reviewedBy: string | null;
    decision: 'approved' | 'rejected' | null;
    reason: string | null;
  } | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AppWithSecret extends App {
  clientSecret: string | null;
}

export interface RotatedSecret {
  clientId: string;
  clientSecret: string;
  previousSecretsExpireAt: string;
}

export interface Certificate {
  id: string;
  kind: 'x509' | 'jwk';
  kid: string | null;
  alg: string;
  fingerprint: string;
  subject: string | null;
  notBefore: string | null;
  expiresAt: string | null;
  createdAt: string;
}

export interface AuditEvent {
  id: string;
  orgId: string | null;
  actor: { type: 'user' | 'operator' | 'client' | 'system'; id: string | null; label: string };
  action: string;
  targetType: string;
  targetId: string;
  changes: Record<string, unknown>;
  requestId: string | null;
  createdAt: string;
}

export interface Consent {
  clientId: string;
  scopes: string[];
  createdAt: string;
  updatedAt: string;
}
