import { isStorableText } from '../../shared/text.js';
import { OAuthError } from '../errors.js';
import type { ClientAuthMethod } from './methods.js';
import { verifyClientSecret } from './client-secret-post.js';

export const basicChallenge = 'Basic realm="latchkey", charset="UTF-8"';
/** RFC 7617 §2.1: with charset="UTF-8" the credentials are UTF-8; invalid bytes are refused, not replaced. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

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
    const decoded = decodeUtf8(Buffer.from(encoded, 'base64'));
    const colon = decoded?.indexOf(':') ?? -1;
    if (decoded === undefined || !/^[A-Za-z0-9+/]+=*$/.test(encoded) || colon < 0) {
      throw new OAuthError('invalid_client', 'the Authorization header is not valid HTTP Basic credentials (RFC 7617)', {
        headers: { 'www-authenticate': basicChallenge },
      });
    }
    let clientId: string;
    let secret: string;
    try {
      clientId = decodeComponent(decoded.slice(0, colon));
      secret = decodeComponent(decoded.slice(colon + 1));
    } catch {
      throw new OAuthError('invalid_client', 'the Basic credentials are not form-urlencoded (RFC 6749 §2.3.1)', {
        headers: { 'www-authenticate': basicChallenge },
      });
    }
    // Base64 and percent-encoding can carry a NUL that no client_id or secret holds.
    if (!isStorableText(clientId) || !isStorableText(secret)) {
      throw new OAuthError('invalid_client', 'client authentication failed: the Basic credentials hold a NUL character, which no client_id or secret has', {
        status: 401,
        headers: { 'www-authenticate': basicChallenge },
      });
    }
    return { method: 'client_secret_basic', clientId, secret };
  },
  verify: (client, presented, deps) => verifyClientSecret(client, presented, deps, { 'www-authenticate': basicChallenge }),
};
