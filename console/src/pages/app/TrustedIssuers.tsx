import { useState } from 'react';
import { trustedIssuerLimits } from '@contracts/limits';
import type { TrustedIssuerView } from '@contracts/views';
import { DataTable } from '../../components/DataTable';
import { ConfirmAction } from '../../components/Dialog';
import { Checkbox, ErrorSummary, Loading, TextField } from '../../components/ui';
import { api, get } from '../../lib/api';
import { appTypeRules, grantTypeNames, privateKeyProblem } from '../../lib/app-rules';
import { formatTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { firstFor, useServerProblems } from '../../lib/problems';
import { useApp } from './context';

const splitList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Whether the app's type may use a grant that honours trusted issuers: JWT bearer or token exchange. */
export function mayTrustIssuers(type: keyof typeof appTypeRules): boolean {
  const grants: readonly string[] = appTypeRules[type].grantTypes;
  return grants.includes(grantTypeNames.jwtBearer) || grants.includes(grantTypeNames.tokenExchange);
}

/** External issuers whose JWTs the app may present for users: JWT bearer assertions and token exchange subject or actor tokens. */
export function TrustedIssuers() {
  const { app, canEdit } = useApp();
  const path = `/apps/${encodeURIComponent(app.clientId)}/trusted-issuers`;
  const list = useLoad(() => get<{ items: TrustedIssuerView[] }>(path), [path]);
  const [issuer, setIssuer] = useState('');
  const [keys, setKeys] = useState('');
  const [subjects, setSubjects] = useState('');
  const [anySubject, setAnySubject] = useState(false);
  const [scopes, setScopes] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState('');
  const errors = useServerProblems(error, { issuer, keys, subjects, allowAnySubject: anySubject, scopes, expiresAt: expires });
  const keyProblem = privateKeyProblem(keys);

  const submit = async () => {
    setError(null);
    setAdded('');
    if (keyProblem) return;
    setBusy(true);
    try {
      const made = await api<TrustedIssuerView>('POST', path, {
        issuer: issuer.trim(),
        keys,
        ...(anySubject ? { allowAnySubject: true } : { subjects: splitList(subjects) }),
        scopes: splitList(scopes),
        ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
      });
      setAdded(`This app now trusts ${made.issuer}.`);
      setIssuer('');
      setKeys('');
      setSubjects('');
      setAnySubject(false);
      setScopes('');
      setExpires('');
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="trusted-issuers-heading">
      <h2 id="trusted-issuers-heading">Trusted issuers</h2>
      <p className="hint">
        External issuers whose signed JWTs this app may present for users, as JWT bearer assertions (RFC 7523) and token exchange subject or actor tokens (RFC
        8693). Each speaks only for the subjects and scopes given here, and the user must still have consented to the app or been pre-authorized for it.
      </p>
      {list.loading && !list.data ? <Loading label="Loading trusted issuers…" /> : null}
      {list.error ? <ErrorSummary error={list.error} title="The trusted issuers could not be loaded" /> : null}
      {list.data && items.length === 0 ? <p>This app trusts no external issuer.</p> : null}
      {items.length > 0 ? (
        <DataTable
          caption="Trusted issuers"
          rows={items}
          rowKey={(item) => item.id}
          columns={[
            { header: 'Issuer', className: 'mono small-text break', cell: (item) => item.issuer },
            { header: 'Keys', className: 'small-text', cell: (item) => item.keys.map((key) => `${key.kid ?? '?'} (${key.alg ?? key.kty})`).join(', ') },
            { header: 'Subjects', className: 'small-text', cell: (item) => (item.allowAnySubject ? 'any subject' : item.subjects.join(', ')) },
            { header: 'Scopes', className: 'small-text', cell: (item) => item.scopes.join(' ') },
            { header: 'Expires', cell: (item) => (item.expiresAt ? formatTime(item.expiresAt) : 'never') },
            {
              header: 'Actions',
              hideHeader: true,
              cell: (item) => (
                <ConfirmAction
                  label="Delete"
                  disabled={!canEdit}
                  title="Stop trusting this issuer?"
                  confirmLabel="Stop trusting"
                  danger
                  onConfirm={async () => {
                    await api('DELETE', `${path}/${encodeURIComponent(item.id)}`);
                    list.reload();
                  }}
                >
                  <p>
                    JWTs of <span className="mono break">{item.issuer}</span> will be refused from now on; tokens already issued stay valid until they expire.
                  </p>
                </ConfirmAction>
              ),
            },
          ]}
        />
      ) : null}
      {canEdit ? (
        <form
          className="upload"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <TextField
            label="Issuer"
            value={issuer}
            onChange={setIssuer}
            placeholder="https://idp.partner.example"
            hint="The iss of its JWTs: an https URL or another absolute URI."
            error={firstFor(errors, 'issuer')}
            required
          />
          <TextField
            label="Public keys"
            multiline
            className="mono-field"
            value={keys}
            onChange={setKeys}
            placeholder='{"keys": [...]} or -----BEGIN CERTIFICATE-----'
            hint={`A JWKS, a JWK, a PEM certificate or a PEM public key, at most ${trustedIssuerLimits.keysMaxBytes / 1024} KB. Never a private key.`}
            error={keyProblem ?? firstFor(errors, 'keys')}
          />
          <Checkbox label="Any subject" checked={anySubject} onChange={setAnySubject} hint="The issuer may name any user of this server." />
          {anySubject ? null : (
            <TextField
              label="Subjects"
              value={subjects}
              onChange={setSubjects}
              hint="The user ids or emails it may name, separated by spaces or commas."
              error={firstFor(errors, 'subjects')}
            />
          )}
          <TextField
            label="Scopes"
            value={scopes}
            onChange={setScopes}
            hint="The scopes a token issued on its word may hold at most; each one of this app's scopes."
            error={errors.find((problem) => problem.field.startsWith('scopes'))?.message}
          />
          <TextField
            label="Expires (optional)"
            type="datetime-local"
            value={expires}
            onChange={setExpires}
            hint="After this the relationship is ignored."
            error={firstFor(errors, 'expiresAt')}
          />
          <ErrorSummary
            error={error}
            title="The issuer was not trusted"
            problems={errors}
            labels={{ issuer: 'Issuer', keys: 'Public keys', subjects: 'Subjects', expiresAt: 'Expires' }}
          />
          {added ? (
            <p className="notice notice-success" role="status">
              {added}
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={busy || issuer.trim() === '' || keys.trim() === ''}>
            {busy ? 'Saving…' : 'Trust issuer'}
          </button>
        </form>
      ) : null}
    </section>
  );
}
