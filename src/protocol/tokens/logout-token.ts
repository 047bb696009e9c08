import { SignJWT } from 'jose';
import { defaultSigningAlgorithm } from '../../contracts/algorithms.js';
import type { SigningAlgorithm, SigningKeys } from '../../domain/keys/signing-keys.js';
import type { AppSettings } from '../../ports/app-repositories.js';
import { randomId } from '../../shared/random.js';

/** The event a logout token carries (Back-Channel Logout 1.0 §2.4). */
export const backchannelLogoutEvent = 'http://schemas.openid.net/event/backchannel-logout';

/** How long a logout token is good for: it is sent at once, so a short lifetime (Back-Channel Logout §2.4 recommends two minutes) bounds replay. */
export const logoutTokenTtlSeconds = 120;

/**
 * A logout token (Back-Channel Logout 1.0 §2.4): typ logout+jwt (§2.4, so that it can't pass for
 * an ID token or an access token), the app as audience, the events claim, sub and sid (both: sid
 * is what backchannel_logout_session_required asks for, sub lets an app without session tracking
 * sign the user out), a jti, and never a nonce (§2.4: its absence tells it apart from an ID token).
 * Signed with the app's ID token algorithm, as the app verifies its ID tokens.
 */
export async function signLogoutToken(
  deps: { issuer: string; signingKeys: Pick<SigningKeys, 'signingKey' | 'algorithms'> },
  request: { clientId: string; settings: Pick<AppSettings, 'idToken'>; sub: string; sid: string; now: number },
): Promise<{ token: string; jti: string }> {
  const wanted = request.settings.idToken.signingAlg;
  const alg: SigningAlgorithm = deps.signingKeys.algorithms.includes(wanted) ? wanted : defaultSigningAlgorithm;
  const iat = Math.floor(request.now / 1000);
  const jti = randomId(16);
  const claims = {
    iss: deps.issuer,
    aud: request.clientId,
    iat,
    exp: iat + logoutTokenTtlSeconds,
    jti,
    sub: request.sub,
    sid: request.sid,
    events: { [backchannelLogoutEvent]: {} },
  };
  const { kid, privateKey } = deps.signingKeys.signingKey(alg);
  const token = await new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'logout+jwt' }).sign(privateKey);
  return { token, jti };
}
