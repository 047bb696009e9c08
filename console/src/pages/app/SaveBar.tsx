import { ErrorSummary } from '../../components/ui';
import type { FieldErrors, FieldLabels } from '../../lib/problems';
import { useApp } from './context';

interface SaveBarProps {
  busy: boolean;
  saved: boolean;
  error: unknown;
  /** The problems that still apply (the saver's `errors`); the summary lists only these. */
  problems?: FieldErrors | undefined;
  labels?: FieldLabels | undefined;
  label?: string;
}

export function SaveBar({ busy, saved, error, problems, labels, label = 'Save changes' }: SaveBarProps) {
  const { canEdit } = useApp();
  return (
    <div className="save-bar">
      <ErrorSummary error={error} title="Nothing was saved" problems={problems} labels={labels} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || !canEdit}>
          {busy ? 'Saving…' : label}
        </button>
        <span role="status" aria-live="polite" className="saved">
          {saved ? 'Saved' : ''}
        </span>
      </div>
    </div>
  );
}

export function ReadOnlyNotice() {
  const { canEdit, builtIn } = useApp();
  if (canEdit) return null;
  return (
    <p className="notice notice-info" role="note">
      {builtIn
        ? 'This app is built in: Latchkey maintains it, so its settings can be seen but not changed.'
        : 'Your role can see this app but not change it. Developers, admins and owners can change apps.'}
    </p>
  );
}
