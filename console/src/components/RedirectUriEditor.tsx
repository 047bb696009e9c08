import { useId, type ReactNode } from 'react';
import { checkUri, redirectUrisTotalLimit, totalLength } from '../lib/app-rules';
import { firstFor, type FieldErrors } from '../lib/problems';
import type { AppType } from '../lib/types';

interface Props {
  /** `redirectUris` or `postLogoutRedirectUris`: the API's field name, for its error paths. */
  field: string;
  label: string;
  itemLabel: string;
  type: AppType;
  uris: string[];
  onChange: (uris: string[]) => void;
  errors: FieldErrors;
  /** Whether placeholders are acceptable now (the app is or will be a draft). */
  placeholdersAllowed: boolean;
  disabled?: boolean;
  hint?: ReactNode;
}

/**
 * A list of redirect URIs you can add to: each checked with the
 * server's rules as you type, placeholders marked, and the 2000-character total counted.
 */
export function RedirectUriEditor({ field, label, itemLabel, type, uris, onChange, errors, placeholdersAllowed, disabled = false, hint }: Props) {
  const base = useId();
  const rows = uris.length > 0 ? uris : [''];
  const used = totalLength(rows);
  const over = used > redirectUrisTotalLimit;
  const totalError = firstFor(errors, field);
  const set = (index: number, value: string) => onChange(rows.map((uri, at) => (at === index ? value : uri)));
  const remove = (index: number) => onChange(rows.filter((_, at) => at !== index));
  return (
    <fieldset className="uri-editor" disabled={disabled}>
      <legend>{label}</legend>
      {hint ? <div className="hint">{hint}</div> : null}
      <ol className="uri-list">
        {rows.map((uri, index) => {
          const id = `${base}-${index}`;
          const local = checkUri(uri.trim(), type);
          const server = firstFor(errors, `${field}[${index}]`);
          const error = server ?? (local.error ? `${uri.trim()} ${local.error}` : undefined);
          const placeholder = !local.error && local.placeholder ? local.placeholder : null;
          return (
            <li key={index} className={error ? 'has-error' : ''}>
              <label htmlFor={id}>
                {itemLabel} {index + 1}
              </label>
              <div className="uri-row">
                <input
                  id={id}
                  type="text"
                  inputMode="url"
                  className="mono"
                  value={uri}
                  placeholder={type === 'native' ? 'com.example.app:/callback' : 'https://app.example.com/callback'}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={[error ? `${id}-error` : '', placeholder ? `${id}-placeholder` : ''].filter(Boolean).join(' ') || undefined}
                  onChange={(event) => set(index, event.target.value)}
                />
                {rows.length > 1 ? (
                  <button type="button" className="small" aria-label={`Remove ${lowerFirst(itemLabel)} ${index + 1}`} onClick={() => remove(index)}>
                    Remove
                  </button>
                ) : null}
              </div>
              {placeholder ? (
                <div id={`${id}-placeholder`} className={`placeholder-note${placeholdersAllowed ? '' : ' blocking'}`}>
                  <span className="badge badge-warning">Placeholder</span> {placeholder}.{' '}
                  {placeholdersAllowed
                    ? 'Fine while the app is a draft; replace it before you submit or activate the app.'
                    : 'Allowed only while the app is a draft.'}
                </div>
              ) : null}
              {error ? (
                <div className="field-error" id={`${id}-error`} role="alert">
                  {error}
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
      <div className="uri-footer">
        <button type="button" className="small" onClick={() => onChange([...rows, ''])}>
          + Add {lowerFirst(itemLabel)}
        </button>
        <span className={`counter${over ? ' over' : ''}`} aria-live="polite">
          {used} of {redirectUrisTotalLimit} characters used
        </span>
      </div>
      {over || totalError ? (
        <div className="field-error" role="alert">
          {totalError ?? `The ${lowerFirst(itemLabel)}s take ${used} characters in all; the limit is ${redirectUrisTotalLimit}. Create another app for more.`}
        </div>
      ) : null}
    </fieldset>
  );
}

/** Problems the console finds itself before sending a list of redirect URIs. */
export function checkUriList(field: string, type: AppType, uris: readonly string[], placeholdersAllowed: boolean, itemLabel = 'Redirect URI') {
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  uris.forEach((raw, index) => {
    const uri = raw.trim();
    if (uri === '') return;
    const at = `${field}[${index}]`;
    if (seen.has(uri)) problems.push({ field: at, message: `${uri} is listed twice` });
    seen.add(uri);
    const check = checkUri(uri, type);
    if (check.error) problems.push({ field: at, message: `${uri} ${check.error}` });
    else if (check.placeholder && !placeholdersAllowed) {
      problems.push({ field: at, message: `${uri} is a placeholder (${check.placeholder}); tick "Save as draft" to keep it until the real URI is ready` });
    }
  });
  const used = totalLength(uris);
  if (used > redirectUrisTotalLimit) {
    problems.push({ field, message: `the ${lowerFirst(itemLabel)}s take ${used} characters in all; the limit is ${redirectUrisTotalLimit}` });
  }
  return problems;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
