import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog';
import { DownloadJsonButton } from '../../components/DownloadButton';
import { ApiGrantPicker, ScopePicker } from '../../components/ScopePicker';
import { CopyField, ErrorSummary, Notice, Select } from '../../components/ui';
import { api, get } from '../../lib/api';
import { grantTypeNames } from '../../lib/app-rules';
import { formatTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useOrg } from '../../lib/org';
import { firstFor } from '../../lib/problems';
import type { Api, AppSecret, Page } from '../../lib/types';
import { useApp, useSaver } from './context';
import { ReadOnlyNotice, SaveBar } from './SaveBar';
import { RotateSecretDialogs } from '../../components/SecretRotation';

/** "OAuth & access scopes": client ID, the secret and its refresh, and the scopes. */
export function OAuthTab() {
  const { app, canEdit } = useApp();
  const org = useOrg();
  const apis = useLoad(() => get<Page<Api>>(`/orgs/${encodeURIComponent(org.slug)}/apis?perPage=100`), [org.slug]);
  const [scopes, setScopes] = useState(app.scopes);
  const [grants, setGrants] = useState(app.apiGrants);
  const [defaultAudience, setDefaultAudience] = useState(app.defaultAudience ?? '');
  const saver = useSaver({ scopes, apiGrants: grants, defaultAudience });
  const apiList = apis.data?.items ?? [];
  const canRotate = org.can('apps:rotate_secret') && canEdit;
  // An app for users may also use client credentials: those reach only its audience + scope pairs.
  const userAppCredentials = app.type !== 'm2m' && app.grantTypes.includes(grantTypeNames.clientCredentials);

  return (
    <>
      <section className="card" aria-labelledby="client-id-heading">
        <h2 id="client-id-heading">Client ID</h2>
        <CopyField label="Client ID" value={app.clientId} />
        <p className="hint">The client ID can't be changed. To get a new one, create a new app.</p>
        <div className="button-row">
          <DownloadJsonButton clientId={app.clientId} />
        </div>
      </section>
      {app.clientType === 'confidential' ? (
        <SecretSection canRotate={canRotate} />
      ) : (
        <section className="card">
          <h2>Client secret</h2>
          <p>
            This is a public client ({app.type === 'spa' ? 'a single-page app' : 'it runs on the user’s device'}): it has no secret and
            {app.type === 'device' ? ' the user approves each device with the code it shows (the device flow).' : ' proves itself with PKCE.'}
          </p>
        </section>
      )}
      <form
        className="card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void saver.save(
            app.type === 'm2m'
              ? { apiGrants: grants }
              : { scopes, defaultAudience: defaultAudience || null, ...(userAppCredentials ? { apiGrants: grants } : {}) },
          );
        }}
      >
        <h2>Access scopes</h2>
        <ReadOnlyNotice />
        {apis.error ? <ErrorSummary error={apis.error} title="The organization's APIs could not be loaded" /> : null}
        {app.type === 'm2m' ? (
          <>
            <p className="hint">Audience + scope pairs this app's client credentials may get.</p>
            <ApiGrantPicker apis={apiList} grants={grants} onChange={setGrants} disabled={!canEdit} />
          </>
        ) : (
          <>
            <p className="hint">
              The scopes this app may ask users for. offline_access lets it get refresh tokens (with the refresh token grant on the Tokens tab).
            </p>
            <ScopePicker apis={apiList} scopes={scopes} onChange={setScopes} disabled={!canEdit} />
            <Select
              label="Default audience"
              value={defaultAudience}
              onChange={setDefaultAudience}
              disabled={!canEdit}
              options={[
                { value: '', label: 'None: requests name the API with audience or resource' },
                ...apiList.map((item) => ({ value: item.identifier, label: `${item.name} (${item.identifier})` })),
              ]}
              error={firstFor(saver.errors, 'defaultAudience')}
            />
            {userAppCredentials ? (
              <fieldset disabled={!canEdit}>
                <legend>Client credentials</legend>
                <p className="hint">Audience + scope pairs this app's client credentials may get: with them it acts for no user.</p>
                <ApiGrantPicker apis={apiList} grants={grants} onChange={setGrants} disabled={!canEdit} />
              </fieldset>
            ) : null}
          </>
        )}
        <SaveBar busy={saver.busy} saved={saver.saved} error={saver.error} problems={saver.errors} label="Save scopes" />
      </form>
    </>
  );
}

/** Uses are recorded at most once a minute, so the time shown may be up to a minute old. */
const lastUsed = (time: string | null) => (time ? formatTime(time) : 'never');

function SecretSection({ canRotate }: { canRotate: boolean }) {
  const { app } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [ending, setEnding] = useState(false);
  const secrets = useLoad(() => get<{ items: AppSecret[] }>(`/apps/${encodeURIComponent(app.clientId)}/secrets`), [app.clientId]);
  const current = secrets.data?.items.find((secret) => secret.current);
  const previous = secrets.data?.items.filter((secret) => !secret.current) ?? [];
  const endGrace = async () => {
    secrets.setData(await api<{ items: AppSecret[] }>('POST', `/apps/${encodeURIComponent(app.clientId)}/secret/end-grace-period`));
    setEnding(false);
  };
  return (
    <section className="card" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Client secret</h2>
      <p>
        The client secret was shown once, when the app was created or its secret last refreshed. Latchkey keeps only a hash of it. If it leaked or was lost,
        generate a new one.
      </p>
      <div className="secret-placeholder mono" aria-label="Client secret (hidden)">
        lk_cs_••••••••••••••••••••••••
      </div>
      {secrets.error ? <ErrorSummary error={secrets.error} title="The secrets could not be loaded" /> : null}
      {current ? (
        <p className="hint">
          Current secret made {formatTime(current.createdAt)}; last used: {lastUsed(current.lastUsedAt)}.
        </p>
      ) : null}
      {previous.map((secret) => (
        <Notice key={secret.id} kind="warning" title="The previous secret still works">
          <p>
            The secret made {formatTime(secret.createdAt)} keeps working until <strong>{formatTime(secret.expiresAt)}</strong>, so that you can roll the new one
            out first. Last used: {lastUsed(secret.lastUsedAt)}. Once every service uses the new secret, end it now.
          </p>
          {canRotate ? (
            <button type="button" className="danger-outline" onClick={() => setEnding(true)}>
              End it now
            </button>
          ) : null}
        </Notice>
      ))}
      <div className="button-row">
        <button type="button" onClick={() => setConfirming(true)} disabled={!canRotate}>
          Refresh client secret
        </button>
        {!canRotate ? <span className="hint">Your role can't rotate secrets.</span> : null}
      </div>
      <RotateSecretDialogs
        path={confirming ? `/apps/${encodeURIComponent(app.clientId)}/secret/rotate` : null}
        onClose={() => setConfirming(false)}
        onRotated={() => secrets.reload()}
      >
        {previous.length > 0 ? <p>The previous secret, still in its grace period, stops working at once.</p> : null}
      </RotateSecretDialogs>
      <ConfirmDialog
        open={ending}
        title="Stop the previous secret now?"
        confirmLabel="End it now"
        danger
        onCancel={() => setEnding(false)}
        onConfirm={endGrace}
      >
        <p>The previous secret stops working at once: anything that still uses it gets no more tokens. The current secret keeps working.</p>
      </ConfirmDialog>
    </section>
  );
}
