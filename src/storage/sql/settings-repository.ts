import type { Kysely } from 'kysely';
import type { Clock } from '../../ports/clock.js';
import type { SettingsRepository } from '../../ports/settings-repository.js';
import type { DatabaseSchema } from './schema.js';

export class SqlSettingsRepository implements SettingsRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #clock: Clock;

  constructor(db: Kysely<DatabaseSchema>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async get(name: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }

  async set(name: string, value: string): Promise<void> {
    const updatedAt = this.#clock.now();
    await this.#db
      .insertInto('settings')
      .values({ name, value, updated_at: updatedAt })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ value, updated_at: updatedAt }))
      .execute();
  }

  async setIfAbsent(name: string, value: string): Promise<boolean> {
    const result = await this.#db
      .insertInto('settings')
      .values({ name, value, updated_at: this.#clock.now() })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
