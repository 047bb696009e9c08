import type { ColumnType } from 'kysely';

/**
 * Table shapes as the database returns them. Times are epoch milliseconds (bigint in PostgreSQL,
 * integer in SQLite, both read as numbers); flags are integers 0/1 and structured values are JSON
 * text, so that one set of queries serves both dialects.
 */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  status: string;
  public_jwk: string;
  private_jwe: string | null;
  created_at: number;
  rotated_at: number | null;
  retire_at: number | null;
  activate_at: number | null;
  revoked_at: number | null;
}

export interface SettingsTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified: number;
  is_admin: number;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
  given_name: string | null;
  family_name: string | null;
  picture: string | null;
  locale: string | null;
  phone_number: string | null;
  address: string | null;
  locked_until: number | null;
}

export interface PersonalAccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  display_name: string;
  created_at: number;
  updated_at: number;
  require_mfa: number;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

export interface ApisTable {
  id: string;
  org_id: string;
  identifier: string;
  name: string;
  scopes: string;
  allow_offline_access: number;
  token_format: string;
  signing_alg: string;
  access_token_ttl_minutes: number;
  created_at: number;
  updated_at: number;
}

export interface AppsTable {
  client_id: string;
  org_id: string;
  owner_user_id: string | null;
  name: string;
  description: string;
  type: string;
  visibility: string;
  status: string;
  settings: string;
  review: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** Written only by recordUses: inserts and updates of the app leave it alone. */
  last_used_at: ColumnType<number | null, never, number>;
}

export interface AppSecretsTable {
  id: string;
  client_id: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: ColumnType<number | null, never, number>;
}

export interface AppCertificatesTable {
  id: string;
  client_id: string;
  kind: string;
  public_jwk: string;
  pem: string | null;
  fingerprint: string;
  alg: string;
  subject: string | null;
  not_before: number | null;
  expires_at: number | null;
  created_at: number;
}

export interface AppAssetSigningKeysTable {
  client_id: string;
  certificate_pem: string;
  sealed_private_key: string;
  alg: string;
  fingerprint: string;
  subject: string;
  not_before: number;
  expires_at: number;
  created_at: number;
}

export interface AppTrustedIssuersTable {
  id: string;
  client_id: string;
  issuer: string;
  public_jwks: string;
  subjects: string;
  allow_any_subject: number;
  scopes: string;
  expires_at: number | null;
  created_by: string;
  created_at: number;
}

export interface AuditEventsTable {
  id: string;
  org_id: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string;
  changes: string;
  request_id: string | null;
  /** JSON: the app a user acted through, the delegation chain, a credential's owner. */
  actor_context: string | null;
  created_at: number;
}

export interface AppPreauthorizationsTable {
  id: string;
  client_id: string;
  user_id: string | null;
  role: string | null;
  scopes: string;
  audiences: string;
  authority: string;
  created_by: string;
  created_at: number;
}

export interface SessionsTable {
  id_hash: string;
  sid: string;
  user_id: string;
  auth_time: number;
  amr: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface InteractionsTable {
  uid: string;
  client_id: string;
  request: string;
  browser_hash: string;
  step: string;
  user_id: string | null;
  amr: string | null;
  auth_time: number | null;
  acr: string | null;
  consent: string | null;
  error: string | null;
  flow: string;
  device_code_hash: string | null;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
  updated_at: number;
}

export interface GrantsTable {
  id: string;
  client_id: string;
  user_id: string;
  org_id: string | null;
  scope: string;
  audiences: string;
  session_sid: string | null;
  auth_time: number;
  amr: string;
  nonce: string | null;
  redirect_uri: string | null;
  code_hash: string | null;
  code_challenge: string | null;
  code_expires_at: number | null;
  code_consumed_at: number | null;
  refresh_hash: string | null;
  refresh_previous_hash: string | null;
  refresh_generation: number;
  refresh_rotated_at: number | null;
  refresh_expires_at: number | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** RFC 9449: the key thumbprint the code, then (public clients) the refresh tokens, are bound to. */
  dpop_jkt: string | null;
  /** OIDC Core §5.5: the authorization request's claims parameter as JSON; null without one. */
  claims: string | null;
}

export interface AccessTokensTable {
  token_hash: string;
  grant_id: string | null;
  client_id: string;
  subject: string;
  payload: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface RevokedJtisTable {
  jti: string;
  expires_at: number;
}

export interface DpopProofsTable {
  proof_key: string;
  expires_at: number;
}

export interface DeviceCodesTable {
  device_code_hash: string;
  user_code: string;
  client_id: string;
  scope: string;
  audiences: string;
  status: string;
  user_id: string | null;
  session_sid: string | null;
  auth_time: number | null;
  amr: string | null;
  interval_seconds: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface ConsoleSessionsTable {
  id_hash: string;
  user_id: string;
  tokens: string;
  csrf_token: string;
  access_expires_at: number;
  created_at: number;
  expires_at: number;
  /** The Latchkey session the console signed in with (migration 0017). */
  sid: string | null;
}

export interface RateLimitsTable {
  key_hash: string;
  attempts: number;
  last_at: number;
  expires_at: number;
}

export interface DatabaseSchema {
  signing_keys: SigningKeysTable;
  settings: SettingsTable;
  users: UsersTable;
  personal_access_tokens: PersonalAccessTokensTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  apis: ApisTable;
  apps: AppsTable;
  app_secrets: AppSecretsTable;
  app_certificates: AppCertificatesTable;
  app_asset_signing_keys: AppAssetSigningKeysTable;
  app_trusted_issuers: AppTrustedIssuersTable;
  audit_events: AuditEventsTable;
  app_preauthorizations: AppPreauthorizationsTable;
  sessions: SessionsTable;
  interactions: InteractionsTable;
  consents: ConsentsTable;
  grants: GrantsTable;
  access_tokens: AccessTokensTable;
  revoked_jtis: RevokedJtisTable;
  dpop_proofs: DpopProofsTable;
  device_codes: DeviceCodesTable;
  console_sessions: ConsoleSessionsTable;
  rate_limits: RateLimitsTable;
  outbox: OutboxTable;
  account_tokens: AccountTokensTable;
  passkeys: PasskeysTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  federation_connections: FederationConnectionsTable;
  federation_identities: FederationIdentitiesTable;
  federation_states: FederationStatesTable;
  pushed_authorization_requests: PushedAuthorizationRequestsTable;
  initial_access_tokens: InitialAccessTokensTable;
  client_registrations: ClientRegistrationsTable;
}

export interface OutboxTable {
  id: string;
  kind: string;
  /** The app a back-channel logout is for (migration 0017); null for mail. */
  app_id: string | null;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  claimed_by: string | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  failed_at: number | null;
}

export interface AccountTokensTable {
  token_hash: string;
  purpose: string;
  user_id: string | null;
  email: string | null;
  data: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  name: string;
  credential_id: string;
  public_key: string;
  sign_count: number;
  transports: string;
  device_type: string;
  backed_up: number;
  aaguid: string;
  created_at: number;
  last_used_at: number | null;
}
export interface TotpFactorsTable {
  id: string;
  user_id: string;
  name: string;
  sealed_secret: string;
  last_step: number | null;
  created_at: number;
  confirmed_at: number | null;
  last_used_at: number | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  digest: string;
  created_at: number;
  used_at: number | null;
}

export interface FederationConnectionsTable {
  id: string;
  org_id: string | null;
  scope: string;
  name: string;
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret_jwe: string;
  scopes: string;
  claim_mapping: string;
  domains: string;
  trust_upstream_mfa: number;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface FederationIdentitiesTable {
  id: string;
  connection_id: string;
  subject: string;
  user_id: string;
  email: string | null;
  created_at: number;
  last_used_at: number | null;
}

export interface FederationStatesTable {
  state_hash: string;
  purpose: string;
  connection_id: string;
  interaction_uid: string;
  browser_hash: string;
  data: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface PushedAuthorizationRequestsTable {
  uri_hash: string;
  client_id: string;
  /** JSON object of parameter name to its values. */
  parameters: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface InitialAccessTokensTable {
  id: string;
  org_id: string;
  name: string;
  token_hash: string;
  /** JSON of the RegistrationPolicy. */
  policy: string;
  max_uses: number;
  uses_left: number;
  created_by: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ClientRegistrationsTable {
  client_id: string;
  token_hash: string;
  initial_token_id: string | null;
  /** JSON object of the metadata kept only for the registration. */
  metadata: string;
  created_at: number;
  updated_at: number;
}
