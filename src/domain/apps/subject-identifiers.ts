import { createHmac, randomBytes } from 'node:crypto';
import type { AppSettings } from '../../ports/app-repositories.js';
import type { SettingsRepository } from '../../ports/settings-repository.js';

const pairwiseSaltSetting = 'pairwise-subject-salt';

/**
 * Where a redirect URI points, for the sector of pairwise subjects: its host, or for a native
 * app's private-use scheme (which has none) the scheme itself.
 */
function sectorHostOf(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.hostname === '' ? url.protocol : url.hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The distinct hosts an app's redirect URIs point to (a sector unless there are several). */
export function redirectHosts(settings: Pick<AppSettings, 'redirectUris'>): string[] {
  return [...new Set(settings.redirectUris.map(sectorHostOf).filter((host): host is string => host !== undefined))];
}

/**
 * The sector identifier of an app (OIDC Core §8.1): the host of its sector_identifier_uri when
 * it has one, else the host its redirect URIs share; an app without redirect URIs (a device app)
 * is a sector of its own. The registry refuses pairwise apps whose redirect URIs span hosts
 * without a sector_identifier_uri, so the first host is the only one.
 */
export function sectorOf(settings: Pick<AppSettings, 'redirectUris' | 'idToken'>, clientId: string): string {
  const fromDocument = settings.idToken.sectorIdentifierUri === null ? undefined : sectorHostOf(settings.idToken.sectorIdentifierUri);
  return fromDocument ?? redirectHosts(settings)[0] ?? `client:${clientId}`;
}

/**
 * The `sub` an app sees for a user: the user's id, or for a pairwise app an identifier that is
 * the same for every app of its sector and tells nothing across sectors (OIDC Core §8.1). It is a
 * keyed hash of the sector and the user's id under a salt the server keeps, so it is stable,
 * cannot be reversed, and is computed without storing anything per user.
 */
export class SubjectIdentifiers {
  readonly #salt: Buffer;

  constructor(salt: string) {
    this.#salt = Buffer.from(salt, 'base64url');
  }

  of(client: { clientId: string; policy: Pick<AppSettings, 'redirectUris' | 'idToken'> }, userId: string): string {
    if (client.policy.idToken.subjectType === 'public') return userId;
    return createHmac('sha256', this.#salt)
      .update(`${sectorOf(client.policy, client.clientId)}\n${userId}`)
      .digest('base64url');
  }
}

/**
 * The server's pairwise salt, made once by whichever node starts first. It is kept apart from the
 * server secret, so that rotating the secret leaves every pairwise subject as it was.
 */
export async function loadSubjectIdentifiers(settings: SettingsRepository): Promise<SubjectIdentifiers> {
  await settings.setIfAbsent(pairwiseSaltSetting, randomBytes(32).toString('base64url'));
  const salt = await settings.get(pairwiseSaltSetting);
  if (salt === undefined) throw new Error('the pairwise subject salt could not be stored');
  return new SubjectIdentifiers(salt);
}
