/** Slow, salted password hashing (argon2id); the core never sees how. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
