import { sql, type Expression, type SqlBool } from 'kysely';

/** A case-insensitive "contains" match that behaves the same on SQLite and PostgreSQL. */
export function containsInsensitive(column: string, search: string): Expression<SqlBool> {
  const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number | boolean): boolean {
  return value === 1 || value === true;
}
