import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { ErrorSummary } from './ui';

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom. */
  actions?: ReactNode;
  /** Whether Escape and the backdrop may close it (false while something is being sent). */
  dismissible?: boolean;
  wide?: boolean;
}

/**
 * A modal dialog on the native <dialog> element: showModal() makes the rest of the page inert, so
 * focus stays inside; Escape closes it; focus returns to where it was.
 */
export function Dialog({ open, title, onClose, children, actions, dismissible = true, wide = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const returnFocus = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnFocus.current = document.activeElement;
      dialog.showModal();
      const first = dialog.querySelector<HTMLElement>('[data-autofocus], input:not([type=hidden]):not([disabled]), textarea, select, button:not([disabled])');
      first?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      if (returnFocus.current instanceof HTMLElement) returnFocus.current.focus();
    }
  }, [open]);

  useEffect(
    () => () => {
      if (returnFocus.current instanceof HTMLElement && ref.current?.open) returnFocus.current.focus();
    },
    [],
  );

  /** Keeps Tab inside the dialog even where the browser would move to its own chrome. */
  const trap = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== 'Tab' || !ref.current) return;
    const focusable = [
      ...ref.current.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])',
      ),
    ];
    if (focusable.length === 0) return;
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' wide' : ''}`}
      aria-labelledby={titleId}
      onKeyDown={trap}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissible) onClose();
      }}
      onClick={(event) => {
        if (event.target === ref.current && dismissible) onClose();
      }}
    >
      {open ? (
        <div className="dialog-body">
          <h2 id={titleId}>{title}</h2>
          {children}
          {actions ? <div className="dialog-actions">{actions}</div> : null}
        </div>
      ) : null}
    </dialog>
  );
}

interface ConfirmProps {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onCancel: () => void;
  /** Runs the action; a thrown error is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void> | void;
  /** Whether the confirm button may be pressed (e.g. a reason is typed). */
  canConfirm?: boolean;
}

/** Every destructive action goes through one of these. */
export function ConfirmDialog({ open, title, children, confirmLabel, danger = false, onCancel, onConfirm, canConfirm = true }: ConfirmProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (open) {
      setError(null);
      setBusy(false);
    }
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onCancel}
      dismissible={!busy}
      actions={
        <>
          <button type="button" onClick={onCancel} disabled={busy} data-autofocus>
            Cancel
          </button>
          <button type="button" className={danger ? 'danger' : 'primary'} onClick={() => void confirm()} disabled={busy || !canConfirm}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      <ErrorSummary error={error} />
    </Dialog>
  );
}

interface ConfirmActionProps extends Omit<ConfirmProps, 'open' | 'onCancel'> {
  /** The button's text. */
  label: ReactNode;
  /** The button's accessible name, when its text alone is ambiguous (a Delete in every row). */
  ariaLabel?: string;
  buttonClassName?: string;
  disabled?: boolean;
}

/**
 * A button that asks first: it opens a ConfirmDialog, runs the action on confirm, and closes once
 * the action is done (a thrown error stays in the dialog). The dialog's state lives here, so a
 * page lists actions, not open/close bookkeeping.
 */
export function ConfirmAction({ label, ariaLabel, buttonClassName = 'small danger-outline', disabled = false, onConfirm, ...dialog }: ConfirmActionProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={buttonClassName} disabled={disabled} aria-label={ariaLabel} onClick={() => setOpen(true)}>
        {label}
      </button>
      <ConfirmDialog
        {...dialog}
        open={open}
        onCancel={() => setOpen(false)}
        onConfirm={async () => {
          await onConfirm();
          setOpen(false);
        }}
      />
    </>
  );
}
