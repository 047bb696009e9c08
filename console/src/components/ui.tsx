import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, messageOf } from '../lib/api';
import { labelOf, withLabels, type FieldErrors, type FieldLabels } from '../lib/problems';
import type { AppStatus } from '../lib/types';

interface FieldShellProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode | undefined;
  error?: string | undefined;
  children: ReactNode;
  className?: string;
}

/** A label, the control, a hint and an inline error, tied together for assistive technology. */
export function FieldShell({ id, label, hint, error, children, className }: FieldShellProps) {
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <div className="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {children}
      {error ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

interface TextFieldProps {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode | undefined;
  error?: string | undefined;
  type?: 'text' | 'url' | 'email' | 'password' | 'number' | 'datetime-local' | 'search';
  required?: boolean;
  disabled?: boolean;
  readOnly?: boolean;
  placeholder?: string;
  name?: string;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'url' | 'email';
  min?: number;
  max?: number;
  multiline?: boolean;
  id?: string;
  className?: string;
  onBlur?: () => void;
  autoFocus?: boolean;
}

export function TextField(props: TextFieldProps) {
  const generated = useId();
  const id = props.id ?? generated;
  const common = {
    id,
    value: props.value,
    name: props.name,
    disabled: props.disabled,
    readOnly: props.readOnly,
    placeholder: props.placeholder,
    required: props.required,
    autoFocus: props.autoFocus,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy(id, props.hint, props.error),
    onBlur: props.onBlur,
  };
  return (
    <FieldShell id={id} label={props.label} hint={props.hint} error={props.error} className={props.className ?? ''}>
      {props.multiline ? (
        <textarea {...common} rows={3} onChange={(event) => props.onChange(event.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete ?? 'off'}
          inputMode={props.inputMode}
          min={props.min}
          max={props.max}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
    </FieldShell>
  );
}

interface CheckboxProps {
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  error?: string | undefined;
  disabled?: boolean;
  id?: string;
}

export function Checkbox({ label, checked, onChange, hint, error, disabled, id: given }: CheckboxProps) {
  const generated = useId();
  const id = given ?? generated;
  return (
    <div className={`check${error ? ' has-error' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(event) => onChange(event.target.checked)}
      />
      <div>
        <label htmlFor={id}>{label}</label>
        {hint ? (
          <div className="hint" id={`${id}-hint`}>
            {hint}
          </div>
        ) : null}
        {error ? (
          <div className="field-error" id={`${id}-error`} role="alert">
            {error}
          </div>
        ) : null}
      </div>
    </div>
  );
}

interface SelectProps {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  options: readonly { value: string; label: string }[];
  hint?: ReactNode;
  error?: string | undefined;
  disabled?: boolean;
  id?: string;
  className?: string;
}

export function Select({ label, value, onChange, options, hint, error, disabled, id: given, className }: SelectProps) {
  const generated = useId();
  const id = given ?? generated;
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} className={className ?? ''}>
      <select
        id={id}
        value={value}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(event) => onChange(event.target.value)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** The problem's detail, and every field problem, at the top of a form (announced when it appears). */
interface ErrorSummaryProps {
  error: unknown;
  title?: string;
  /** The field problems that still apply (useServerProblems); all of the error's by default. */
  problems?: FieldErrors | undefined;
  /** The form's labels for its fields, so the summary names them as the form does. */
  labels?: FieldLabels | undefined;
}

export function ErrorSummary({ error, title = 'The request was refused', problems, labels }: ErrorSummaryProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  const all = problem?.errors ?? [];
  const remaining = problems ?? all;
  // Every field it was about has been changed since: the summary would only repeat old news.
  if (all.length > 0 && remaining.length === 0) return null;
  const fields = all.map((item) => item.field);
  const raw = problem ? problem.detail : messageOf(error);
  const line = (item: { field: string; message: string }) => {
    const label = labelOf(item.field, labels);
    const message = withLabels(item.message, fields, labels);
    return message.startsWith(label) ? message : `${label}: ${message}`;
  };
  // The server's detail is often just its summary of the field problems ("field: message", "3 fields are invalid").
  const summarizesFields = all.length > 0 && (/^\d+ fields are invalid$/.test(raw) || all.some((item) => raw === `${item.field}: ${item.message}`));
  let detail = withLabels(raw, fields, labels);
  let listed: FieldErrors = remaining.filter((item) => !raw.includes(item.message));
  if (summarizesFields) {
    detail = remaining.length === 1 ? line(remaining[0]!) : `${remaining.length} fields need a change:`;
    listed = remaining.length === 1 ? [] : remaining;
  }
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <strong>{problem?.status === 403 ? 'Not allowed' : title}</strong>
      <p className="problem-detail">{detail}</p>
      {listed.length > 0 ? (
        <ul>
          {listed.map((item, index) => (
            <li key={index}>{line(item)}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Notice({ kind = 'info', children, title }: { kind?: 'info' | 'warning' | 'success' | 'danger'; children: ReactNode; title?: string }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'danger' || kind === 'warning' ? 'alert' : 'status'}>
      {title ? <strong>{title}</strong> : null}
      <div>{children}</div>
    </div>
  );
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return undefined;
    const timer = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <span className="copy">
      <button
        type="button"
        className="small"
        aria-label={what ? `${label} ${what}` : label}
        onClick={() => void copyText(text).then((ok) => setState(ok ? 'copied' : 'failed'))}
      >
        {label}
      </button>
      <span className="copy-status" role="status" aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select the text and copy it by hand' : ''}
      </span>
    </span>
  );
}

/** A value with a Copy button: client_id, a secret shown once, a token. */
export function CopyField({ label, value, secret = false, testId }: { label: string; value: string; secret?: boolean; testId?: string }) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input
          id={id}
          type="text"
          readOnly
          value={value}
          className={secret ? 'mono secret-value' : 'mono'}
          data-testid={testId}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={value} what={label} />
      </div>
    </div>
  );
}

const statusLabels: Record<AppStatus, string> = { draft: 'Draft', submitted: 'Submitted for approval', active: 'Active', disabled: 'Disabled' };

export function StatusBadge({ status }: { status: AppStatus }) {
  return <span className={`badge badge-${status}`}>{statusLabels[status]}</span>;
}

export function Badge({ children, kind = 'neutral' }: { children: ReactNode; kind?: 'neutral' | 'warning' | 'info' }) {
  return <span className={`badge badge-${kind}`}>{children}</span>;
}

export function PageHeader({ title, children, lead }: { title: ReactNode; children?: ReactNode; lead?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {lead ? <p className="lead">{lead}</p> : null}
      </div>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}

export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
    </pre>
  );
}
