import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { assetSigningPemMaxBytes, assetTokenLabels } from '../../contracts/asset-tokens.js';
import { DomainError, type FieldProblem } from '../errors.js';
import { algorithmOf } from './certificates.js';

/** What an asset signing certificate upload holds once checked: the certificate's facts and the key, still in clear. */
export interface ParsedAssetSigningKey {
  certificatePem: string;
  privateKeyPem: string;
  alg: string;
  fingerprint: string;
  subject: string;
  notBefore: number;
  expiresAt: number;
}

function refuse(field: 'certificate' | 'privateKey', message: string): never {
  throw DomainError.validation([{ field, message: `${assetTokenLabels[field]}: ${message}` }]);
}

function pemText(field: 'certificate' | 'privateKey', value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') refuse(field, 'is required, as PEM text');
  const size = Buffer.byteLength(value, 'utf8');
  if (size > assetSigningPemMaxBytes) refuse(field, `is ${size} bytes; the limit is ${assetSigningPemMaxBytes} bytes (4 KB)`);
  return value.trim();
}

function certificateOf(pem: string, now: number): X509Certificate {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) refuse('certificate', 'this is a private key; paste the certificate here and the key below');
  if (!pem.startsWith('-----BEGIN CERTIFICATE-----')) refuse('certificate', 'expected a PEM certificate (-----BEGIN CERTIFICATE-----)');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return refuse('certificate', 'is not a valid PEM certificate');
  }
  const notBefore = Date.parse(certificate.validFrom);
  const expiresAt = Date.parse(certificate.validTo);
  if (Number.isNaN(notBefore) || Number.isNaN(expiresAt)) refuse('certificate', 'has no readable validity period');
  if (expiresAt <= now) refuse('certificate', `expired on ${new Date(expiresAt).toISOString()}`);
  if (notBefore > now) refuse('certificate', `is not valid until ${new Date(notBefore).toISOString()}`);
  return certificate;
}

// Never echo the key or what the parser said about it: an error message must not carry key material.
function privateKeyOf(pem: string): KeyObject {
  if (!/^-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    refuse('privateKey', 'expected an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return refuse('privateKey', 'is not a readable unencrypted PEM private key');
  }
}

/** The algorithm of the certificate's key, with a refusal in the words of the asset signing form. */
function algorithmOfCertificate(certificate: X509Certificate): string {
  try {
    return algorithmOf(certificate.publicKey);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const problems: FieldProblem[] = error.problems.map((problem) => ({
      field: 'certificate',
      message: `${assetTokenLabels.certificate}: ${problem.message}`,
    }));
    throw DomainError.validation(problems);
  }
}

/**
 * Checks an asset signing certificate and its private key: PEM, 4 KB at most each, the
 * certificate valid now, its key of a kind Latchkey signs with, and the private key the one that
 * belongs to it. The key is returned in clear, for the caller to seal at once.
 */
export function parseAssetSigningKey(input: { certificate?: unknown; privateKey?: unknown }, now: number): ParsedAssetSigningKey {
  const certificatePem = pemText('certificate', input.certificate);
  const privateKeyPem = pemText('privateKey', input.privateKey);
  const certificate = certificateOf(certificatePem, now);
  const alg = algorithmOfCertificate(certificate);
  const privateKey = privateKeyOf(privateKeyPem);
  if (!certificate.checkPrivateKey(privateKey))
    refuse('privateKey', "does not match the certificate: it is not the private half of the certificate's public key");
  return {
    certificatePem: certificate.toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    alg,
    fingerprint: certificate.fingerprint256.replace(/:/g, '').toLowerCase(),
    subject: certificate.subject.replace(/\n/g, ', '),
    notBefore: Date.parse(certificate.validFrom),
    expiresAt: Date.parse(certificate.validTo),
  };
}
