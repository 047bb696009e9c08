import type { Insertable, Kysely, Selectable } from 'kysely';
import type {
  AppCertificateRecord,
  AppListQuery,
  AppRecord,
  AppRepository,
  AppReview,
  AppSecretRecord,
  AppStatus,
  AppType,
  AppVisibility,
  AssetSigningKeyRecord,
  TrustedIssuerRecord,
  ClientUse,
} from '../../ports/app-repositories.js';
import { completeSettings } from '../../domain/apps/client-policy.js';
import { containsInsensitive, fromFlag, toFlag } from './query-helpers.js';
import type { AppCertificatesTable, AppsTable, AppTrustedIssuersTable, DatabaseSchema } from './schema.js';

function toApp(row: Selectable<AppsTable>): AppRecord {
  // Settings stored before a setting existed read with its default (the app type's).
  const settings = completeSettings(row.type as AppType, JSON.parse(row.settings));
  return {
    clientId: row.client_id,
    orgId: row.org_id,
    ownerUserId: row.owner_user_id,
    name: row.name,
    description: row.description,
    type: row.type as AppType,
    visibility: row.visibility as AppVisibility,
    status: row.status as AppStatus,
    settings,
    review: row.review ? (JSON.parse(row.review) as AppReview) : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at,
  };
}

function appRow(app: AppRecord): Insertable<AppsTable> {
  return {
    client_id: app.clientId,
    org_id: app.orgId,
    owner_user_id: app.ownerUserId,
    name: app.name,
    description: app.description,
    type: app.type,
    visibility: app.visibility,
    status: app.status,
    settings: JSON.stringify(app.settings),
    review: app.review ? JSON.stringify(app.review) : null,
    created_by: app.createdBy,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

function toCertificate(row: Selectable<AppCertificatesTable>): AppCertificateRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    kind: row.kind as AppCertificateRecord['kind'],
    publicJwk: JSON.parse(row.public_jwk) as AppCertificateRecord['publicJwk'],
    pem: row.pem,
    fingerprint: row.fingerprint,
    alg: row.alg,
    subject: row.subject,
    notBefore: row.not_before,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

function toTrustedIssuer(row: Selectable<AppTrustedIssuersTable>): TrustedIssuerRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    issuer: row.issuer,
    keys: JSON.parse(row.public_jwks) as TrustedIssuerRecord['keys'],
    subjects: JSON.parse(row.subjects) as string[],
    allowAnySubject: fromFlag(row.allow_any_subject),
    scopes: JSON.parse(row.scopes) as string[],
    expiresAt: row.expires_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export class SqlAppRepository implements AppRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(app: AppRecord): Promise<void> {
    await this.#db.insertInto('apps').values(appRow(app)).execute();
  }

  async get(clientId: string): Promise<AppRecord | undefined> {
    const row = await this.#db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toApp(row);
  }

  async update(app: AppRecord): Promise<void> {
    const { client_id: _clientId, created_at: _createdAt, ...values } = appRow(app);
    await this.#db.updateTable('apps').set(values).where('client_id', '=', app.clientId).execute();
  }

  async delete(clientId: string): Promise<boolean> {
    // Children first: SQLite enforces the foreign keys, but don't rely on cascade settings.
    await this.#db.deleteFrom('app_secrets').where('client_id', '=', clientId).execute();
    await this.#db.deleteFrom('app_certificates').where('client_id', '=', clientId).execute();
    await this.#db.deleteFrom('app_asset_signing_keys').where('client_id', '=', clientId).execute();
    await this.#db.deleteFrom('app_trusted_issuers').where('client_id', '=', clientId).execute();
    await this.#db.deleteFrom('app_preauthorizations').where('client_id', '=', clientId).execute();
    await this.#db.deleteFrom('client_registrations').where('client_id', '=', clientId).execute();
    const result = await this.#db.deleteFrom('apps').where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(query: AppListQuery): Promise<{ items: AppRecord[]; total: number }> {
    let base = this.#db.selectFrom('apps');
    if (query.orgId) base = base.where('org_id', '=', query.orgId);
    if (query.kind === 'apps') base = base.where('owner_user_id', 'is', null);
    if (query.kind === 'credentials') base = base.where('owner_user_id', 'is not', null);
    if (query.ownerUserId) base = base.where('owner_user_id', '=', query.ownerUserId);
    if (query.status) base = base.where('status', '=', query.status);
    if (query.search) base = base.where(containsInsensitive('name', query.search));
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at', 'desc').orderBy('client_id').offset(query.offset).limit(query.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toApp), total: Number(count.total) };
  }

  async lock(clientId: string): Promise<boolean> {
    // A no-op UPDATE: on PostgreSQL it holds the row lock until commit, as SELECT ... FOR UPDATE
    // would, and on SQLite (which has no FOR UPDATE) it takes the write lock that serializes
    // transactions anyway. One statement for both dialects.
    const result = await this.#db
      .updateTable('apps')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertSecret(secret: AppSecretRecord): Promise<void> {
    await this.#db
      .insertInto('app_secrets')
      .values({
        id: secret.id,
        client_id: secret.clientId,
        hash: secret.hash,
        created_at: secret.createdAt,
        expires_at: secret.expiresAt,
      })
      .execute();
  }

  async listLiveSecrets(clientId: string, now: number): Promise<AppSecretRecord[]> {
    const rows = await this.#db
      .selectFrom('app_secrets')
      .selectAll()
      .where('client_id', '=', clientId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      clientId: row.client_id,
      hash: row.hash,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
    }));
  }

  async recordUses(uses: readonly ClientUse[]): Promise<void> {
    // Never moves a time back: a batch from a node whose flush was slow may arrive after a later one.
    for (const use of uses) {
      await this.#db
        .updateTable('apps')
        .set({ last_used_at: use.at })
        .where('client_id', '=', use.clientId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', use.at)]))
        .execute();
      if (use.secretId === null) continue;
      await this.#db
        .updateTable('app_secrets')
        .set({ last_used_at: use.at })
        .where('id', '=', use.secretId)
        .where('client_id', '=', use.clientId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', use.at)]))
        .execute();
    }
  }

  async expireSecrets(clientId: string, expiresAt: number, exceptIds: readonly string[]): Promise<void> {
    let query = this.#db.updateTable('app_secrets').set({ expires_at: expiresAt }).where('client_id', '=', clientId);
    if (exceptIds.length > 0) query = query.where('id', 'not in', [...exceptIds]);
    await query.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)])).execute();
  }

  async insertCertificate(certificate: AppCertificateRecord): Promise<void> {
    await this.#db
      .insertInto('app_certificates')
      .values({
        id: certificate.id,
        client_id: certificate.clientId,
        kind: certificate.kind,
        public_jwk: JSON.stringify(certificate.publicJwk),
        pem: certificate.pem,
        fingerprint: certificate.fingerprint,
        alg: certificate.alg,
        subject: certificate.subject,
        not_before: certificate.notBefore,
        expires_at: certificate.expiresAt,
        created_at: certificate.createdAt,
      })
      .execute();
  }

  async listCertificates(clientId: string): Promise<AppCertificateRecord[]> {
    const rows = await this.#db.selectFrom('app_certificates').selectAll().where('client_id', '=', clientId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toCertificate);
  }

  async deleteCertificate(clientId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('app_certificates').where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async putAssetSigningKey(record: AssetSigningKeyRecord): Promise<void> {
    const values = {
      certificate_pem: record.certificatePem,
      sealed_private_key: record.sealedPrivateKey,
      alg: record.alg,
      fingerprint: record.fingerprint,
      subject: record.subject,
      not_before: record.notBefore,
      expires_at: record.expiresAt,
      created_at: record.createdAt,
    };
    await this.#db
      .insertInto('app_asset_signing_keys')
      .values({ client_id: record.clientId, ...values })
      .onConflict((conflict) => conflict.column('client_id').doUpdateSet(values))
      .execute();
  }

  async getAssetSigningKey(clientId: string): Promise<AssetSigningKeyRecord | undefined> {
    const row = await this.#db.selectFrom('app_asset_signing_keys').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return (
      row && {
        clientId: row.client_id,
        certificatePem: row.certificate_pem,
        sealedPrivateKey: row.sealed_private_key,
        alg: row.alg,
        fingerprint: row.fingerprint,
        subject: row.subject,
        notBefore: Number(row.not_before),
        expiresAt: Number(row.expires_at),
        createdAt: Number(row.created_at),
      }
    );
  }

  async deleteAssetSigningKey(clientId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('app_asset_signing_keys').where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async insertTrustedIssuer(record: TrustedIssuerRecord): Promise<void> {
    await this.#db
      .insertInto('app_trusted_issuers')
      .values({
        id: record.id,
        client_id: record.clientId,
        issuer: record.issuer,
        public_jwks: JSON.stringify(record.keys),
        subjects: JSON.stringify(record.subjects),
        allow_any_subject: toFlag(record.allowAnySubject),
        scopes: JSON.stringify(record.scopes),
        expires_at: record.expiresAt,
        created_by: record.createdBy,
        created_at: record.createdAt,
      })
      .execute();
  }

  async listTrustedIssuers(clientId: string): Promise<TrustedIssuerRecord[]> {
    const rows = await this.#db.selectFrom('app_trusted_issuers').selectAll().where('client_id', '=', clientId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toTrustedIssuer);
  }

  async deleteTrustedIssuer(clientId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('app_trusted_issuers').where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
