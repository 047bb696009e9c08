import type { SigningAlgorithm } from '../../contracts/algorithms.js';
import type { ApiRecord } from '../../ports/api-repository.js';
import type {
  AppCertificateRecord,
  AppListQuery,
  AppRecord,
  AppSecretRecord,
  AppSettings,
  AppStatus,
  AssetSigningKeyRecord,
  JsonValue,
  TrustedIssuerRecord,
} from '../../ports/app-repositories.js';
import { grantTypeNames } from '../../ports/app-repositories.js';
import type { SecretSealer } from '../../ports/secret-sealer.js';
import { assetTokenLabels } from '../../contracts/asset-tokens.js';
import { parseAssetSigningKey } from './asset-signing-key.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { Storage } from '../../ports/storage.js';
import type { SectorIdentifierDocuments } from '../../ports/sector-identifier-documents.js';
import { generateOpaqueSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomHandle, randomId } from '../../shared/random.js';
import type { Authorizer } from '../access/authorizer.js';
import { diffChanges, type RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, type Change, type OrganizationEvent } from '../audit/unit-of-work.js';
import { DomainError, type FieldProblem } from '../errors.js';
import { appLimits, maxSecretGracePeriodSeconds, trustedIssuerLimits } from '../../contracts/limits.js';
import { permissionTable, roleAllows, type Permission } from '../../contracts/permissions.js';
import { appInputSchema, checkAppRules, defaultSettings, mergeSettings, parseAppInput, topField, type AppInput, type LifetimeBounds } from './app-settings.js';
import { appTypeRules, clientKindOf } from './app-types.js';
import { isBuiltInApp } from './built-in.js';
import { isLoopbackHost } from './redirect-uris.js';
import { parseCertificateUpload } from './certificates.js';
import { parseTrustedIssuer, requireMayTrustIssuers } from './trusted-issuers.js';
import { auditActorOf } from '../access/actor.js';

export { maxSecretGracePeriodSeconds };

export interface AppServiceDependencies {
  storage: Storage;
  clock: Clock;
  authorizer: Authorizer;
  secretHasher: SecretHasher;
  bounds: LifetimeBounds;
  events: DomainEvents;
  builtInApis: readonly ApiRecord[];
  /** The algorithms the server keeps signing keys for: an app's ID tokens are signed with one of them. */
  signingAlgorithms?: readonly SigningAlgorithm[];
  /** The server's device flow settings, reported as the defaults of GET /limits. */
  deviceFlow?: { lifetimeSeconds: number; pollIntervalSeconds: number };
  /** The issuer is on a loopback host (development): logout URIs may be plain http on loopback too. */
  loopbackIssuer?: boolean;
  /** Owners and admins may review public apps they submitted themselves (apps.selfApproval). */
  selfApproval?: boolean;
  /** Reads the sector identifier documents of pairwise apps; without it, a sector identifier URI is refused. */
  sectorDocuments?: SectorIdentifierDocuments;
  /** Seals the private keys of asset signing certificates at rest; without it none can be uploaded. */
  assetKeySealer?: SecretSealer;
}

/** A submitted public app awaiting review, with the name of its organization. */
export interface ReviewQueueItem {
  app: AppRecord;
  orgName: string;
}

export interface CreatedApp {
  app: AppRecord;
  /** The client secret in clear: returned once, in this response only. Null for public apps. */
  clientSecret: string | null;
}

export interface AppPage {
  items: AppRecord[];
  total: number;
}

/** The security flags only a server administrator may turn on, and what each grants. */
const privilegedFlags: readonly ['firstParty' | 'managementApiAccess', string][] = [
  ['firstParty', 'a first-party app skips the consent screen for every user of the server'],
  ['managementApiAccess', 'the app may get tokens for the Latchkey management API'],
];

export type LifecycleAction = 'submit' | 'approve' | 'reject' | 'activate' | 'disable' | 'enable';

/** Which status each lifecycle action starts from and leads to, and who may take it. */
export const lifecycle: Record<LifecycleAction, { from: readonly AppStatus[]; to: AppStatus; permission: Permission }> = {
  submit: { from: ['draft'], to: 'submitted', permission: 'apps:update' },
  approve: { from: ['submitted'], to: 'active', permission: 'apps:approve' },
  reject: { from: ['submitted'], to: 'draft', permission: 'apps:approve' },
  activate: { from: ['draft'], to: 'active', permission: 'apps:update' },
  disable: { from: ['draft', 'submitted', 'active'], to: 'disabled', permission: 'apps:approve' },
  enable: { from: ['disabled'], to: 'active', permission: 'apps:approve' },
};

/** The app-facing fields an audit record may show: everything but secrets (apps hold none in their settings). */
function auditView(app: AppRecord): Record<string, JsonValue> {
  return {
    name: app.name,
    description: app.description,
    type: app.type,
    visibility: app.visibility,
    status: app.status,
    ownerUserId: app.ownerUserId,
    ...(app.settings as unknown as Record<string, JsonValue>),
  };
}

type AppChangeKind = 'created' | 'updated' | 'deleted' | 'secret_rotated' | 'previous_secret_ended';

/**
 * A change to an app or to per-user client credentials: its audit row (by default
 * `app.<kind>` or `credential.<kind>` on the app itself) and the event of its kind of client.
 */
export function appChange(app: AppRecord, kind: AppChangeKind, audit: { changes: Record<string, JsonValue>; action?: string; targetType?: string }): Change {
  const noun = app.ownerUserId ? 'credential' : 'app';
  const event: OrganizationEvent = app.ownerUserId
    ? { type: `credential.${kind}`, orgId: app.orgId, clientId: app.clientId, userId: app.ownerUserId }
    : { type: `app.${kind}`, orgId: app.orgId, clientId: app.clientId };
  return organizationChange(event, {
    action: audit.action ?? `${noun}.${kind}`,
    targetType: audit.targetType ?? noun,
    targetId: app.clientId,
    changes: audit.changes,
  });
}

/** Private apps need no approval, and public ones can't skip it. */
function visibilityRefusal(action: LifecycleAction, visibility: AppRecord['visibility']): string | null {
  if (action === 'submit' && visibility === 'private') return 'a private app needs no approval: activate it instead';
  if (action === 'activate' && visibility === 'public') return 'a public app becomes active when an admin approves it: submit it for approval';
  return null;
}

/** The review record after a lifecycle step: submitting starts a review, approving or rejecting ends it. */
function reviewAfter(
  current: AppRecord['review'],
  action: LifecycleAction,
  by: { now: number; actorLabel: string; actorUserId: string | null; reason: string },
): AppRecord['review'] {
  const review = current ?? { submittedAt: null, submittedBy: null, reviewedAt: null, reviewedBy: null, decision: null, reason: null };
  if (action === 'submit') {
    return {
      ...review,
      submittedAt: by.now,
      submittedBy: by.actorLabel,
      submitterUserId: by.actorUserId,
      decision: null,
      reason: null,
      reviewedAt: null,
      reviewedBy: null,
    };
  }
  if (action === 'approve') return { ...review, reviewedAt: by.now, reviewedBy: by.actorLabel, decision: 'approved', reason: null };
  if (action === 'reject') return { ...review, reviewedAt: by.now, reviewedBy: by.actorLabel, decision: 'rejected', reason: by.reason };
  return current;
}

/** The person behind an actor: a user, or the owner of the client credentials acting; null for the operator or an app acting for itself. */
function personOf(actor: RequestContext['actor']): string | null {
  if (actor.kind === 'user') return actor.userId;
  if (actor.kind === 'client') return actor.ownerUserId;
  return null;
}

/** Whether the actor submitted the app now under review (reviews recorded before submitterUserId existed: by email address). */
function isSubmitter(actor: RequestContext['actor'], review: AppRecord['review']): boolean {
  if (actor.kind !== 'user' || !review) return false;
  if (review.submitterUserId !== undefined) return review.submitterUserId === actor.userId;
  return review.submittedBy !== null && review.submittedBy.toLowerCase() === actor.email.toLowerCase();
}

/** What a lifecycle step's audit record shows; a review names who submitted and who reviewed, side by side. */
function lifecycleChanges(
  app: AppRecord,
  next: AppRecord,
  step: { action: LifecycleAction; reason: string; actorLabel: string; actorUserId: string | null; selfReview: boolean | null },
): Record<string, JsonValue> {
  return {
    status: { from: app.status, to: next.status },
    ...(step.action === 'reject' ? { reason: step.reason } : {}),
    ...(step.selfReview !== null
      ? {
          submittedBy: app.review?.submittedBy ?? null,
          submitterUserId: app.review?.submitterUserId ?? null,
          reviewedBy: step.actorLabel,
          reviewerUserId: step.actorUserId,
          selfReview: step.selfReview,
        }
      : {}),
  };
}

/** The audit action of each lifecycle step. */
const lifecycleAudit: Record<LifecycleAction, string> = {
  submit: 'app.submitted',
  approve: 'app.approved',
  reject: 'app.rejected',
  activate: 'app.activated',
  disable: 'app.disabled',
  enable: 'app.enabled',
};

/** The use cases of OAuth apps: registry, credentials, lifecycle and certificates. */
export class AppService {
  readonly #deps: AppServiceDependencies;
  /** The schema of create and update bodies, with the server's lifetime bounds. */
  readonly inputSchema: ReturnType<typeof appInputSchema>;

  constructor(deps: AppServiceDependencies) {
    this.#deps = deps;
    this.inputSchema = appInputSchema(deps.bounds, deps.signingAlgorithms);
  }

  async #organizationApis(orgId: string): Promise<ApiRecord[]> {
    return (await this.#deps.storage.apis.list({ orgId, offset: 0, limit: 10_000 })).items;
  }

  /**
   * Settings that lift privileges are a server administrator's to grant: skipping consent for
   * every user of the server, and tokens for the management plane. Anyone who may edit the app
   * may turn them off.
   */
  async #requirePrivilegeFor(context: RequestContext, before: AppSettings | null, after: AppSettings): Promise<void> {
    for (const [flag, what] of privilegedFlags) {
      if (!after.security[flag] || before?.security[flag] === true) continue;
      if (!(await this.#deps.authorizer.isServerAdmin(context.actor))) {
        throw new DomainError(
          'forbidden',
          `only a server administrator may turn on security.${flag} (${what}); organization owners, admins and developers can't`,
        );
      }
    }
  }

  async #requireOrganization(orgId: string): Promise<void> {
    if (!(await this.#deps.storage.organizations.get(orgId))) throw DomainError.notFound(`organization ${orgId}`);
  }

  /** Loads an app the actor may see; apps of organizations the actor has no part in read as not found. */
  async #load(context: RequestContext, clientId: string, permission: Permission): Promise<AppRecord> {
    const app = await this.#deps.storage.apps.get(clientId);
    if (!app) throw DomainError.notFound(`app ${clientId}`);
    await this.#authorizeFor(context, app, permission);
    if (permission !== 'apps:read' && isBuiltInApp(clientId)) {
      throw new DomainError('invalid_state', `${app.name} is built in: Latchkey maintains it, so it can't be changed or deleted`);
    }
    return app;
  }

  /**
   * Per-user client credentials follow the credential rules: their owner manages them with
   * credentials:create_own; anyone else needs credentials:manage. Apps follow the permission asked.
   */
  async #authorizeFor(context: RequestContext, app: AppRecord, permission: Permission): Promise<void> {
    const { authorizer } = this.#deps;
    const { actor } = context;
    if (!app.ownerUserId) {
      await authorizer.require(actor, app.orgId, permission);
      return;
    }
    const scope = permissionTable[permission === 'apps:read' ? 'credentials:read' : 'credentials:manage'].scope;
    authorizer.requireScope(actor, scope);
    if (!(await authorizer.canSee(actor, app.orgId))) throw DomainError.notFound(`app ${app.clientId}`);
    const own = actor.kind === 'user' && actor.userId === app.ownerUserId;
    if (own && permission === 'apps:read') return;
    await authorizer.require(actor, app.orgId, own ? 'credentials:create_own' : 'credentials:manage', { scope });
  }

  /**
   * Every rule on the app as it would be, with the problems found before (`extra`); throws them
   * all at once. A rule problem about a field the request sent malformed is left out: that field's
   * own problem is already there, and the rule saw the value the field would otherwise keep.
   */
  #validate(
    app: AppRecord,
    apis: readonly ApiRecord[],
    extra: readonly FieldProblem[] = [],
    options: { requireApiGrants?: boolean; hasAssetSigningKey?: boolean } = {},
  ): void {
    const reported = new Set(extra.map((problem) => topField(problem.field)));
    const rules = checkAppRules(app.settings, {
      type: app.type,
      status: app.status,
      visibility: app.visibility,
      apis,
      reservedApis: this.#deps.builtInApis,
      isUserCredential: app.ownerUserId !== null,
      loopbackIssuer: this.#deps.loopbackIssuer ?? false,
      ...options,
    });
    const problems = [...extra, ...rules.filter((problem) => !reported.has(topField(problem.field)))];
    if (problems.length > 0) throw DomainError.validation(problems);
  }

  /**
   * A pairwise app's sector identifier document must list every redirect URI (OIDC Core §8.1,
   * Dynamic Client Registration §5). Read again when the URI, the redirect URIs or the subject
   * type change; an https URL, plain http only on loopback while the server runs on loopback.
   */
  async #sectorProblems(next: AppSettings, previous: AppSettings | null): Promise<FieldProblem[]> {
    const uri = next.idToken.sectorIdentifierUri;
    if (next.idToken.subjectType !== 'pairwise' || uri === null) return [];
    const unchanged =
      previous !== null &&
      previous.idToken.subjectType === 'pairwise' &&
      previous.idToken.sectorIdentifierUri === uri &&
      next.redirectUris.every((redirect) => previous.redirectUris.includes(redirect));
    if (unchanged) return [];
    const field = 'idToken.sectorIdentifierUri';
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return []; // the field's own check reports it
    }
    if (url.protocol !== 'https:' && !(this.#deps.loopbackIssuer === true && isLoopbackHost(url.hostname))) {
      return [{ field, message: 'must be an https URL (plain http only for a loopback host while this server runs on one)' }];
    }
    if (!this.#deps.sectorDocuments) return [{ field, message: 'this server does not read sector identifier documents' }];
    let listed: string[];
    try {
      listed = await this.#deps.sectorDocuments.redirectUris(uri);
    } catch (error) {
      return [{ field, message: `the document at ${uri} ${error instanceof Error ? error.message : 'could not be read'}` }];
    }
    const missing = next.redirectUris.filter((redirect) => !listed.includes(redirect));
    if (missing.length === 0) return [];
    return [{ field, message: `the document at ${uri} must list every redirect URI (OpenID Connect Core §8.1); it lacks ${missing.join(', ')}` }];
  }

  async #newSecret(tx: Storage, clientId: string): Promise<string> {
    const secret = generateOpaqueSecret('cs');
    await tx.apps.insertSecret({
      id: randomId(12),
      clientId,
      hash: this.#deps.secretHasher.hash(secret),
      createdAt: this.#deps.clock.now(),
      expiresAt: null,
    });
    return secret;
  }

  /**
   * Registers an app. The type decides its kind and defaults; confidential apps get a client
   * secret, returned here once and stored only as a keyed hash.
   */
  async create(context: RequestContext, orgId: string, input: unknown): Promise<CreatedApp> {
    await this.#deps.authorizer.require(context.actor, orgId, 'apps:create');
    await this.#requireOrganization(orgId);
    const { parsed, problems } = parseAppInput(this.inputSchema, input);
    return this.createParsed(context, orgId, parsed, null, problems);
  }

  /**
   * Creation after authorization and parsing; per-user credentials use it with their owner.
   * `malformed` are the problems parsing found: they are reported with every other.
   */
  async createParsed(
    context: RequestContext,
    orgId: string,
    parsed: AppInput,
    ownerUserId: string | null,
    malformed: readonly FieldProblem[] = [],
  ): Promise<CreatedApp> {
    const createdBy = context.actor.kind === 'user' ? context.actor.email : context.actor.kind === 'client' ? context.actor.clientId : 'operator';
    const app = await this.prepareNew(orgId, parsed, {
      ownerUserId,
      createdBy,
      malformed,
      beforeValidation: (settings) => this.#requirePrivilegeFor(context, null, settings),
    });
    const clientSecret = await commitChange(this.#deps, context, async (tx) => {
      const { clientSecret: secret, change } = await this.insertPrepared(tx, app);
      return { result: secret, changes: [change] };
    });
    return { app, clientSecret };
  }

  /**
   * A new app as it would be stored, checked by every rule of the registry; throws every problem
   * at once and stores nothing. Dynamic client registration (RFC 7591) builds its apps with this
   * too, so registered apps obey the same rules as apps made in the console.
   */
  async prepareNew(
    orgId: string,
    parsed: AppInput,
    options: {
      ownerUserId: string | null;
      createdBy: string;
      malformed?: readonly FieldProblem[];
      /** A check of the settings before the rules (the privilege check of a person's request). */
      beforeValidation?: (settings: AppSettings) => Promise<void>;
    },
  ): Promise<AppRecord> {
    const malformed = options.malformed ?? [];
    const problems: FieldProblem[] = [...malformed];
    const reported = new Set(malformed.map((problem) => topField(problem.field)));
    if (parsed.name === undefined && !reported.has('name')) problems.push({ field: 'name', message: 'is required' });
    if (parsed.type === undefined) {
      // Without a type there are no type rules to check the rest against.
      if (!reported.has('type')) problems.push({ field: 'type', message: `is required: one of ${Object.keys(appTypeRules).join(', ')}` });
      throw DomainError.validation(problems);
    }

    const visibility = parsed.visibility ?? 'private';
    if (visibility === 'public' && parsed.status === 'active') {
      problems.push({
        field: 'status',
        message: 'a public app starts as a draft and becomes active when an admin approves it (submit it for approval)',
      });
    }
    const now = this.#deps.clock.now();
    const app: AppRecord = {
      clientId: randomHandle(18),
      orgId,
      ownerUserId: options.ownerUserId,
      name: parsed.name ?? '',
      description: parsed.description ?? '',
      type: parsed.type,
      visibility,
      status: parsed.status ?? (visibility === 'public' ? 'draft' : 'active'),
      settings: mergeSettings(defaultSettings(parsed.type), parsed),
      review: null,
      createdBy: options.createdBy,
      createdAt: now,
      updatedAt: now,
    };
    await options.beforeValidation?.(app.settings);
    problems.push(...(await this.#sectorProblems(app.settings, null)));
    this.#validate(app, await this.#organizationApis(orgId), problems, { requireApiGrants: true, hasAssetSigningKey: false });
    return app;
  }

  /** Inserts an app prepareNew made, in the caller's transaction: its secret (confidential apps) and the change to audit. */
  async insertPrepared(tx: Storage, app: AppRecord): Promise<{ clientSecret: string | null; change: Change }> {
    await tx.apps.insert(app);
    const clientSecret = clientKindOf(app.type) === 'confidential' ? await this.#newSecret(tx, app.clientId) : null;
    return { clientSecret, change: appChange(app, 'created', { changes: auditView(app) }) };
  }

  /**
   * The app after an update, checked by every rule (throws every problem at once), and the change
   * to audit, or null when nothing would change. Stores nothing.
   */
  prepareUpdate(current: AppRecord, parsed: AppInput, malformed: readonly FieldProblem[] = []): Promise<{ next: AppRecord; change: Change | null }> {
    return this.#prepareUpdate(current, parsed, [...malformed]);
  }

  async #prepareUpdate(
    current: AppRecord,
    parsed: AppInput,
    problems: FieldProblem[],
    context?: RequestContext,
  ): Promise<{ next: AppRecord; change: Change | null }> {
    if (parsed.type !== undefined && parsed.type !== current.type) {
      problems.push({
        field: 'type',
        message: `an app's type can't change (it decides whether the app is a public or confidential client); create a new ${parsed.type} app instead`,
      });
    }
    if (parsed.status !== undefined && parsed.status !== current.status) {
      problems.push({ field: 'status', message: 'change the status with the lifecycle actions: submit, approve, reject, activate, disable, enable' });
    }
    if (parsed.visibility !== undefined && parsed.visibility !== current.visibility && current.status !== 'draft') {
      problems.push({ field: 'visibility', message: 'visibility can change only while the app is a draft' });
    }
    const next: AppRecord = {
      ...current,
      name: parsed.name ?? current.name,
      description: parsed.description ?? current.description,
      visibility: parsed.visibility ?? current.visibility,
      settings: mergeSettings(current.settings, parsed),
      updatedAt: this.#deps.clock.now(),
    };
    if (context) await this.#requirePrivilegeFor(context, current.settings, next.settings);
    problems.push(...(await this.#sectorProblems(next.settings, current.settings)));
    const hasAssetSigningKey = (await this.#deps.storage.apps.getAssetSigningKey(current.clientId)) !== undefined;
    this.#validate(next, await this.#organizationApis(current.orgId), problems, { hasAssetSigningKey });
    const changes = diffChanges(auditView(current), auditView(next));
    return { next, change: Object.keys(changes).length === 0 ? null : appChange(next, 'updated', { changes }) };
  }

  async get(context: RequestContext, clientId: string): Promise<AppRecord> {
    return this.#load(context, clientId, 'apps:read');
  }

  async list(context: RequestContext, orgId: string, query: Omit<AppListQuery, 'orgId' | 'kind'>): Promise<AppPage> {
    await this.#deps.authorizer.require(context.actor, orgId, 'apps:read');
    return this.#deps.storage.apps.list({ ...query, orgId, kind: 'apps' });
  }

  /** Changes settings. Every rule is checked on the result; on any problem nothing is saved. */
  async update(context: RequestContext, clientId: string, input: unknown): Promise<AppRecord> {
    const current = await this.#load(context, clientId, 'apps:update');
    const { parsed, problems } = parseAppInput(this.inputSchema, input);
    const { next, change } = await this.#prepareUpdate(current, parsed, problems, context);
    if (!change) return current;
    return commitChange(this.#deps, context, async (tx) => {
      await tx.apps.update(next);
      return { result: next, changes: [change] };
    });
  }

  async delete(context: RequestContext, clientId: string): Promise<void> {
    const app = await this.#load(context, clientId, 'apps:delete');
    await commitChange(this.#deps, context, async (tx) => {
      await tx.apps.delete(clientId);
      return { result: undefined, changes: [appChange(app, 'deleted', { changes: { name: app.name } })] };
    });
  }

  /**
   * A new client secret, returned once. After a rotation the live secrets are the new one and,
   * when a grace period was chosen, the secret that was current just before it, until the grace
   * period (at most 7 days) ends; every older secret stops at once. So at most two secrets are
   * ever live. Rotations of one app run one at a time (a lock on the app's row), so parallel
   * rotations leave exactly one current secret. Tokens already issued are not touched.
   */
  async rotateSecret(
    context: RequestContext,
    clientId: string,
    options: { gracePeriodSeconds?: number } = {},
  ): Promise<{ clientSecret: string; previousSecretsExpireAt: number }> {
    const app = await this.#load(context, clientId, 'apps:rotate_secret');
    if (clientKindOf(app.type) !== 'confidential') {
      throw new DomainError('invalid_state', `a ${appTypeRules[app.type].label} is a public client and has no secret to rotate`);
    }
    const grace = options.gracePeriodSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0 || grace > maxSecretGracePeriodSeconds) {
      throw DomainError.validation([
        { field: 'gracePeriodSeconds', message: `must be a whole number of seconds from 0 to ${maxSecretGracePeriodSeconds} (7 days)` },
      ]);
    }
    const now = this.#deps.clock.now();
    const expiresAt = now + grace * 1000;
    const clientSecret = await commitChange(this.#deps, context, async (tx) => {
      // One rotation of this app at a time, on every node (false: deleted since it was loaded).
      if (!(await tx.apps.lock(clientId))) throw DomainError.notFound(`app ${clientId}`);
      // Read under the lock: the current secret is the one the previous rotation left.
      const previous = (await tx.apps.listLiveSecrets(clientId, now)).find((secret) => secret.expiresAt === null);
      const secret = generateOpaqueSecret('cs');
      const id = randomId(12);
      await tx.apps.insertSecret({ id, clientId, hash: this.#deps.secretHasher.hash(secret), createdAt: now, expiresAt: null });
      await tx.apps.expireSecrets(clientId, now, previous ? [id, previous.id] : [id]);
      if (previous) await tx.apps.expireSecrets(clientId, expiresAt, [id]);
      const changes = { gracePeriodSeconds: grace, previousSecretsExpireAt: new Date(expiresAt).toISOString() };
      return { result: secret, changes: [appChange(app, 'secret_rotated', { action: 'app.secret_rotated', changes })] };
    });
    return { clientSecret, previousSecretsExpireAt: expiresAt };
  }

  /** The secrets that work now, newest first: the current one and a previous one in its grace period (never their values). */
  async listSecrets(context: RequestContext, clientId: string): Promise<AppSecretRecord[]> {
    const app = await this.#load(context, clientId, 'apps:read');
    if (clientKindOf(app.type) !== 'confidential') return [];
    return this.#deps.storage.apps.listLiveSecrets(clientId, this.#deps.clock.now());
  }

  /**
   * Ends the grace period of a rotation at once: every secret but the current one stops working
   * now. Under the app's lock, like a rotation, so it never ends the secret a parallel rotation
   * just made. With no previous secret left it changes nothing and records nothing.
   */
  async endPreviousSecrets(context: RequestContext, clientId: string): Promise<AppSecretRecord[]> {
    const app = await this.#load(context, clientId, 'apps:rotate_secret');
    if (clientKindOf(app.type) !== 'confidential') {
      throw new DomainError('invalid_state', `a ${appTypeRules[app.type].label} is a public client and has no secret`);
    }
    const now = this.#deps.clock.now();
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.apps.lock(clientId))) throw DomainError.notFound(`app ${clientId}`);
      const live = await tx.apps.listLiveSecrets(clientId, now);
      const current = live.find((secret) => secret.expiresAt === null);
      const previous = live.filter((record) => record.id !== current?.id);
      if (!current || previous.length === 0) return { result: live, changes: [] };
      await tx.apps.expireSecrets(clientId, now, [current.id]);
      const changes = { endedSecrets: previous.length, endedAt: new Date(now).toISOString() };
      return { result: [current], changes: [appChange(app, 'previous_secret_ended', { changes })] };
    });
  }

  /** Moves the app through its lifecycle; leaving draft checks every rule strictly. */
  async transition(context: RequestContext, clientId: string, action: LifecycleAction, reason?: string): Promise<AppRecord> {
    const step = lifecycle[action];
    const app = await this.#load(context, clientId, step.permission);
    if (app.ownerUserId) throw new DomainError('invalid_state', 'client credentials have no lifecycle; delete them instead');
    if (!step.from.includes(app.status)) {
      throw new DomainError('invalid_state', `the app is ${app.status}; ${action} applies to ${step.from.map((status) => `${status}`).join(' or ')} apps`);
    }
    const refusal = visibilityRefusal(action, app.visibility);
    if (refusal) throw new DomainError('invalid_state', refusal);
    const selfReview = action === 'approve' || action === 'reject' ? await this.#requireReviewer(context, app, action) : null;
    const trimmedReason = reason?.trim() ?? '';
    if (action === 'reject' && (trimmedReason.length === 0 || trimmedReason.length > 1000)) {
      throw DomainError.validation([{ field: 'reason', message: 'a rejection needs a reason of 1 to 1000 characters' }]);
    }
    const now = this.#deps.clock.now();
    const actorLabel = context.actor.kind === 'user' ? context.actor.email : context.actor.kind;
    const review = reviewAfter(app.review, action, { now, actorLabel, actorUserId: personOf(context.actor), reason: trimmedReason });
    const next: AppRecord = { ...app, status: step.to, updatedAt: now, review };
    if (next.status !== 'draft' && next.status !== 'disabled') {
      this.#validate(next, await this.#organizationApis(app.orgId));
    }
    const changes = lifecycleChanges(app, next, { action, reason: trimmedReason, actorLabel, actorUserId: personOf(context.actor), selfReview });
    return commitChange(this.#deps, context, async (tx) => {
      await tx.apps.update(next);
      return { result: next, changes: [appChange(next, 'updated', { action: lifecycleAudit[action], changes })] };
    });
  }

  /**
   * Four eyes on public apps: a server administrator reviews any submission; an owner or admin of
   * the organization reviews anyone's but their own, unless apps.selfApproval is on. Answers
   * whether this is a review of one's own submission (allowed by the setting or by being a
   * server administrator), for the audit record.
   */
  async #requireReviewer(context: RequestContext, app: AppRecord, action: 'approve' | 'reject'): Promise<boolean> {
    const own = isSubmitter(context.actor, app.review);
    if (!own || this.#deps.selfApproval || (await this.#deps.authorizer.isServerAdmin(context.actor))) return own;
    throw new DomainError(
      'forbidden',
      `you submitted this app, so you may not ${action} it: another owner or admin of the organization, or a server administrator, reviews it (apps.selfApproval lets owners and admins review their own submissions)`,
    );
  }

  /**
   * The submitted public apps awaiting a review the actor may give, oldest submission first: every
   * organization's for server administrators; for owners and admins, their organizations', without
   * their own submissions unless apps.selfApproval is on. The queue is filtered after loading, as
   * the submitter lives in the review document; submissions awaiting review are few.
   */
  async reviewQueue(context: RequestContext, query: { offset: number; limit: number; search?: string }): Promise<{ items: ReviewQueueItem[]; total: number }> {
    const { authorizer, storage } = this.#deps;
    const { actor } = context;
    authorizer.requireScope(actor, permissionTable['apps:read'].scope);
    if (actor.kind === 'client') {
      throw new DomainError('forbidden', 'reviews are for people: an app acting for itself reviews no apps (apps:approve is for owners and admins)');
    }
    const submitted = (orgId?: string) =>
      storage.apps.list({
        kind: 'apps',
        status: 'submitted',
        offset: 0,
        limit: 10_000,
        ...(orgId ? { orgId } : {}),
        ...(query.search ? { search: query.search } : {}),
      });
    let candidates: AppRecord[];
    if (actor.kind === 'operator' || (await authorizer.isServerAdmin(actor))) {
      candidates = (await submitted()).items;
    } else {
      const memberships = await storage.organizations.listMembershipsOfUser(actor.userId);
      const reviewable = memberships.filter((membership) => roleAllows(membership.role, 'apps:approve'));
      candidates = (await Promise.all(reviewable.map(async (membership) => (await submitted(membership.orgId)).items))).flat();
      if (!this.#deps.selfApproval) candidates = candidates.filter((app) => !isSubmitter(actor, app.review));
    }
    candidates = candidates.filter((app) => app.visibility === 'public' && app.ownerUserId === null);
    candidates.sort((a, b) => (a.review?.submittedAt ?? a.updatedAt) - (b.review?.submittedAt ?? b.updatedAt) || a.clientId.localeCompare(b.clientId));
    const page = candidates.slice(query.offset, query.offset + query.limit);
    const orgNames = new Map<string, string>();
    for (const orgId of new Set(page.map((app) => app.orgId))) orgNames.set(orgId, (await storage.organizations.get(orgId))?.name ?? orgId);
    return { items: page.map((app) => ({ app, orgName: orgNames.get(app.orgId)! })), total: candidates.length };
  }

  async addCertificate(context: RequestContext, clientId: string, content: unknown): Promise<AppCertificateRecord[]> {
    const app = await this.#load(context, clientId, 'apps:update');
    if (typeof content !== 'string') {
      throw DomainError.validation([{ field: 'certificate', message: 'expected the PEM or JWK text as a string' }]);
    }
    const now = this.#deps.clock.now();
    const parsed = await parseCertificateUpload(content, now);
    const existing = await this.#deps.storage.apps.listCertificates(clientId);
    const records: AppCertificateRecord[] = [];
    for (const certificate of parsed) {
      if (existing.some((known) => known.fingerprint === certificate.fingerprint)) {
        throw new DomainError('conflict', `a key with fingerprint ${certificate.fingerprint} is already uploaded to this app`);
      }
      records.push({ ...certificate, id: `crt_${randomId(12)}`, clientId, createdAt: now });
    }
    if (existing.length + records.length > 20) {
      throw DomainError.validation([{ field: 'certificate', message: 'an app may hold at most 20 certificates and keys' }]);
    }
    const changes = { certificates: records.map((record) => ({ id: record.id, fingerprint: record.fingerprint, alg: record.alg })) };
    return commitChange(this.#deps, context, async (tx) => {
      for (const record of records) await tx.apps.insertCertificate(record);
      return { result: records, changes: [appChange(app, 'updated', { action: 'app.certificate_added', targetType: 'app', changes })] };
    });
  }

  async listCertificates(context: RequestContext, clientId: string): Promise<AppCertificateRecord[]> {
    await this.#load(context, clientId, 'apps:read');
    return this.#deps.storage.apps.listCertificates(clientId);
  }

  async deleteCertificate(context: RequestContext, clientId: string, certificateId: string): Promise<void> {
    const app = await this.#load(context, clientId, 'apps:update');
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.apps.deleteCertificate(clientId, certificateId))) throw DomainError.notFound(`certificate ${certificateId}`);
      const change = appChange(app, 'updated', { action: 'app.certificate_deleted', targetType: 'app', changes: { certificateId } });
      return { result: undefined, changes: [change] };
    });
  }

  /**
   * Sets the app's asset signing certificate and its private key, replacing the one it had. The
   * key is sealed at once and never leaves the server again: no view, audit record or error holds it.
   */
  async setAssetSigningKey(context: RequestContext, clientId: string, input: unknown): Promise<AssetSigningKeyRecord> {
    const app = await this.#load(context, clientId, 'apps:update');
    const { assetKeySealer } = this.#deps;
    if (!appTypeRules[app.type].grantTypes.includes(grantTypeNames.tokenExchange)) {
      throw new DomainError('invalid_state', `a ${appTypeRules[app.type].label} can't use token exchange, so it gets no asset tokens to sign`);
    }
    if (!assetKeySealer) throw new DomainError('invalid_state', 'this server keeps no asset signing keys');
    const body = typeof input === 'object' && input !== null ? (input as { certificate?: unknown; privateKey?: unknown }) : {};
    const now = this.#deps.clock.now();
    const { privateKeyPem, ...parsed } = parseAssetSigningKey(body, now);
    const record: AssetSigningKeyRecord = { ...parsed, clientId, sealedPrivateKey: await assetKeySealer.seal(privateKeyPem), createdAt: now };
    const changes = { fingerprint: record.fingerprint, subject: record.subject, alg: record.alg, expiresAt: new Date(record.expiresAt).toISOString() };
    return commitChange(this.#deps, context, async (tx) => {
      await tx.apps.putAssetSigningKey(record);
      return { result: record, changes: [appChange(app, 'updated', { action: 'app.asset_signing_key_set', targetType: 'app', changes })] };
    });
  }

  async getAssetSigningKey(context: RequestContext, clientId: string): Promise<AssetSigningKeyRecord> {
    await this.#load(context, clientId, 'apps:read');
    const record = await this.#deps.storage.apps.getAssetSigningKey(clientId);
    if (!record) throw DomainError.notFound(`the asset signing certificate of app ${clientId}`);
    return record;
  }

  /** Removes the asset signing certificate and its key; refused while asset tokens are signed with it. */
  async deleteAssetSigningKey(context: RequestContext, clientId: string): Promise<void> {
    const app = await this.#load(context, clientId, 'apps:update');
    const asset = app.settings.assetTokens;
    if (asset.enabled && asset.signing === 'certificate') {
      throw new DomainError(
        'invalid_state',
        `asset tokens are signed with this certificate: set ${assetTokenLabels.signing} to the server's signing keys, or turn asset tokens off, first`,
      );
    }
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.apps.deleteAssetSigningKey(clientId))) throw DomainError.notFound(`the asset signing certificate of app ${clientId}`);
      return { result: undefined, changes: [appChange(app, 'updated', { action: 'app.asset_signing_key_deleted', targetType: 'app', changes: {} })] };
    });
  }

  /**
   * Trusts an external issuer for the app (RFC 7523 §3): its JWTs, signed with one of its keys,
   * may name the subjects and ask for the scopes the relationship allows.
   */
  async addTrustedIssuer(context: RequestContext, clientId: string, input: unknown): Promise<TrustedIssuerRecord> {
    const app = await this.#load(context, clientId, 'apps:update');
    requireMayTrustIssuers(app);
    const now = this.#deps.clock.now();
    const parsed = await parseTrustedIssuer(app, input, now);
    const existing = await this.#deps.storage.apps.listTrustedIssuers(clientId);
    if (existing.some((known) => known.issuer === parsed.issuer)) {
      throw new DomainError('conflict', `this app already trusts ${parsed.issuer}: delete that relationship first to replace it`);
    }
    if (existing.length >= trustedIssuerLimits.perApp) {
      throw DomainError.validation([{ field: 'issuer', message: `an app may trust at most ${trustedIssuerLimits.perApp} issuers` }]);
    }
    const record: TrustedIssuerRecord = { ...parsed, id: `tis_${randomId(12)}`, clientId, createdBy: auditActorOf(context.actor).label, createdAt: now };
    const changes = {
      trustedIssuer: record.id,
      issuer: record.issuer,
      keys: record.keys.map((key) => String(key.kid)),
      subjects: record.allowAnySubject ? '*' : record.subjects,
      scopes: record.scopes,
      expiresAt: record.expiresAt,
    };
    return commitChange(this.#deps, context, async (tx) => {
      await tx.apps.insertTrustedIssuer(record);
      return { result: record, changes: [appChange(app, 'updated', { action: 'app.trusted_issuer_added', targetType: 'app', changes })] };
    });
  }

  async listTrustedIssuers(context: RequestContext, clientId: string): Promise<TrustedIssuerRecord[]> {
    await this.#load(context, clientId, 'apps:read');
    return this.#deps.storage.apps.listTrustedIssuers(clientId);
  }

  async deleteTrustedIssuer(context: RequestContext, clientId: string, id: string): Promise<void> {
    const app = await this.#load(context, clientId, 'apps:update');
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.apps.deleteTrustedIssuer(clientId, id))) throw DomainError.notFound(`trusted issuer ${id}`);
      return {
        result: undefined,
        changes: [appChange(app, 'updated', { action: 'app.trusted_issuer_deleted', targetType: 'app', changes: { trustedIssuer: id } })],
      };
    });
  }

  /**
   * The app's credentials file: client_id, issuer, discovery URL, endpoints, redirect
   * URIs and type. Never a secret.
   */
  async exportCredentials(context: RequestContext, clientId: string, serverMetadata: Record<string, unknown>): Promise<Record<string, JsonValue>> {
    const app = await this.#load(context, clientId, 'apps:read');
    const issuer = String(serverMetadata.issuer);
    const endpoints: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(serverMetadata)) {
      if (typeof value === 'string' && (name.endsWith('_endpoint') || name === 'jwks_uri')) endpoints[name] = value;
    }
    return {
      client_id: app.clientId,
      client_name: app.name,
      app_type: app.type,
      client_type: clientKindOf(app.type),
      issuer,
      discovery_url: `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
      ...endpoints,
      redirect_uris: app.settings.redirectUris,
      post_logout_redirect_uris: app.settings.postLogoutRedirectUris,
      grant_types: app.settings.grantTypes,
      token_endpoint_auth_method: app.settings.tokenEndpointAuthMethod,
      scope: app.settings.scopes.join(' '),
      ...(app.settings.apiGrants.length > 0 ? { api_grants: app.settings.apiGrants.map((grant) => ({ audience: grant.audience, scopes: grant.scopes })) } : {}),
    };
  }

  /** The bounds every app setting is checked against, for forms that check before they send. */
  limits() {
    return appLimits(this.#deps.bounds, this.#deps.deviceFlow);
  }

  /** Whether a presented client secret is one of the app's live secrets (keyed hash, constant time). */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const secrets = await this.#deps.storage.apps.listLiveSecrets(clientId, this.#deps.clock.now());
    let matched = false;
    for (const candidate of secrets) if (this.#deps.secretHasher.matches(secret, candidate.hash)) matched = true;
    return matched;
  }
}
