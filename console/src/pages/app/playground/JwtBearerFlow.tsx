/**
 * The JWT bearer grant (RFC 7523 §2.1): the app signs a JWT naming a user with a private key whose
 * public half is uploaded to the app, and trades it for that user's tokens without a browser. The
 * playground signs in this page with jose (WebCrypto); the private key never leaves it.
 */
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK } from 'jose';
import { useState } from 'react';
import { ErrorSummary, JsonBlock, Loading, Notice, Select, TextField } from '../../../components/ui';
import { api, get, messageOf } from '../../../lib/api';
import { grantTypeNames } from '../../../lib/app-rules';
import { useLoad } from '../../../lib/hooks';
import { randomToken } from '../../../lib/pkce';
import { useSession } from '../../../lib/session';
import type { Certificate } from '../../../lib/types';
import { useApp } from '../context';
import { AfterTokens } from './AfterTokens';
import { postForm, shortened, type HttpExchange, type TokenSet } from './http';
import { AudienceSelect, DecodedToken, ExchangeView, Step, useFlowTokens, useOrgApis, type FlowProps } from './parts';

interface SigningKey {
  privateKey: CryptoKey;
  alg: string;
  /** The RFC 7638 thumbprint of the public key: the kid Latchkey gives an uploaded PEM key or certificate. */
  thumbprint: string;
  publicPem: string;
  source: 'pasted' | 'generated';
}

/** The public members of a JWK (RFC 7518 §6, RFC 8037 §2): what may be uploaded. */
function publicPart(jwk: JWK): JWK {
  const { kty, n, e, crv, x, y } = jwk;
  return Object.fromEntries(Object.entries({ kty, n, e, crv, x, y }).filter(([, value]) => value !== undefined));
}

async function describeKey(privateKey: CryptoKey, alg: string, source: SigningKey['source']): Promise<SigningKey> {
  const publicJwk = publicPart(await exportJWK(privateKey));
  const publicKey = await importJWK(publicJwk, alg, { extractable: true });
  return {
    privateKey,
    alg,
    thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256'),
    publicPem: await exportSPKI(publicKey as CryptoKey),
    source,
  };
}

/**
 * A PKCS#8 PEM private key, imported for signing. Its algorithm is the one Latchkey registers for
 * the public key (RS256 for RSA, ES256/384/512 by curve, EdDSA for Ed25519), tried in turn,
 * since PKCS#8 names the key type and WebCrypto wants the algorithm up front.
 */
async function importPastedKey(pem: string): Promise<SigningKey> {
  const text = pem.trim();
  if (/-----BEGIN (RSA|EC) PRIVATE KEY-----/.test(text)) {
    throw new Error('this is a PKCS#1 or SEC1 key; convert it to PKCS#8 first: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem');
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text)) throw new Error('the key is encrypted; decrypt it first: openssl pkcs8 -in key.pem -out plain.pem');
  if (!text.startsWith('-----BEGIN PRIVATE KEY-----')) throw new Error('expected a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)');
  for (const alg of ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
    try {
      return await describeKey(await importPKCS8(text, alg, { extractable: true }), alg, 'pasted');
    } catch {
      // not this kind of key: try the next
    }
  }
  throw new Error('not an RSA, EC (P-256, P-384, P-521) or Ed25519 private key this browser can import');
}

type Audience = 'token_endpoint' | 'issuer';

export function JwtBearerFlow({ discovery, onTokens }: FlowProps) {
  const { app, canEdit } = useApp();
  const { session } = useSession();
  const apis = useOrgApis();
  const certificates = useLoad(() => get<{ items: Certificate[] }>(`/apps/${encodeURIComponent(app.clientId)}/certificates`), [app.clientId]);
  const [pem, setPem] = useState('');
  const [key, setKey] = useState<SigningKey | null>(null);
  const [keyError, setKeyError] = useState('');
  const [busy, setBusy] = useState(false);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const [subject, setSubject] = useState(session.user.email);
  const [audienceClaim, setAudienceClaim] = useState<Audience>('token_endpoint');
  const [lifetime, setLifetime] = useState('300');
  const [scope, setScope] = useState(app.scopes.join(' '));
  const [audience, setAudience] = useState(app.defaultAudience ?? '');
  const [assertion, setAssertion] = useState<{ jwt: string; used: boolean } | null>(null);
  const [exchange, setExchange] = useState<HttpExchange | null>(null);
  const [tokens, setTokens] = useFlowTokens(onTokens, 'JWT bearer');
  // Only for a refresh, should a token come with a refresh token; the assertion itself needs no secret.
  const [secret, setSecret] = useState('');

  const registered = key ? certificates.data?.items.find((certificate) => certificate.kid === key.thumbprint) : undefined;
  const lifetimeError = /^\d{1,5}$/.test(lifetime) && Number(lifetime) >= 1 ? undefined : 'a whole number of seconds, at least 1';
  const apiList = apis.data?.items ?? [];

  const chooseKey = (next: SigningKey | null, error = '') => {
    setKey(next);
    setKeyError(error);
    setAssertion(null);
  };

  const importKey = async () => {
    setBusy(true);
    try {
      chooseKey(await importPastedKey(pem));
    } catch (error) {
      chooseKey(null, messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  const generate = async () => {
    setBusy(true);
    try {
      // ES256 (P-256): small, quick to make, and one of the algorithms Latchkey accepts for assertions.
      const pair = await generateKeyPair('ES256', { extractable: true });
      setPem('');
      chooseKey(await describeKey(pair.privateKey, 'ES256', 'generated'));
    } catch (error) {
      chooseKey(null, messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  const upload = async () => {
    if (!key) return;
    setUploadError(null);
    try {
      await api('POST', `/apps/${encodeURIComponent(app.clientId)}/certificates`, { certificate: key.publicPem });
      certificates.reload();
    } catch (error) {
      setUploadError(error);
    }
  };

  const sign = async () => {
    if (!key || lifetimeError) return;
    const now = Math.floor(Date.now() / 1000);
    // RFC 7523 §3: iss the app, sub the user, aud this server, exp required; the jti lets the server accept it once.
    const jwt = await new SignJWT({ jti: randomToken(16) })
      .setProtectedHeader({ alg: key.alg, kid: key.thumbprint })
      .setIssuer(app.clientId)
      .setSubject(subject.trim())
      .setAudience(audienceClaim === 'issuer' ? discovery.issuer : discovery.token_endpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + Number(lifetime))
      .sign(key.privateKey);
    setAssertion({ jwt, used: false });
    setExchange(null);
    setTokens(null);
  };

  const request = async () => {
    if (!assertion) return;
    const form: Record<string, string> = { grant_type: grantTypeNames.jwtBearer, assertion: assertion.jwt, client_id: app.clientId };
    if (scope.trim()) form.scope = scope.trim().replace(/\s+/g, ' ');
    if (audience) form.audience = audience;
    const result = await postForm(discovery.token_endpoint, form, {}, { ...form, assertion: shortened(assertion.jwt, 24) });
    setAssertion({ ...assertion, used: true });
    setExchange(result);
    const issued = result.status === 200 ? (result.body as TokenSet) : null;
    setTokens(issued);
  };

  return (
    <>
      <Step
        number={1}
        title="The app's private key"
        explain={
          <p>
            Latchkey checks the assertion&apos;s signature with the keys uploaded to the app (Advanced tab, Certificates and keys: a PEM certificate, a PEM
            public key or a JWK). Paste the private key that matches one of them, or make a new key pair here and upload its public key.{' '}
            <strong>The private key never leaves this browser:</strong> the playground signs with it in this page (WebCrypto) and sends only the signed JWT; it
            is kept in memory only, until you leave the page.
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void importKey();
          }}
        >
          <TextField
            label="Private key (PKCS#8 PEM)"
            value={pem}
            onChange={setPem}
            multiline
            className="mono-field"
            autoComplete="off"
            placeholder="-----BEGIN PRIVATE KEY-----"
            hint="RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519. Used here only, never sent."
          />
          <div className="button-row">
            <button type="submit" disabled={busy || pem.trim() === ''}>
              Use this key
            </button>
            <button type="button" onClick={() => void generate()} disabled={busy}>
              Generate a key pair in the browser
            </button>
          </div>
        </form>
        {keyError ? (
          <p className="field-error" role="alert">
            The key can&apos;t be used: {keyError}
          </p>
        ) : null}
        {key ? (
          <>
            <dl className="facts mono-values">
              <dt>alg</dt>
              <dd className="mono" data-testid="assertion-alg">
                {key.alg}
              </dd>
              <dt>kid</dt>
              <dd className="mono break">{key.thumbprint}</dd>
              <dt>At the app</dt>
              <dd data-testid="key-registered">
                {certificates.loading && !certificates.data ? (
                  <Loading label="Checking the app's keys…" />
                ) : registered ? (
                  `✓ uploaded (${registered.kind === 'x509' ? 'certificate' : 'key'} ${registered.fingerprint})`
                ) : (
                  '✗ not among the app’s uploaded keys: the server will refuse the signature'
                )}
              </dd>
            </dl>
            <h4>Public key</h4>
            <JsonBlock label="Public key" value={key.publicPem} />
            {!registered ? (
              <Notice kind="info" title="Register the public key with the app">
                <p>
                  Upload the public key above on the Advanced tab (Certificates and keys){canEdit ? ', or here in one click' : ''}. Latchkey stores only the
                  public key; delete it there when you are done trying.
                </p>
                {canEdit ? (
                  <button type="button" onClick={() => void upload()}>
                    Upload the public key to the app
                  </button>
                ) : (
                  <p className="hint">Your role can&apos;t change the app: ask an admin to upload it.</p>
                )}
                <ErrorSummary error={uploadError} title="The public key was not uploaded" />
              </Notice>
            ) : null}
          </>
        ) : null}
        {certificates.error ? <ErrorSummary error={certificates.error} title="The app's keys could not be loaded" /> : null}
      </Step>

      <Step
        number={2}
        title="Build and sign the assertion"
        explain={
          <p>
            The assertion (RFC 7523 §3): <span className="mono">iss</span> is the app&apos;s client ID, <span className="mono">sub</span> the user (their id or
            email), <span className="mono">aud</span> this server (its token endpoint or issuer), <span className="mono">exp</span> soon (the server refuses
            assertions that live long), and a random <span className="mono">jti</span> the server accepts once. The user must have consented to the app for what
            it asks, or an administrator must have pre-authorized them: signing for a user proves the app, not the user.
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void sign();
          }}
        >
          <TextField label="Subject (sub)" value={subject} onChange={setSubject} hint="A user of this server, by id or email. You, to start with." />
          <Select
            label="Audience of the assertion (aud)"
            value={audienceClaim}
            onChange={(value) => setAudienceClaim(value === 'issuer' ? 'issuer' : 'token_endpoint')}
            options={[
              { value: 'token_endpoint', label: `The token endpoint: ${discovery.token_endpoint}` },
              { value: 'issuer', label: `The issuer: ${discovery.issuer}` },
            ]}
          />
          <TextField
            label="Lifetime (seconds)"
            value={lifetime}
            onChange={(value) => setLifetime(value.trim())}
            inputMode="numeric"
            error={lifetimeError}
            hint="exp is now plus this. Keep it short: the server refuses an exp too far ahead (an hour unless configured otherwise)."
          />
          <button type="submit" className="primary" disabled={!key || subject.trim() === '' || Boolean(lifetimeError)}>
            {assertion ? 'Sign a new assertion' : 'Sign the assertion'}
          </button>
        </form>
        {assertion ? (
          <>
            <JsonBlock label="Assertion" value={assertion.jwt} />
            <DecodedToken
              name="Assertion"
              token={assertion.jwt}
              hint="Signed in this browser with your private key. The server verifies the signature with the app's uploaded public key, then the claims."
            />
          </>
        ) : null}
      </Step>

      <Step
        number={3}
        title="Trade the assertion for tokens"
        explain={
          <p>
            The app POSTs <span className="mono">grant_type={grantTypeNames.jwtBearer}</span> and the <span className="mono">assertion</span> to the token
            endpoint (RFC 7523 §2.1), naming itself with <span className="mono">client_id</span>: the signature proves the app, so no secret is needed.
          </p>
        }
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void request();
          }}
        >
          <TextField label="Scope" value={scope} onChange={setScope} className="mono-field" hint="Space-separated; what the user authorized the app for." />
          <AudienceSelect value={audience} onChange={setAudience} apis={apiList} />
          <button type="submit" className="primary" disabled={!assertion || assertion.used}>
            Request a token with the assertion
          </button>
          {assertion?.used ? <p className="hint">The assertion&apos;s jti was sent once: sign a new assertion to try again.</p> : null}
        </form>
        {exchange ? <ExchangeView exchange={exchange} label="Token" /> : null}
      </Step>

      {tokens ? (
        <AfterTokens
          discovery={discovery}
          tokens={tokens}
          onTokens={setTokens}
          secret={secret}
          setSecret={setSecret}
          first={4}
          noRefresh="The JWT bearer grant issues no refresh token: when the token expires, the app signs a new assertion."
        />
      ) : null}
    </>
  );
}
