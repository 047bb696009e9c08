import { param } from '../messages.js';
import type { ClientAuthMethod } from './methods.js';

/** A public client identifies itself with client_id alone (RFC 6749 §2.1, §3.2.1). */
export const noClientAuthentication: ClientAuthMethod = {
  name: 'none',
  presentIn: () => true,
  extract: (request) => ({ method: 'none', clientId: param(request.body, 'client_id') }),
  verify: async () => undefined,
};
