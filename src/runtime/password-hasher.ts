import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../ports/password-hasher.js';

/**
 * argon2id with OWASP's first recommended configuration (19 MiB, 2 passes, 1 lane). Runs on the
 * libuv thread pool, off the event loop.
 */
export const argon2Options = {
  algorithm: 2 /* Algorithm.Argon2id: a const enum, not importable under verbatimModuleSyntax */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const argon2PasswordHasher: PasswordHasher = {
  hash: (password) => hash(password, argon2Options),
  verify: async (passwordHash, password) => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  },
};
