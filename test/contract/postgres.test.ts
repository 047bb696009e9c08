import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { storageContract } from './storage-contract.js';

let database: TestDatabase | undefined;
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);
storageContract(
  'PostgreSQL',
  {
    url: async () => {
      database = await createTestDatabase();
      return database.url;
    },
    cleanup: async () => database?.drop(),
  },
  postgresSkipReason,
);
