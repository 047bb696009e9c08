import { useId, useState } from 'react';
import { assetAudiencesMax, assetSigningPemMaxBytes, assetTokenLabels, assetTokenValidityMinutes, jwtTokenType } from '@contracts/asset-tokens';
import type { AssetSigningCertificateView } from '@contracts/views';
import { Checkbox, ErrorSummary, Loading, Select, TextField } from '../../components/ui';
import { api, ApiError } from '../../lib/api';
import { allowsGrant, grantTypeNames, privateKeyProblem } from '../../lib/app-rules';
import { checkWhole } from '../../lib/bounds';
import { formatTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { firstFor, messagesFor, useServerProblems, type FieldErrors } from '../../lib/problems';
import { useApp, useSaver } from './context';
import { SaveBar } from './SaveBar';

const labels = assetTokenLabels;
const fieldLabels = Object.fromEntries(Object.entries(labels).map(([name, label]) => [`assetTokens.${name}`, label]));

/** The asset signing certificate, or null while the app has none (the API answers 404). */
async function loadCertificate(clientId: string): Promise<AssetSigningCertificateView | null> {
  try {
    return await api<AssetSigningCertificateView>('GET', `/apps/${encodeURIComponent(clientId)}/asset-signing-certificate`);
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 404) return null;
    throw error;
  }
}

/** Asset tokens (docs/asset-tokens.md): device-bound JWTs through token exchange, and the certificate that may sign them. */
export function AssetTokensSection() {
  const { app } = useApp();
  if (!allowsGrant(app.type, grantTypeNames.tokenExchange)) {
    return (
      <section className="card" aria-labelledby="asset-tokens-heading">
        <h2 id="asset-tokens-heading">Asset tokens</h2>
        <p className="hint">This type of app can't use token exchange (it is a public client, which can't authenticate), so it can't get asset tokens.</p>
      </section>
    );
  }
  return <AssetTokensForm />;
}

function AssetTokensForm() {
  const { app, canEdit } = useApp();
  const settings = app.assetTokens;
  const [enabled, setEnabled] = useState(settings.enabled);
  const [validity, setValidity] = useState(String(settings.validityMinutes));
  const [audiences, setAudiences] = useState(settings.audiences.join('\n'));
  const [signing, setSigning] = useState<string>(settings.signing);
  const [attributes, setAttributes] = useState(JSON.stringify(settings.customAttributes, null, 2));
  const [local, setLocal] = useState<FieldErrors>([]);
  const certificate = useLoad(() => loadCertificate(app.clientId), [app.clientId]);
  const saver = useSaver({ assetTokens: { enabled, validityMinutes: validity, audiences, signing, customAttributes: attributes } });
  const errors = [...local, ...saver.errors];
  const audienceErrors = [
    ...messagesFor(errors, 'assetTokens.audiences'),
    ...errors.filter((problem) => problem.field.startsWith('assetTokens.audiences[')).map((problem) => problem.message),
  ];
  const attributeErrors = errors.filter((problem) => problem.field.startsWith('assetTokens.customAttributes')).map((problem) => problem.message);

  const submit = () => {
    const problems: { field: string; message: string }[] = [];
    const validityProblem = checkWhole(validity, assetTokenValidityMinutes);
    if (validityProblem) problems.push({ field: 'assetTokens.validityMinutes', message: `${labels.validityMinutes} ${validityProblem}` });
    let customAttributes: unknown = {};
    try {
      customAttributes = attributes.trim() === '' ? {} : JSON.parse(attributes);
    } catch {
      problems.push({ field: 'assetTokens.customAttributes', message: `${labels.customAttributes} must be a JSON object` });
    }
    setLocal(problems);
    if (problems.length > 0) return;
    const audienceList = audiences
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const grantTypes = enabled ? [...new Set([...app.grantTypes, grantTypeNames.tokenExchange])] : app.grantTypes;
    void saver.save({
      grantTypes,
      assetTokens: { enabled, validityMinutes: Number(validity), audiences: audienceList, signing, customAttributes },
    });
  };

  return (
    <>
      <form
        className="card"
        noValidate
        aria-labelledby="asset-tokens-heading"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <h2 id="asset-tokens-heading">Asset tokens</h2>
        <p className="hint">
          Device-bound JWTs the app gets through token exchange: it sends a user's access token with the openid and api scopes and a JWT the device signed with
          the key in its cnf claim, with <span className="mono">requested_token_type={jwtTokenType}</span>.
        </p>
        <fieldset disabled={!canEdit} className="plain">
          <Checkbox
            label={labels.enabled}
            checked={enabled}
            onChange={setEnabled}
            hint="Turning it on adds the token exchange grant type."
            error={firstFor(errors, 'assetTokens.enabled')}
          />
          <TextField
            label={labels.validityMinutes}
            type="number"
            inputMode="numeric"
            value={validity}
            onChange={setValidity}
            min={assetTokenValidityMinutes.min}
            max={assetTokenValidityMinutes.max}
            hint={`Default ${assetTokenValidityMinutes.default}, from ${assetTokenValidityMinutes.min} to ${assetTokenValidityMinutes.max} minutes.`}
            error={firstFor(errors, 'assetTokens.validityMinutes')}
          />
          <TextField
            label={labels.audiences}
            multiline
            value={audiences}
            onChange={setAudiences}
            hint={`One absolute URI per line, without a fragment; at most ${assetAudiencesMax}. The aud of every asset token.`}
            error={audienceErrors[0]}
          />
          <Select
            label={labels.signing}
            value={signing}
            onChange={setSigning}
            options={[
              { value: 'server', label: "The server's signing keys (kid, in the JWKS)" },
              { value: 'certificate', label: 'The asset signing certificate (x5c)' },
            ]}
            error={firstFor(errors, 'assetTokens.signing')}
          />
          <TextField
            label={labels.customAttributes}
            multiline
            value={attributes}
            onChange={setAttributes}
            hint="A JSON object of claims added to every asset token. Claims such as sub, aud, exp or cnf are the server's."
            error={attributeErrors[0]}
          />
        </fieldset>
        <SaveBar busy={saver.busy} saved={saver.saved} error={saver.error} problems={saver.errors} labels={fieldLabels} />
      </form>
      {certificate.loading && !certificate.data ? <Loading label="Loading the asset signing certificate…" /> : null}
      {certificate.error ? <ErrorSummary error={certificate.error} title="The asset signing certificate could not be loaded" /> : null}
      {certificate.data !== undefined ? <AssetSigningCertificate current={certificate.data} onChange={certificate.reload} /> : null}
    </>
  );
}

function AssetSigningCertificate({ current, onChange }: { current: AssetSigningCertificateView | null; onChange: () => void }) {
  const { app, canEdit } = useApp();
  const [certificatePem, setCertificatePem] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const headingId = useId();
  const path = `/apps/${encodeURIComponent(app.clientId)}/asset-signing-certificate`;
  const fieldErrors = useServerProblems(error, { certificate: certificatePem, privateKey });
  // The private key belongs in its own field; in the certificate's it is a mistake.
  const keyInCertificate = privateKeyProblem(certificatePem)
    ? `This is a private key: it goes in the ${labels.privateKey} field. Paste the certificate (BEGIN CERTIFICATE) here.`
    : null;
  const tooLarge = (text: string) => new TextEncoder().encode(text).length > assetSigningPemMaxBytes;

  const upload = async () => {
    setError(null);
    setDone(null);
    if (keyInCertificate) return;
    if (tooLarge(certificatePem) || tooLarge(privateKey)) {
      setError(new Error(`the ${labels.certificate} and the ${labels.privateKey} must be at most 4 KB (${assetSigningPemMaxBytes} bytes) each`));
      return;
    }
    setBusy(true);
    try {
      await api('PUT', path, { certificate: certificatePem, privateKey });
      setCertificatePem('');
      setPrivateKey('');
      setDone('The asset signing certificate is saved. Its private key is stored encrypted and is never shown again.');
      onChange();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setError(null);
    setDone(null);
    try {
      await api('DELETE', path);
      setDone('The asset signing certificate is removed.');
      onChange();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{labels.certificate}</h2>
      {current ? (
        <dl className="facts">
          <dt>Subject</dt>
          <dd>{current.subject}</dd>
          <dt>Fingerprint (SHA-256)</dt>
          <dd className="mono small-text break">{current.fingerprint}</dd>
          <dt>Algorithm</dt>
          <dd>{current.alg}</dd>
          <dt>Expires</dt>
          <dd>{formatTime(current.expiresAt)}</dd>
        </dl>
      ) : (
        <p>No asset signing certificate yet: asset tokens are signed with the server's keys.</p>
      )}
      {canEdit ? (
        <form
          className="upload"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void upload();
          }}
        >
          <TextField
            label={labels.certificate}
            multiline
            value={certificatePem}
            onChange={setCertificatePem}
            placeholder="-----BEGIN CERTIFICATE-----"
            hint="PEM, at most 4 KB."
            error={keyInCertificate ?? firstFor(fieldErrors, 'certificate')}
          />
          <TextField
            label={labels.privateKey}
            multiline
            value={privateKey}
            onChange={setPrivateKey}
            placeholder="-----BEGIN PRIVATE KEY-----"
            hint="Its unencrypted PEM private key, at most 4 KB. Stored encrypted; never shown again."
            error={firstFor(fieldErrors, 'privateKey')}
          />
          <ErrorSummary error={error} title="The asset signing certificate was not changed" problems={fieldErrors} labels={labels} />
          {done ? (
            <p className="notice notice-success" role="status">
              {done}
            </p>
          ) : null}
          <div className="button-row">
            <button type="submit" className="primary" disabled={busy || certificatePem.trim() === '' || privateKey.trim() === ''}>
              {busy ? 'Saving…' : current ? 'Replace the certificate' : 'Save the certificate'}
            </button>
            {current ? (
              <button type="button" className="danger-outline" onClick={() => void remove()}>
                Remove the certificate
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
    </section>
  );
}
