import type { AppCertificateRecord, AppRecord, AppSettings, JsonValue } from '../../ports/app-repositories.js';
import type { AuditActor } from '../../ports/audit-repository.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { ClientRegistrationRecord, InitialAccessTokenRecord, RegistrationPolicy } from '../../ports/registration-repositories.js';
import { generateOpaqueSecret, isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import { commitChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError, isDomainError, type FieldProblem } from '../errors.js';
import { appChange, type AppService } from './app-service.js';
import { mergeSettings, defaultSettings, parseAppInput, type AppInput } from './app-settings.js';
import { parseCertificateUpload, type ParsedCertificate } from './certificates.js';
import {
  appInputOf,
  appTypeOf,
  asMetadataProblem,
  checkPolicy,
  isRedirectProblem,
  metadataOf,
  parseClientMetadata,
  registrationExtras,
  type ClientMetadata,
} from './client-metadata.js';
import { openRegistrationPolicy, type InitialAccessTokens } from './initial-access-tokens.js';

/** The error codes of the registration endpoints (RFC 7591 §3.2.2, RFC 6750 §3.1). */
export type RegistrationErrorCode =
  'invalid_redirect_uri' | 'invalid_client_metadata' | 'invalid_software_statement' | 'invalid_token' | 'temporarily_unavailable';

/** A refused registration request: `description` names the rule, never a secret. Nothing was stored. */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  readonly code: RegistrationErrorCode;
  readonly description: string;
  readonly status: number;
  /** In how many seconds a throttled client may try again (429 Retry-After). */
  readonly retryAfterSeconds: number | null;

  constructor(code: RegistrationErrorCode, description: string, retryAfterSeconds: number | null = null) {
    super(`${code}: ${description}`);
    this.code = code;
    this.description = description;
    this.status = code === 'invalid_token' ? 401 : code === 'temporarily_unavailable' ? 429 : 400;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isRegistrationError(value: unknown): value is RegistrationError {
  return value instanceof RegistrationError;
}

/** Problems as one RFC 7591 §3.2.2 error: invalid_redirect_uri when only redirect URIs are wrong. */
function refusal(problems: readonly FieldProblem[]): RegistrationError {
  if (problems.some((problem) => problem.field === 'software_statement')) {
    return new RegistrationError('invalid_software_statement', 'software_statement: software statements are not accepted by this server (RFC 7591 §2.3)');
  }
  const code = problems.every(isRedirectProblem) ? 'invalid_redirect_uri' : 'invalid_client_metadata';
  return new RegistrationError(code, problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
}

/**
 * Runs the registry's own checks (prepareNew, prepareUpdate) after the registration's: every
 * problem of the request is reported at once, a registry rule about a field that already has a
 * problem left out.
 */
async function withRegistryRules<T>(earlier: readonly FieldProblem[], prepare: () => Promise<T>): Promise<T> {
  let prepared: T;
  try {
    prepared = await prepare();
  } catch (error) {
    if (!isDomainError(error) || error.kind !== 'validation') throw error;
    const reported = new Set(earlier.map((problem) => problem.field));
    throw refusal([...earlier, ...error.problems.map(asMetadataProblem).filter((problem) => !reported.has(problem.field))]);
  }
  if (earlier.length > 0) throw refusal(earlier);
  return prepared;
}

/** What a policy looks at: a machine-to-machine app's scopes are those of its audience + scope pairs. */
function policyView(type: AppRecord['type'], settings: AppSettings) {
  const scopes = type === 'm2m' ? settings.apiGrants.flatMap((grant) => grant.scopes) : settings.scopes;
  return { type, grantTypes: settings.grantTypes, scopes, redirectUris: settings.redirectUris, postLogoutRedirectUris: settings.postLogoutRedirectUris };
}

export interface DynamicRegistrationDependencies extends ChangeDependencies {
  apps: AppService;
  initialTokens: InitialAccessTokens;
  /** Hashes registration access tokens. */
  hasher: SecretHasher;
  /** Where registrations are managed: this plus `/<client_id>` (RFC 7592 §3). */
  registrationEndpoint: string;
  /** Registration without an initial access token: the organization it registers into, or null when it is off. */
  openOrganization: string | null;
  /** Counts open registrations per client address (shared by every node). */
  limiter: RateLimiter;
  /** Open registrations one address may attempt per hour. */
  openPerAddressPerHour: number;
}

/** How a registration request authorized itself. */
interface Registrar {
  orgId: string;
  policy: RegistrationPolicy;
  initialToken: InitialAccessTokenRecord | null;
  source: string;
}

export type RegistrationResponse = Record<string, JsonValue>;

/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592). Registered apps
 * are private, active apps of the organization that issued the initial access token (or of the
 * open registration organization), made and changed through the registry's own rules; each has a
 * registration access token bound to it, stored only as a keyed hash.
 */
export class DynamicRegistration {
  readonly #deps: DynamicRegistrationDependencies;

  constructor(deps: DynamicRegistrationDependencies) {
    this.#deps = deps;
  }

  /** RFC 7591 §3: registers the client the metadata describes, with the bearer's initial access token or openly. */
  async register(bearer: string | null, body: unknown, request: { requestId?: string | null; address?: string } = {}): Promise<RegistrationResponse> {
    const requestId = request.requestId ?? null;
    const registrar = await this.#registrar(bearer, request.address ?? 'unknown');
    const { metadata, problems } = parseClientMetadata(body);
    if (problems.some((problem) => problem.field === '(body)')) throw refusal(problems);
    const typed = appTypeOf(metadata);
    if ('problem' in typed) throw refusal([...problems, typed.problem]);
    const { parsed, problems: inputProblems, certificates } = await this.#appInput(metadata, typed.type, registrar.orgId);
    const allProblems = [...problems, ...inputProblems];
    allProblems.push(...checkPolicy(registrar.policy, policyView(typed.type, mergeSettings(defaultSettings(typed.type), parsed)), registrar.source));
    const createdBy = registrar.initialToken ? `dynamic registration (initial access token ${registrar.initialToken.id})` : 'open dynamic registration';
    const app = await withRegistryRules(allProblems, () =>
      this.#deps.apps.prepareNew(registrar.orgId, { ...parsed, visibility: 'private', status: 'active' }, { ownerUserId: null, createdBy }),
    );
    const now = this.#deps.clock.now();
    const registrationToken = generateOpaqueSecret('rat');
    const registration: ClientRegistrationRecord = {
      clientId: app.clientId,
      tokenHash: this.#deps.hasher.hash(registrationToken),
      initialTokenId: registrar.initialToken?.id ?? null,
      metadata: registrationExtras(metadata),
      createdAt: now,
      updatedAt: now,
    };
    const certificateRecords = certificates.map((certificate) => ({ ...certificate, id: `crt_${randomId(12)}`, clientId: app.clientId, createdAt: now }));
    const auditActor: AuditActor = registrar.initialToken
      ? { type: 'system', id: registrar.initialToken.id, label: `dynamic registration with initial access token "${registrar.initialToken.name}"` }
      : { type: 'system', id: null, label: 'open dynamic registration' };
    const clientSecret = await commitChange(this.#deps, { auditActor, requestId }, async (tx) => {
      // RFC 7591 §3: the use is spent in the transaction that creates the app; a lost race or a rollback creates nothing.
      if (registrar.initialToken && !(await tx.initialAccessTokens.spend(registrar.initialToken.id, now))) {
        throw new RegistrationError('invalid_token', 'the initial access token has no use left, expired or was revoked');
      }
      const { clientSecret: secret, change } = await this.#deps.apps.insertPrepared(tx, app);
      for (const record of certificateRecords) await tx.apps.insertCertificate(record);
      await tx.clientRegistrations.insert(registration);
      return { result: secret, changes: [change] };
    });
    return {
      ...this.#response(app, registration, certificateRecords, registrationToken),
      ...(clientSecret !== null ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
    };
  }

  /** RFC 7592 §2.1: the client's registration as stored. */
  async read(clientId: string, bearer: string | null): Promise<RegistrationResponse> {
    const { app, registration } = await this.#authenticate(clientId, bearer);
    const certificates = await this.#deps.storage.apps.listCertificates(clientId);
    // The token is stored only as a hash: the one the client just presented is its current one.
    return this.#response(app, registration, certificates, bearer!);
  }

  /**
   * RFC 7592 §2.2: replaces the client's metadata, checked as a registration is; a new
   * registration access token replaces the presented one and is returned.
   */
  async update(clientId: string, bearer: string | null, body: unknown, requestId: string | null = null): Promise<RegistrationResponse> {
    const { app: current, registration } = await this.#authenticate(clientId, bearer);
    const { metadata, problems } = parseClientMetadata(body);
    if (problems.some((problem) => problem.field === '(body)')) throw refusal(problems);
    if (metadata.client_id !== clientId) {
      problems.push({ field: 'client_id', message: 'must be sent, and be the client_id of the registration being updated (RFC 7592 §2.2)' });
    }
    if (metadata.client_secret !== undefined && !(await this.#deps.apps.verifySecret(clientId, metadata.client_secret))) {
      problems.push({ field: 'client_secret', message: 'must be the current client secret when sent; a client cannot choose its own secret (RFC 7592 §2.2)' });
    }
    const typed = appTypeOf(metadata);
    if ('problem' in typed) throw refusal([...problems, typed.problem]);
    if (typed.type !== current.type) {
      problems.push({
        field: 'token_endpoint_auth_method',
        message: `the metadata describes a ${typed.type} app, but the registered app is a ${current.type} app: its type (public or confidential client) can't change; register a new client instead`,
      });
    }
    const { parsed, problems: inputProblems } = await this.#appInput(metadata, current.type, current.orgId);
    const policy = await this.#policyOf(registration, current.orgId);
    const allProblems = [...problems, ...inputProblems];
    allProblems.push(...checkPolicy(policy.policy, policyView(current.type, mergeSettings(current.settings, parsed)), policy.source));
    if (metadata.jwks !== undefined) {
      allProblems.push({ field: 'jwks', message: "keys can't be changed through registration management; upload them in the console or the management API" });
    }
    const { next, change } = await withRegistryRules(allProblems, () => this.#deps.apps.prepareUpdate(current, parsed));

    const now = this.#deps.clock.now();
    const registrationToken = generateOpaqueSecret('rat');
    const updated: ClientRegistrationRecord = {
      ...registration,
      tokenHash: this.#deps.hasher.hash(registrationToken),
      metadata: registrationExtras(metadata),
      updatedAt: now,
    };
    await commitChange(this.#deps, { auditActor: this.#clientActor(current), requestId }, async (tx) => {
      if (change) await tx.apps.update(next);
      // Rotation is compare-and-swap on the presented token: of two concurrent updates one wins, the other changes nothing.
      if (!(await tx.clientRegistrations.update(updated, registration.tokenHash))) {
        throw new RegistrationError('invalid_token', 'the registration access token was rotated by another update, or the client is no longer registered');
      }
      return { result: undefined, changes: change ? [change] : [] };
    });
    const certificates = await this.#deps.storage.apps.listCertificates(clientId);
    return this.#response(change ? next : current, updated, certificates, registrationToken);
  }

  /** RFC 7592 §2.3: deletes the app; its credentials and registration access token stop working. */
  async delete(clientId: string, bearer: string | null, requestId: string | null = null): Promise<void> {
    const { app } = await this.#authenticate(clientId, bearer);
    await commitChange(this.#deps, { auditActor: this.#clientActor(app), requestId }, async (tx) => {
      if (!(await tx.apps.delete(clientId))) throw new RegistrationError('invalid_token', 'the client is no longer registered');
      return { result: undefined, changes: [appChange(app, 'deleted', { changes: { name: app.name } })] };
    });
  }

  #clientActor(app: AppRecord): AuditActor {
    return { type: 'client', id: app.clientId, label: `${app.name} (registration access token)` };
  }

  async #registrar(bearer: string | null, address: string): Promise<Registrar> {
    if (bearer === null) {
      const orgName = this.#deps.openOrganization;
      const org = orgName === null ? undefined : await this.#deps.storage.organizations.getByName(orgName);
      if (!org) {
        throw new RegistrationError(
          'invalid_token',
          'this server registers clients only with an initial access token, sent as Authorization: Bearer (RFC 7591 §3)',
        );
      }
      // RFC 7591 §5: anyone may register openly, so each address gets a budget, counted before the work.
      const now = this.#deps.clock.now();
      const decision = await this.#deps.limiter.reserve(
        [{ key: `registration:ip:${address}`, rule: { windowMs: 3600_000, freeAttempts: this.#deps.openPerAddressPerHour } }],
        now,
      );
      if (!decision.allowed) {
        const wait = Math.max(1, Math.ceil((decision.retryAt - now) / 1000));
        throw new RegistrationError('temporarily_unavailable', `too many open registrations from this address: try again in ${wait} seconds`, wait);
      }
      return { orgId: org.id, policy: openRegistrationPolicy, initialToken: null, source: 'open registration' };
    }
    const token = await this.#deps.initialTokens.find(bearer);
    if (!token) throw new RegistrationError('invalid_token', 'the initial access token is unknown, expired, revoked or used up');
    return { orgId: token.orgId, policy: token.policy, initialToken: token, source: `the initial access token "${token.name}"` };
  }

  async #policyOf(registration: ClientRegistrationRecord, orgId: string): Promise<{ policy: RegistrationPolicy; source: string }> {
    if (registration.initialTokenId === null) return { policy: openRegistrationPolicy, source: 'open registration' };
    const token = (await this.#deps.storage.initialAccessTokens.listForOrg(orgId)).find((candidate) => candidate.id === registration.initialTokenId);
    // The policy of the token it was registered with binds the client for good, even after the token is spent or revoked.
    return token
      ? { policy: token.policy, source: `the initial access token "${token.name}"` }
      : { policy: openRegistrationPolicy, source: 'open registration' };
  }

  /** RFC 7592 §2: the bearer must be the registration access token of this very client; anything else is 401 invalid_token. */
  async #authenticate(clientId: string, bearer: string | null): Promise<{ app: AppRecord; registration: ClientRegistrationRecord }> {
    const refused = new RegistrationError('invalid_token', 'send the registration access token of this client as Authorization: Bearer (RFC 7592 §2)');
    if (bearer === null || !isWellFormedSecret(bearer, 'rat')) throw refused;
    const registration = await this.#deps.storage.clientRegistrations.get(clientId);
    if (!registration || !this.#deps.hasher.matches(bearer, registration.tokenHash)) throw refused;
    const app = await this.#deps.storage.apps.get(clientId);
    if (!app) throw refused;
    return { app, registration };
  }

  /** The app settings input the metadata stands for, parsed by the registry's schema; and the keys of its jwks. */
  async #appInput(
    metadata: ClientMetadata,
    type: AppRecord['type'],
    orgId: string,
  ): Promise<{ parsed: AppInput; problems: FieldProblem[]; certificates: ParsedCertificate[] }> {
    const apis = (await this.#deps.storage.apis.list({ orgId, offset: 0, limit: 10_000 })).items;
    const { input, problems } = appInputOf(metadata, type, apis);
    const { parsed, problems: malformed } = parseAppInput(this.#deps.apps.inputSchema, input);
    problems.push(...malformed.map(asMetadataProblem));
    let certificates: ParsedCertificate[] = [];
    if (metadata.jwks !== undefined) {
      try {
        certificates = await parseCertificateUpload(JSON.stringify(metadata.jwks), this.#deps.clock.now());
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        problems.push(...error.problems.map(asMetadataProblem));
      }
    }
    return { parsed, problems, certificates };
  }

  #response(
    app: AppRecord,
    registration: ClientRegistrationRecord,
    certificates: readonly AppCertificateRecord[],
    registrationToken: string,
  ): RegistrationResponse {
    return {
      ...metadataOf(app, registration.metadata, certificates),
      registration_access_token: registrationToken,
      registration_client_uri: `${this.#deps.registrationEndpoint}/${encodeURIComponent(app.clientId)}`,
    };
  }
}
