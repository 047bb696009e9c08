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
}

export interface SettingsTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface DatabaseSchema {
  signing_keys: SigningKeysTable;
  settings: SettingsTable;
}
