import { createPublicKey, X509Certificate, type AsymmetricKeyDetails, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { certificateMaxBytes } from '../../contracts/limits.js';
import type { AppCertificateRecord } from '../../ports/app-repositories.js';
import { DomainError } from '../errors.js';

export type ParsedCertificate = Omit<AppCertificateRecord, 'id' | 'clientId' | 'createdAt'>;

const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function refuse(message: string): never {
  throw DomainError.validation([{ field: 'certificate', message }]);
}

/** The JWS algorithm a public key verifies, or a refusal (field certificate) for keys too weak or of unknown kind. */
export function algorithmOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return rsaAlgorithmOf(details);
    case 'ec':
      return ecAlgorithmOf(details);
    case 'ed25519':
      return 'EdDSA';
    default:
      return refuse(`${key.asymmetricKeyType ?? 'this'} keys are not supported (use RSA, EC or Ed25519)`);
  }
}

function rsaAlgorithmOf(details: AsymmetricKeyDetails | undefined): string {
  if ((details?.modulusLength ?? 0) < 2048) refuse(`RSA keys must be at least 2048 bits (this one has ${details?.modulusLength})`);
  return 'RS256';
}

const ecAlgorithmByCurve = new Map([
  ['prime256v1', 'ES256'],
  ['secp384r1', 'ES384'],
  ['secp521r1', 'ES512'],
]);

function ecAlgorithmOf(details: AsymmetricKeyDetails | undefined): string {
  const algorithm = details?.namedCurve === undefined ? undefined : ecAlgorithmByCurve.get(details.namedCurve);
  return algorithm ?? refuse(`the EC curve ${details?.namedCurve} is not supported (use P-256, P-384 or P-521)`);
}

async function fromPublicJwk(jwk: JWK, kind: 'jwk' | 'x509', extra: Partial<ParsedCertificate> = {}): Promise<ParsedCertificate> {
  const present = privateJwkMembers.filter((member) => member in jwk);
  if (present.length > 0) {
    refuse(`the JWK holds private key material (${present.join(', ')}); upload only the public key`);
  }
  if (jwk.kty === 'oct') refuse('symmetric (oct) keys are not accepted; upload a public key');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    return refuse(`not a valid public JWK: ${(error as Error).message}`);
  }
  const alg = algorithmOf(key);
  if (jwk.alg && jwk.alg !== alg && !(alg === 'RS256' && /^(RS|PS)(256|384|512)$/.test(jwk.alg))) {
    refuse(`the JWK says alg ${jwk.alg}, but its key is for ${alg}`);
  }
  const effectiveAlg = jwk.alg ?? alg;
  try {
    await importJWK({ ...jwk, alg: effectiveAlg }, effectiveAlg);
  } catch (error) {
    refuse(`the JWK can't be used for ${effectiveAlg}: ${(error as Error).message}`);
  }
  const thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
  const publicJwk: JWK = { ...jwk, kid: jwk.kid ?? thumbprint, alg: effectiveAlg };
  return {
    kind,
    publicJwk,
    pem: null,
    fingerprint: thumbprint,
    alg: effectiveAlg,
    subject: null,
    notBefore: null,
    expiresAt: null,
    ...extra,
  };
}

async function fromPem(pem: string, now: number): Promise<ParsedCertificate[]> {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    refuse('this is private key material; upload only the certificate or the public key');
  }
  if (pem.includes('-----BEGIN PUBLIC KEY-----')) {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      return refuse(`not a valid PEM public key: ${(error as Error).message}`);
    }
    const jwk = key.export({ format: 'jwk' }) as JWK;
    return [await fromPublicJwk(jwk, 'jwk')];
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    refuse('expected a PEM certificate (-----BEGIN CERTIFICATE-----), a PEM public key, a JWK or a JWKS');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    return refuse(`not a valid PEM certificate: ${(error as Error).message}`);
  }
  const notBefore = Date.parse(certificate.validFrom);
  const expiresAt = Date.parse(certificate.validTo);
  if (Number.isNaN(notBefore) || Number.isNaN(expiresAt)) refuse('the certificate has no readable validity period');
  if (expiresAt <= now) refuse(`the certificate expired on ${new Date(expiresAt).toISOString()}`);
  if (notBefore > now) refuse(`the certificate is not valid until ${new Date(notBefore).toISOString()}`);
  const jwk = certificate.publicKey.export({ format: 'jwk' }) as JWK;
  const parsed = await fromPublicJwk(jwk, 'x509', {
    pem: certificate.toString(),
    subject: certificate.subject.replace(/\n/g, ', '),
    notBefore,
    expiresAt,
  });
  // The certificate's own SHA-256 fingerprint is what people compare against their files.
  const fingerprint = certificate.fingerprint256.replace(/:/g, '').toLowerCase();
  return [{ ...parsed, fingerprint, publicJwk: { ...parsed.publicJwk, x5c: [certificate.raw.toString('base64')] } }];
}

/**
 * Parses an uploaded PEM certificate, PEM public key, JWK or JWKS into public keys
 * with their fingerprint, algorithm and expiry. Expired, malformed, oversized or private material
 * is refused with a message that says which.
 */
export async function parseCertificateUpload(content: string, now: number, maxBytes = certificateMaxBytes): Promise<ParsedCertificate[]> {
  const size = Buffer.byteLength(content, 'utf8');
  if (size > maxBytes) refuse(`the upload is ${size} bytes; the limit is ${maxBytes} bytes (${Math.round(maxBytes / 1024)} KB)`);
  const text = content.trim();
  if (text === '') refuse('the upload is empty');
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return refuse('not valid JSON: expected a JWK or a JWKS');
    }
    if (typeof json !== 'object' || json === null) refuse('expected a JWK or a JWKS object');
    const keys = Array.isArray((json as { keys?: unknown }).keys) ? (json as { keys: unknown[] }).keys : [json];
    if (keys.length === 0) refuse('the JWKS holds no keys');
    const parsed: ParsedCertificate[] = [];
    for (const key of keys) {
      if (typeof key !== 'object' || key === null || typeof (key as JWK).kty !== 'string') refuse('every key needs a kty');
      parsed.push(await fromPublicJwk(key, 'jwk'));
    }
    return parsed;
  }
  return fromPem(text, now);
}
