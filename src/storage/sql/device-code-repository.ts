import type { Kysely, Selectable } from 'kysely';
import type { DeviceApproval, DeviceCodeRecord, DeviceCodeRepository, DeviceCodeStatus, DevicePoll } from '../../ports/oauth-repositories.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { DatabaseSchema, DeviceCodesTable } from './schema.js';

function toRecord(row: Selectable<DeviceCodesTable>): DeviceCodeRecord {
  return {
    deviceCodeHash: row.device_code_hash,
    userCode: row.user_code,
    clientId: row.client_id,
    scope: row.scope === '' ? [] : row.scope.split(' '),
    audiences: JSON.parse(row.audiences) as string[],
    status: row.status as DeviceCodeStatus,
    userId: row.user_id,
    sessionSid: row.session_sid,
    authTime: row.auth_time,
    amr: row.amr ? (JSON.parse(row.amr) as string[]) : null,
    intervalSeconds: row.interval_seconds,
    lastPolledAt: row.last_polled_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export class SqlDeviceCodeRepository implements DeviceCodeRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(record: DeviceCodeRecord): Promise<void> {
    await this.#db
      .insertInto('device_codes')
      .values({
        device_code_hash: record.deviceCodeHash,
        user_code: record.userCode,
        client_id: record.clientId,
        scope: record.scope.join(' '),
        audiences: JSON.stringify(record.audiences),
        status: record.status,
        user_id: record.userId,
        session_sid: record.sessionSid,
        auth_time: record.authTime,
        amr: record.amr ? JSON.stringify(record.amr) : null,
        interval_seconds: record.intervalSeconds,
        last_polled_at: record.lastPolledAt,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      })
      .execute();
  }

  async getByHash(deviceCodeHash: string): Promise<DeviceCodeRecord | undefined> {
    const row = await this.#db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', deviceCodeHash).executeTakeFirst();
    return row && toRecord(row);
  }

  async getByUserCode(userCode: string): Promise<DeviceCodeRecord | undefined> {
    const row = await this.#db.selectFrom('device_codes').selectAll().where('user_code', '=', userCode).executeTakeFirst();
    return row && toRecord(row);
  }

  async approve(userCode: string, approval: DeviceApproval, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('device_codes')
      .set({
        status: 'approved',
        user_id: approval.userId,
        session_sid: approval.sessionSid,
        auth_time: approval.authTime,
        amr: JSON.stringify(approval.amr),
      })
      .where('user_code', '=', userCode)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deny(userCode: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('device_codes')
      .set({ status: 'denied' })
      .where('user_code', '=', userCode)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async poll(deviceCodeHash: string, now: number): Promise<DevicePoll> {
    const won = await this.#db
      .updateTable('device_codes')
      .set({ last_polled_at: now })
      .where('device_code_hash', '=', deviceCodeHash)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb(eb('last_polled_at', '+', eb('interval_seconds', '*', 1000)), '<=', now)]))
      .executeTakeFirst();
    if (Number(won.numUpdatedRows) === 1) return { outcome: 'pending' };
    const slowed = await this.#db
      .updateTable('device_codes')
      .set((eb) => ({ interval_seconds: eb('interval_seconds', '+', 5) }))
      .where('device_code_hash', '=', deviceCodeHash)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .returning('interval_seconds')
      .executeTakeFirst();
    return slowed ? { outcome: 'slow_down', intervalSeconds: slowed.interval_seconds } : { outcome: 'not_pending' };
  }

  async consume(deviceCodeHash: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('device_codes')
      .set({ status: 'consumed' })
      .where('device_code_hash', '=', deviceCodeHash)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'device_codes', now, limit);
  }
}
