import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

/** Live credentials stored as a keyed hash, by kind, counted over the time their hash was made. */
export interface HashedCredentialCounts {
  clientSecrets: number;
  personalAccessTokens: number;
  refreshTokens: number;
  authorizationCodes: number;
  opaqueAccessTokens: number;
  sessions: number;
  invitations: number;
  initialAccessTokens: number;
  registrationAccessTokens: number;
  recoveryCodes: number;
}

/** Sealed values, for trying each key on them. */
export interface SealedValues {
  signingKeys: string[];
  totpSecrets: string[];
  connectionSecrets: string[];
  assetSigningKeys: string[];
}

async function count(query: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }): Promise<number> {
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/**
 * How many credentials that are still usable at `now` had their hash made in [from, to): the
 * time a hash was made is the row's creation (or, where it is re-made in place, its last
 * rotation or update). Counting from creation errs towards counting too many, never too few.
 */
export async function countHashedCredentials(db: Kysely<DatabaseSchema>, window: { from: number; to: number }, now: number): Promise<HashedCredentialCounts> {
  const { from, to } = window;
  const n = db.fn.countAll<number>().as('n');
  return {
    clientSecrets: await count(
      db
        .selectFrom('app_secrets')
        .select(n)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
    ),
    personalAccessTokens: await count(
      db
        .selectFrom('personal_access_tokens')
        .select(n)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now),
    ),
    refreshTokens: await count(
      db
        .selectFrom('grants')
        .select(n)
        .where((eb) => eb(eb.fn.coalesce('refresh_rotated_at', 'created_at'), '>=', from))
        .where((eb) => eb(eb.fn.coalesce('refresh_rotated_at', 'created_at'), '<', to))
        .where('refresh_hash', 'is not', null)
        .where('revoked_at', 'is', null)
        .where('refresh_expires_at', '>', now),
    ),
    authorizationCodes: await count(
      db
        .selectFrom('grants')
        .select(n)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where('code_hash', 'is not', null)
        .where('code_consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('code_expires_at', '>', now),
    ),
    opaqueAccessTokens: await count(
      db
        .selectFrom('access_tokens')
        .select(n)
        .where('issued_at', '>=', from)
        .where('issued_at', '<', to)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now),
    ),
    sessions: await count(db.selectFrom('sessions').select(n).where('created_at', '>=', from).where('created_at', '<', to).where('expires_at', '>', now)),
    invitations: await count(
      db
        .selectFrom('invitations')
        .select(n)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now),
    ),
    initialAccessTokens: await count(
      db
        .selectFrom('initial_access_tokens')
        .select(n)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where('revoked_at', 'is', null)
        .where('uses_left', '>', 0)
        .where('expires_at', '>', now),
    ),
    registrationAccessTokens: await count(db.selectFrom('client_registrations').select(n).where('updated_at', '>=', from).where('updated_at', '<', to)),
    recoveryCodes: await count(
      db.selectFrom('recovery_codes').select(n).where('created_at', '>=', from).where('created_at', '<', to).where('used_at', 'is', null),
    ),
  };
}

export async function sealedValues(db: Kysely<DatabaseSchema>): Promise<SealedValues> {
  const signing = await db.selectFrom('signing_keys').select('private_jwe').where('private_jwe', 'is not', null).execute();
  const totp = await db.selectFrom('totp_factors').select('sealed_secret').execute();
  const connections = await db.selectFrom('federation_connections').select('client_secret_jwe').execute();
  const assetKeys = await db.selectFrom('app_asset_signing_keys').select('sealed_private_key').execute();
  return {
    signingKeys: signing.map((row) => row.private_jwe!),
    totpSecrets: totp.map((row) => row.sealed_secret),
    connectionSecrets: connections.map((row) => row.client_secret_jwe),
    assetSigningKeys: assetKeys.map((row) => row.sealed_private_key),
  };
}

/**
 * Re-seals, each in its own conditional write, the authenticator app secrets, connection
 * client secrets and asset signing keys that `reseal` returns a new sealed value for (those a previous server secret
 * sealed). A value changed meanwhile (re-enrolled, saved again) is left alone. Returns how many changed.
 */
export async function resealStoredSecrets(
  db: Kysely<DatabaseSchema>,
  reseal: {
    totp: (sealed: string) => Promise<string | null>;
    connection: (sealed: string) => Promise<string | null>;
    assetSigningKey: (sealed: string) => Promise<string | null>;
  },
): Promise<{ totpSecrets: number; connectionSecrets: number; assetSigningKeys: number }> {
  let totpSecrets = 0;
  for (const row of await db.selectFrom('totp_factors').select(['id', 'sealed_secret']).execute()) {
    const next = await reseal.totp(row.sealed_secret);
    if (next === null) continue;
    const result = await db
      .updateTable('totp_factors')
      .set({ sealed_secret: next })
      .where('id', '=', row.id)
      .where('sealed_secret', '=', row.sealed_secret)
      .executeTakeFirst();
    totpSecrets += Number(result.numUpdatedRows);
  }
  let connectionSecrets = 0;
  for (const row of await db.selectFrom('federation_connections').select(['id', 'client_secret_jwe']).execute()) {
    const next = await reseal.connection(row.client_secret_jwe);
    if (next === null) continue;
    const result = await db
      .updateTable('federation_connections')
      .set({ client_secret_jwe: next })
      .where('id', '=', row.id)
      .where('client_secret_jwe', '=', row.client_secret_jwe)
      .executeTakeFirst();
    connectionSecrets += Number(result.numUpdatedRows);
  }
  let assetSigningKeys = 0;
  for (const row of await db.selectFrom('app_asset_signing_keys').select(['client_id', 'sealed_private_key']).execute()) {
    const next = await reseal.assetSigningKey(row.sealed_private_key);
    if (next === null) continue;
    const result = await db
      .updateTable('app_asset_signing_keys')
      .set({ sealed_private_key: next })
      .where('client_id', '=', row.client_id)
      .where('sealed_private_key', '=', row.sealed_private_key)
      .executeTakeFirst();
    assetSigningKeys += Number(result.numUpdatedRows);
  }
  return { totpSecrets, connectionSecrets, assetSigningKeys };
}
