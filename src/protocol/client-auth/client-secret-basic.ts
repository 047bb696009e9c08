import { OAuthError } from '../errors.js';
import type { ClientAuthMethod } from './methods.js';
import { verifyClientSecret } from './client-secret-post.js';

export const basicChallenge = 'Basic realm="latchkey", charset="UTF-8"';

function decodeComponent(value: string): string {
  // RFC 6749 §2.3.1: client_id and secret are form-urlencoded before they are joined.
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** HTTP Basic with the form-urlencoded client_id and secret (RFC 6749 §2.3.1). */
export const clientSecretBasic: ClientAuthMethod = {
  name: 'client_secret_basic',
  presentIn: (request) => /^basic /i.test(request.headers.authorization ?? ''),
  extract(request) {
    const encoded = (request.headers.authorization ?? '').slice(6).trim();
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (!/^[A-Za-z0-9+/]+=*$/.test(encoded) || colon < 0) {
      throw new OAuthError('invalid_client', 'the Authorization header is not valid HTTP Basic credentials (RFC 7617)', {
        headers: { 'www-authenticate': basicChallenge },
      });
    }
    try {
      return { method: 'client_secret_basic', clientId: decodeComponent(decoded.slice(0, colon)), secret: decodeComponent(decoded.slice(colon + 1)) };
    } catch {
      throw new OAuthError('invalid_client', 'the Basic credentials are not form-urlencoded (RFC 6749 §2.3.1)', {
        headers: { 'www-authenticate': basicChallenge },
      });
    }
  },
  verify: (client, presented, deps) => verifyClientSecret(client, presented, deps, { 'www-authenticate': basicChallenge }),
};
