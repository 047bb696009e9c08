import { useEffect, useState, type ReactNode } from 'react';
import { ConfirmDialog, Dialog } from './Dialog';
import { CopyField, Notice, Select } from './ui';
import { api } from '../lib/api';
import type { RotatedSecret } from '../lib/types';

/** How long the previous secret keeps working after a rotation (the server allows at most 7 days). */
export const gracePeriods = [
  { value: '0', label: 'Immediately' },
  { value: String(3600), label: 'After 1 hour' },
  { value: String(24 * 3600), label: 'After 1 day' },
  { value: String(3 * 24 * 3600), label: 'After 3 days' },
  { value: String(7 * 24 * 3600), label: 'After 7 days (the longest)' },
];

interface Props {
  /** The rotation endpoint, e.g. `/credentials/{clientId}/secret/rotate`; null while closed. */
  path: string | null;
  /** What is rotated, named in the confirmation. */
  children?: ReactNode;
  onClose: () => void;
  /** After the rotation, while the new secret shows. */
  onRotated?: (rotated: RotatedSecret) => void;
}

/**
 * A secret rotation: the confirmation with the grace period choice, then the new secret, shown
 * once. Open while `path` is set.
 */
export function RotateSecretDialogs({ path, children, onClose, onRotated }: Props) {
  const [grace, setGrace] = useState('0');
  const [rotated, setRotated] = useState<RotatedSecret | null>(null);
  useEffect(() => {
    if (path !== null) setGrace('0');
  }, [path]);
  const rotate = async () => {
    const result = await api<RotatedSecret>('POST', path!, { gracePeriodSeconds: Number(grace) });
    setRotated(result);
    onRotated?.(result);
  };
  const close = () => {
    setRotated(null);
    onClose();
  };
  return (
    <>
      <ConfirmDialog
        open={path !== null && rotated === null}
        title="Generate a new client secret?"
        confirmLabel="Generate new client secret"
        danger
        onCancel={close}
        onConfirm={rotate}
      >
        {children}
        <p>This deactivates the current client secret and generates a new one. Tokens already issued stay valid.</p>
        <p>Every configuration that uses the current secret must be updated: it stops working when you choose below.</p>
        <Select
          label="The current secret stops working"
          value={grace}
          onChange={setGrace}
          options={gracePeriods}
          hint="A grace period lets you roll the new secret out first (at most 7 days)."
        />
      </ConfirmDialog>
      <Dialog
        open={rotated !== null}
        title="Your new client secret"
        onClose={close}
        actions={
          <button type="button" className="primary" onClick={close}>
            Close
          </button>
        }
      >
        {rotated ? (
          <>
            <CopyField label="New client secret" value={rotated.clientSecret} secret testId="new-client-secret" />
            <Notice kind="warning" title="Copy it now: it won't be shown again.">
              The previous secret{' '}
              {new Date(rotated.previousSecretsExpireAt).getTime() <= Date.now() + 5000
                ? 'no longer works'
                : `works until ${new Date(rotated.previousSecretsExpireAt).toLocaleString()}`}
              .
            </Notice>
          </>
        ) : null}
      </Dialog>
    </>
  );
}
