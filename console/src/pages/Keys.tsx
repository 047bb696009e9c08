import { useState } from 'react';
import { ConfirmDialog } from '../components/Dialog';
import { Badge, Checkbox, EmptyState, ErrorSummary, Loading, PageHeader, Select } from '../components/ui';
import { api, enc, get } from '../lib/api';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useSession } from '../lib/session';
import type { SigningKey } from '../lib/types';

interface KeyList {
  items: SigningKey[];
}

const statusNames: Record<SigningKey['status'], string> = { next: 'Next', active: 'Active', retiring: 'Retiring', retired: 'Retired', revoked: 'Revoked' };
const statusBadges: Record<SigningKey['status'], string> = {
  next: 'badge-submitted',
  active: 'badge-active',
  retiring: 'badge-warning',
  retired: 'badge-draft',
  revoked: 'badge-disabled',
};

/** What the status means for this key, in words: "signs from …", "published until …". */
function statusDetail(key: SigningKey): string {
  switch (key.status) {
    case 'next':
      return key.activateAt ? `signs from ${formatTime(key.activateAt)}` : 'published, signs soon';
    case 'active':
      return `signs new tokens since ${formatTime(key.activateAt ?? key.createdAt)}`;
    case 'retiring':
      return key.retireAt ? `published until ${formatTime(key.retireAt)}` : 'published until the tokens it signed have expired';
    case 'retired':
      return key.retireAt ? `left the JWKS ${formatTime(key.retireAt)}` : 'no longer published';
    case 'revoked':
      return formatTime(key.revokedAt);
  }
}

function KeyStatus({ keyView }: { keyView: SigningKey }) {
  return (
    <p className="key-status">
      <span className={`badge ${statusBadges[keyView.status]}`}>{statusNames[keyView.status]}</span>
      {keyView.status === 'revoked' ? ' ' : ' — '}
      {statusDetail(keyView)}
    </p>
  );
}

/** Only server administrators see the keys; the navigation hides the page from everyone else. */
function AdministratorsOnly() {
  return (
    <EmptyState title="Only server administrators manage signing keys">
      <p>The keys that sign every token of this server are in the care of its administrators.</p>
    </EmptyState>
  );
}

function HowKeysWork() {
  return (
    <section className="card" aria-labelledby="key-help">
      <h2 id="key-help">How keys rotate</h2>
      <p>
        Latchkey keeps one active key for each configured signing algorithm. <strong>Scheduled rotation</strong>: once a key has signed for{' '}
        <code>keys.rotateEveryDays</code> days (90 by default; 0 turns it off), its successor is published in the JWKS <code>keys.prePublishMinutes</code>{' '}
        (1440, a day, by default) before it starts signing, so that relying parties that cache the JWKS already hold it. The old key stays published until every
        token it signed has expired. <strong>Rotate now</strong> does the same at once, for when you cannot wait; <strong>Revoke</strong> is for a key that
        leaked.
      </p>
      <dl className="facts">
        <div>
          <dt>Next</dt>
          <dd>Published in the JWKS, signs from the time shown.</dd>
        </div>
        <div>
          <dt>Active</dt>
          <dd>Signs new tokens of its algorithm.</dd>
        </div>
        <div>
          <dt>Retiring</dt>
          <dd>Replaced by a newer key; still published so the tokens it signed keep verifying until they expire.</dd>
        </div>
        <div>
          <dt>Retired</dt>
          <dd>Out of the JWKS, its private key erased: every token it signed has expired.</dd>
        </div>
        <div>
          <dt>Revoked</dt>
          <dd>Withdrawn in an emergency: out of the JWKS at once, and the tokens it signed stopped verifying.</dd>
        </div>
      </dl>
    </section>
  );
}

/** `/console/orgs/:org/keys`: the server's signing keys, with rotation now and emergency revocation. */
export function SigningKeys() {
  const { session } = useSession();
  useTitle('Signing keys');
  const keys = useLoad(() => (session.user.isAdmin ? get<KeyList>('/keys') : Promise.resolve(undefined)), [session.user.isAdmin]);
  const [rotating, setRotating] = useState(false);
  const [algorithm, setAlgorithm] = useState('');
  const [revoking, setRevoking] = useState<SigningKey | null>(null);
  const [understood, setUnderstood] = useState(false);
  const [done, setDone] = useState('');
  if (!session.user.isAdmin) return <AdministratorsOnly />;

  const items = keys.data?.items ?? [];
  // The configured algorithms are those with a key that signs (or is about to).
  const algorithms = [...new Set(items.filter((key) => key.status === 'active' || key.status === 'next').map((key) => key.alg))];

  const rotate = async () => {
    const result = await api<KeyList>('POST', '/keys/rotate', algorithm ? { algorithms: [algorithm] } : {});
    keys.setData(result);
    setRotating(false);
    setDone(
      algorithm
        ? `A new ${algorithm} key signs from now on. The key it replaced stays published until its tokens expire.`
        : 'New keys sign from now on. The keys they replaced stay published until their tokens expire.',
    );
  };
  const revoke = async () => {
    const key = revoking!;
    const result = await api<KeyList>('POST', `/keys/${enc(key.kid)}/revoke`);
    keys.setData(result);
    setRevoking(null);
    setDone(
      `Key ${key.kid} is revoked: it is out of the JWKS and tokens it signed no longer verify.${key.status === 'active' ? ` A new ${key.alg} key signs in its place.` : ''}`,
    );
  };

  return (
    <>
      <PageHeader title="Signing keys" lead="The keys that sign this server's ID tokens and JWT access tokens. Server administrators only.">
        <button
          type="button"
          className="primary"
          disabled={!keys.data}
          onClick={() => {
            setDone('');
            setAlgorithm('');
            setRotating(true);
          }}
        >
          Rotate now
        </button>
      </PageHeader>
      {done ? (
        <p className="notice notice-success key-notice" role="status">
          {done}
        </p>
      ) : null}
      {keys.error ? <ErrorSummary error={keys.error} title="The signing keys could not be loaded" /> : null}
      {keys.loading && !keys.data ? <Loading label="Loading the signing keys…" /> : null}
      {keys.data && items.length === 0 ? <EmptyState title="No signing keys yet" /> : null}
      {items.length > 0 ? (
        <ul className="key-cards" aria-label="Signing keys">
          {items.map((key) => (
            <li key={key.kid} className="card key-card" aria-label={`Key ${key.kid}`}>
              <div className="key-card-head">
                <code className="key-kid">{key.kid}</code> <Badge>{key.alg}</Badge>
                {key.published ? <Badge kind="info">in the JWKS</Badge> : null}
              </div>
              <KeyStatus keyView={key} />
              <div className="hint small-text">
                Created {formatTime(key.createdAt)}
                {key.rotatedAt ? ` · replaced ${formatTime(key.rotatedAt)}` : ''}
              </div>
              {key.published ? (
                <div className="button-row">
                  <button
                    type="button"
                    className="danger-outline"
                    aria-label={`Revoke ${key.kid}`}
                    onClick={() => {
                      setDone('');
                      setUnderstood(false);
                      setRevoking(key);
                    }}
                  >
                    Revoke
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <HowKeysWork />
      <ConfirmDialog open={rotating} title="Rotate the signing keys now?" confirmLabel="Rotate now" onCancel={() => setRotating(false)} onConfirm={rotate}>
        <p>
          A new key signs every token from now on. The key it replaces becomes <strong>retiring</strong>: it stays in the JWKS until every token it signed has
          expired, so those tokens keep working. Relying parties that meet the new key ID refetch the JWKS.
        </p>
        <Select
          label="Algorithm"
          value={algorithm}
          onChange={setAlgorithm}
          options={[
            { value: '', label: algorithms.length > 0 ? `Every algorithm (${algorithms.join(', ')})` : 'Every algorithm' },
            ...algorithms.map((alg) => ({ value: alg, label: `${alg} only` })),
          ]}
        />
      </ConfirmDialog>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke key ${revoking?.kid ?? ''}?`}
        confirmLabel="Revoke key"
        danger
        canConfirm={understood}
        onCancel={() => setRevoking(null)}
        onConfirm={revoke}
      >
        <p>
          <strong>Tokens signed with this key stop working at once.</strong> It leaves the JWKS now, on every node, and its private key is erased: JWT access
          tokens it signed fail at userinfo and introspection, and ID tokens it signed fail at relying parties once they refetch the JWKS. This cannot be
          undone.
        </p>
        {revoking?.status === 'active' ? <p>It is the active {revoking.alg} key: a new key replaces it in the same step.</p> : null}
        <p>Opaque access tokens and refresh tokens are not signed and keep working; revoke those through the app's grants if they leaked too.</p>
        <Checkbox label="I understand that tokens signed with this key stop working at once" checked={understood} onChange={setUnderstood} />
      </ConfirmDialog>
    </>
  );
}
