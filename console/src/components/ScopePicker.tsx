import { useId } from 'react';
import { openIdScopes } from '../lib/app-rules';
import type { Api } from '../lib/types';
import { Checkbox } from './ui';

interface Props {
  apis: Api[];
  /** The chosen scopes (OpenID Connect scopes and API scopes). */
  scopes: string[];
  onChange: (scopes: string[]) => void;
  /** OpenID scopes that another control decides (openid, offline_access) and are not offered here. */
  hiddenStandard?: readonly string[];
  disabled?: boolean;
}

function toggle(list: string[], name: string, on: boolean): string[] {
  return on ? [...new Set([...list, name])] : list.filter((item) => item !== name);
}

/** Scopes of user flows: OpenID Connect scopes, and the scopes of the organization's APIs. */
export function ScopePicker({ apis, scopes, onChange, hiddenStandard = [], disabled = false }: Props) {
  const id = useId();
  return (
    <div className="scope-picker">
      <fieldset disabled={disabled}>
        <legend>OpenID Connect scopes</legend>
        <div className="check-grid">
          {openIdScopes
            .filter((scope) => !hiddenStandard.includes(scope.name))
            .map((scope) => (
              <Checkbox
                key={scope.name}
                id={`${id}-std-${scope.name}`}
                label={<code>{scope.name}</code>}
                hint={scope.description}
                checked={scopes.includes(scope.name)}
                onChange={(on) => onChange(toggle(scopes, scope.name, on))}
              />
            ))}
        </div>
      </fieldset>
      {apis.length === 0 ? (
        <p className="hint">This organization has no APIs yet. Register one under APIs to offer its scopes.</p>
      ) : (
        apis.map((api) => (
          <fieldset key={api.id} disabled={disabled}>
            <legend>
              {api.name} <span className="mono muted">{api.identifier}</span>
            </legend>
            {api.scopes.length === 0 ? <p className="hint">This API defines no scopes.</p> : null}
            <div className="check-grid">
              {api.scopes.map((scope) => (
                <Checkbox
                  key={scope.name}
                  id={`${id}-${api.id}-${scope.name}`}
                  label={<code>{scope.name}</code>}
                  hint={scope.description}
                  checked={scopes.includes(scope.name)}
                  onChange={(on) => onChange(toggle(scopes, scope.name, on))}
                />
              ))}
            </div>
          </fieldset>
        ))
      )}
    </div>
  );
}

interface GrantProps {
  apis: Api[];
  grants: { audience: string; scopes: string[] }[];
  onChange: (grants: { audience: string; scopes: string[] }[]) => void;
  disabled?: boolean;
}

/** Audience + scope pairs of client credentials (machine-to-machine apps). */
export function ApiGrantPicker({ apis, grants, onChange, disabled = false }: GrantProps) {
  const id = useId();
  const scopesOf = (audience: string) => grants.find((grant) => grant.audience === audience)?.scopes ?? [];
  const set = (audience: string, scopes: string[]) => {
    const rest = grants.filter((grant) => grant.audience !== audience);
    onChange(scopes.length > 0 ? [...rest, { audience, scopes }] : rest);
  };
  if (apis.length === 0) return <p className="hint">This organization has no APIs yet. Register one under APIs first: client credentials reach APIs only.</p>;
  return (
    <div className="scope-picker">
      {apis.map((api) => (
        <fieldset key={api.id} disabled={disabled}>
          <legend>
            {api.name} <span className="mono muted">{api.identifier}</span>
          </legend>
          <div className="check-grid">
            {api.scopes.map((scope) => (
              <Checkbox
                key={scope.name}
                id={`${id}-${api.id}-${scope.name}`}
                label={<code>{scope.name}</code>}
                hint={scope.description}
                checked={scopesOf(api.identifier).includes(scope.name)}
                onChange={(on) => set(api.identifier, toggle(scopesOf(api.identifier), scope.name, on))}
              />
            ))}
          </div>
        </fieldset>
      ))}
    </div>
  );
}
