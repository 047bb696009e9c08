import { join } from 'node:path';
import { temporaryDirectory } from '../support/server.js';
import { storageContract } from './storage-contract.js';

const dir = temporaryDirectory();
storageContract('SQLite', {
  url: () => Promise.resolve(`sqlite:${join(dir.path, 'contract.db')}`),
  cleanup: () => {
    dir.remove();
    return Promise.resolve();
  },
});
