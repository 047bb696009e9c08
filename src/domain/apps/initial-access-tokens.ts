import { z } from 'zod';
import {
  defaultInitialTokenLifetimeDays,
  defaultRegistrationAppTypes,
  defaultRegistrationGrantTypes,
  maxInitialTokenLifetimeDays,
  maxInitialTokenUses,
} from '../../contracts/limits.js';
import { grantTypeNames, type GrantType } from '../../ports/app-repositories.js';
import type { InitialAccessTokenRecord, RegistrationPolicy } from '../../ports/registration-repositories.js';
import { generateOpaqueSecret, isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import type { Authorizer } from '../access/authorizer.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { parseOrThrow, scopeTokenPattern } from '../validation.js';
import { appTypes } from './app-types.js';
import { auditActorOf } from '../access/actor.js';

const allGrantTypes = Object.values(grantTypeNames) as [GrantType, ...GrantType[]];

/** What a token issued without a policy allows: apps that act for users, never client credentials. */
export const defaultRegistrationPolicy: RegistrationPolicy = {
  appTypes: [...defaultRegistrationAppTypes],
  grantTypes: [...defaultRegistrationGrantTypes],
  scopes: null,
  redirectUriHosts: null,
};

/**
 * The fixed policy of open registration (no initial access token): public clients that act for
 * users, nothing else. Redirect URIs follow the registry's rules for native and single-page apps
 * (https, loopback http, private-use schemes for native apps; RFC 8252 §7).
 */
export const openRegistrationPolicy: RegistrationPolicy = {
  appTypes: ['native', 'spa'],
  grantTypes: [grantTypeNames.authorizationCode, grantTypeNames.refreshToken],
  scopes: null,
  redirectUriHosts: null,
};

/** `app.example.com`, `*.example.com`, or a private-use scheme as `com.example.app:`. */
const hostPattern = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$|^[a-z][a-z0-9+.-]*:$/;

export const initialTokenInputSchema = z
  .object({
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
    expiresInDays: z
      .number()
      .int()
      .min(1, { error: `must be from 1 to ${maxInitialTokenLifetimeDays} days` })
      .max(maxInitialTokenLifetimeDays, { error: `must be from 1 to ${maxInitialTokenLifetimeDays} days` })
      .default(defaultInitialTokenLifetimeDays),
    maxUses: z
      .number()
      .int()
      .min(1, { error: `must be from 1 to ${maxInitialTokenUses}` })
      .max(maxInitialTokenUses, { error: `must be from 1 to ${maxInitialTokenUses}` })
      .default(1),
    appTypes: z
      .array(z.enum(appTypes, { error: `must be one of ${appTypes.join(', ')}` }))
      .min(1, { error: 'name at least one app type' })
      .default([...defaultRegistrationPolicy.appTypes]),
    grantTypes: z
      .array(z.enum(allGrantTypes, { error: `must be one of ${allGrantTypes.join(', ')}` }))
      .min(1, { error: 'name at least one grant type' })
      .default([...defaultRegistrationPolicy.grantTypes]),
    scopes: z
      .array(z.string().min(1).max(200).regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3)' }))
      .max(200)
      .nullable()
      .default(null),
    redirectUriHosts: z
      .array(
        z
          .string()
          .max(255)
          .transform((host) => host.toLowerCase())
          .refine((host) => hostPattern.test(host), { error: 'must be a host name, *.a-domain, or a private-use scheme such as com.example.app:' }),
      )
      .max(100)
      .nullable()
      .default(null),
  })
  .strict();

/** An initial access token as the management API shows it: never the token. */
export type InitialAccessTokenView = Omit<InitialAccessTokenRecord, 'tokenHash'>;

function viewOf(record: InitialAccessTokenRecord): InitialAccessTokenView {
  const { tokenHash: _hash, ...view } = record;
  return view;
}

export interface InitialAccessTokensDependencies extends ChangeDependencies {
  authorizer: Authorizer;
  hasher: SecretHasher;
}

/**
 * Initial access tokens (RFC 7591 §3): an organization's owners and admins issue them so that
 * apps can register themselves. Prefixed `lk_iat_`, stored only as a keyed hash, expiring, with a
 * number of uses and a policy bounding what they may register into the organization.
 */
export class InitialAccessTokens {
  readonly #deps: InitialAccessTokensDependencies;

  constructor(deps: InitialAccessTokensDependencies) {
    this.#deps = deps;
  }

  async create(context: RequestContext, orgId: string, input: unknown): Promise<{ record: InitialAccessTokenView; token: string }> {
    await this.#deps.authorizer.require(context.actor, orgId, 'registration_tokens:manage');
    const parsed = parseOrThrow(initialTokenInputSchema, input);
    const now = this.#deps.clock.now();
    const token = generateOpaqueSecret('iat');
    const policy: RegistrationPolicy = {
      appTypes: [...new Set(parsed.appTypes)],
      grantTypes: [...new Set(parsed.grantTypes)],
      scopes: parsed.scopes ? [...new Set(parsed.scopes)] : null,
      redirectUriHosts: parsed.redirectUriHosts ? [...new Set(parsed.redirectUriHosts)] : null,
    };
    const record: InitialAccessTokenRecord = {
      id: `iat_${randomId(12)}`,
      orgId,
      name: parsed.name,
      tokenHash: this.#deps.hasher.hash(token),
      policy,
      maxUses: parsed.maxUses,
      usesLeft: parsed.maxUses,
      createdBy: auditActorOf(context.actor).label,
      createdAt: now,
      expiresAt: now + parsed.expiresInDays * 24 * 3600 * 1000,
      lastUsedAt: null,
      revokedAt: null,
    };
    const changes = {
      name: record.name,
      maxUses: record.maxUses,
      expiresAt: new Date(record.expiresAt).toISOString(),
      appTypes: policy.appTypes,
      grantTypes: policy.grantTypes,
      scopes: policy.scopes,
      redirectUriHosts: policy.redirectUriHosts,
    };
    return commitChange(this.#deps, context, async (tx) => {
      await tx.initialAccessTokens.insert(record);
      const event = { type: 'registration_token.created', orgId, tokenId: record.id } as const;
      return {
        result: { record: viewOf(record), token },
        changes: [organizationChange(event, { action: 'registration_token.created', targetType: 'initial_access_token', targetId: record.id, changes })],
      };
    });
  }

  async list(context: RequestContext, orgId: string): Promise<InitialAccessTokenView[]> {
    await this.#deps.authorizer.require(context.actor, orgId, 'registration_tokens:read');
    return (await this.#deps.storage.initialAccessTokens.listForOrg(orgId)).map(viewOf);
  }

  async revoke(context: RequestContext, orgId: string, tokenId: string): Promise<void> {
    await this.#deps.authorizer.require(context.actor, orgId, 'registration_tokens:manage');
    const token = (await this.#deps.storage.initialAccessTokens.listForOrg(orgId)).find((candidate) => candidate.id === tokenId);
    if (!token) throw DomainError.notFound(`initial access token ${tokenId}`);
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.initialAccessTokens.revoke(tokenId, orgId, this.#deps.clock.now()))) {
        throw new DomainError('invalid_state', 'the initial access token was already revoked');
      }
      const event = { type: 'registration_token.revoked', orgId, tokenId } as const;
      return {
        result: undefined,
        changes: [
          organizationChange(event, {
            action: 'registration_token.revoked',
            targetType: 'initial_access_token',
            targetId: tokenId,
            changes: { name: token.name },
          }),
        ],
      };
    });
  }

  /**
   * The token a bearer presents, if it could still register an app at `now`: known, unrevoked,
   * unexpired, with a use left. Spending the use happens in the registration's transaction.
   */
  async find(token: string): Promise<InitialAccessTokenRecord | null> {
    if (!isWellFormedSecret(token, 'iat')) return null;
    const record = await this.#deps.hasher.findByHash(token, (hash) => this.#deps.storage.initialAccessTokens.getByHash(hash));
    if (!record || record.revokedAt !== null || record.expiresAt <= this.#deps.clock.now() || record.usesLeft <= 0) return null;
    return record;
  }
}
