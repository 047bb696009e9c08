import { z } from 'zod';
import { assertionAlgorithms, grantTypeNames } from '../../contracts/algorithms.js';
import { trustedIssuerLimits } from '../../contracts/limits.js';
import type { AppRecord, TrustedIssuerRecord } from '../../ports/app-repositories.js';
import { DomainError, isDomainError, type FieldProblem } from '../errors.js';
import { problemsFromZod, scopeTokenPattern } from '../validation.js';
import { appTypeRules } from './app-types.js';
import { isBuiltInApp } from './built-in.js';
import { parseCertificateUpload } from './certificates.js';
import { isLoopbackHost } from './redirect-uris.js';

/** The grants that honour a trust relationship: JWT bearer (RFC 7523 §3) and token exchange (RFC 8693 §2.1). */
export const trustingGrantTypes = [grantTypeNames.jwtBearer, grantTypeNames.tokenExchange] as const;

/**
 * RFC 7519 §4.1.1 and RFC 7523 §3: iss is a StringOrURI that names the issuer; here an absolute
 * URI without a fragment, https when it is a web address (plain http only on a loopback host).
 */
function issuerProblem(value: string): string | null {
  const refusal = 'must be an absolute URI without a fragment, such as https://idp.example.com or urn:example:partner (RFC 7523 §3)';
  if (/\s/.test(value) || value.includes('#')) return refusal;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refusal;
  }
  if (!/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol)) return refusal;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return 'must be an https URL (plain http only for localhost), or another absolute URI such as a URN';
  return null;
}

export const trustedIssuerInputSchema = z
  .object({
    issuer: z
      .string()
      .min(1)
      .max(trustedIssuerLimits.issuerMaxCharacters, { error: `must be at most ${trustedIssuerLimits.issuerMaxCharacters} characters` })
      .superRefine((value, context) => {
        const problem = issuerProblem(value);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      })
      .describe("The iss of the issuer's JWTs"),
    keys: z.string().describe("The issuer's public keys: a JWKS, a JWK, a PEM certificate or a PEM public key (16 KB at most); never a private key"),
    subjects: z
      .array(z.string().min(1).max(254))
      .max(trustedIssuerLimits.subjects, { error: `at most ${trustedIssuerLimits.subjects} subjects` })
      .optional()
      .describe('The sub values it may name (user ids or emails)'),
    allowAnySubject: z.boolean({ error: 'must be true or false' }).optional().describe('Whether it may name any subject; then subjects stays empty'),
    scopes: z
      .array(z.string().regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3)' }))
      .min(1, { error: 'name at least one scope' })
      .max(200),
    expiresAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date and time' })
      .nullable()
      .optional()
      .describe('When the relationship ends; never when omitted'),
  })
  .strict()
  .refine((input) => (input.allowAnySubject === true) !== (input.subjects !== undefined && input.subjects.length > 0), {
    error: 'name the subjects it may speak for, or set allowAnySubject, not both',
    path: ['subjects'],
  });

/** The relationship's keys: public keys only, each for one of the assertion algorithms. */
async function parseIssuerKeys(
  content: string,
  now: number,
): Promise<{ keys: TrustedIssuerRecord['keys']; problems: FieldProblem[]; certificateEnd: number | null }> {
  try {
    const parsed = await parseCertificateUpload(content, now, trustedIssuerLimits.keysMaxBytes);
    const problems: FieldProblem[] = [];
    if (parsed.length > trustedIssuerLimits.keys) problems.push({ field: 'keys', message: `at most ${trustedIssuerLimits.keys} keys` });
    for (const key of parsed) {
      if (!(assertionAlgorithms as readonly string[]).includes(key.alg)) {
        problems.push({ field: 'keys', message: `${key.alg} is not accepted; keys must be for ${assertionAlgorithms.join(', ')}` });
      }
    }
    const ends = parsed.flatMap((key) => (key.expiresAt === null ? [] : [key.expiresAt]));
    return { keys: parsed.map((key) => key.publicJwk), problems, certificateEnd: ends.length > 0 ? Math.min(...ends) : null };
  } catch (error) {
    if (!isDomainError(error) || error.kind !== 'validation') throw error;
    return { keys: [], problems: error.problems.map((problem) => ({ field: 'keys', message: problem.message })), certificateEnd: null };
  }
}

/** Only apps that may use a grant that honours it may trust an issuer: confidential web and machine-to-machine apps. */
export function requireMayTrustIssuers(app: AppRecord): void {
  if (isBuiltInApp(app.clientId)) throw new DomainError('invalid_state', `${app.name} is built in: it trusts no external issuer`);
  if (app.ownerUserId) throw new DomainError('invalid_state', 'client credentials act for themselves: they can trust no external issuer');
  const rules = appTypeRules[app.type];
  if (!trustingGrantTypes.some((grant) => rules.grantTypes.includes(grant))) {
    throw new DomainError(
      'invalid_state',
      `a ${rules.label} may use neither the JWT bearer grant nor token exchange, so it can trust no external issuer (web and machine-to-machine apps can)`,
    );
  }
}

/** A new trust relationship of the app from a request body, every problem reported at once. */
export async function parseTrustedIssuer(
  app: AppRecord,
  input: unknown,
  now: number,
): Promise<Omit<TrustedIssuerRecord, 'id' | 'clientId' | 'createdBy' | 'createdAt'>> {
  const result = trustedIssuerInputSchema.safeParse(input);
  const problems = result.success ? [] : problemsFromZod(result.error);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as { keys?: unknown };
  const keys = typeof raw.keys === 'string' ? await parseIssuerKeys(raw.keys, now) : { keys: [], problems: [], certificateEnd: null };
  problems.push(...keys.problems);
  if (!result.success || problems.length > 0) throw DomainError.validation(problems);
  const parsed = result.data;
  parsed.scopes.forEach((scope, index) => {
    if (!app.settings.scopes.includes(scope)) problems.push({ field: `scopes[${index}]`, message: `${scope} is not one of the scopes this app may ask for` });
  });
  const given = parsed.expiresAt ? Date.parse(parsed.expiresAt) : null;
  if (given !== null && given <= now) problems.push({ field: 'expiresAt', message: 'must lie in the future' });
  // A certificate's key is trusted no longer than the certificate is valid.
  const expiresAt = keys.certificateEnd === null ? given : Math.min(given ?? Infinity, keys.certificateEnd);
  if (problems.length > 0) throw DomainError.validation(problems);
  return {
    issuer: parsed.issuer,
    keys: keys.keys,
    subjects: parsed.allowAnySubject ? [] : [...new Set(parsed.subjects)],
    allowAnySubject: parsed.allowAnySubject === true,
    scopes: [...new Set(parsed.scopes)],
    expiresAt,
  };
}
