import { useState } from 'react';
import { DataTable } from '../../components/DataTable';
import { Badge, Checkbox, EmptyState, ErrorSummary, Loading, TextField } from '../../components/ui';
import { get } from '../../lib/api';
import { usesRedirectUris } from '../../lib/app-rules';
import { formatTime } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { firstFor } from '../../lib/problems';
import type { LogoutDelivery } from '../../lib/types';
import { useApp, useSaver } from './context';
import { ReadOnlyNotice, SaveBar } from './SaveBar';

const nullable = (value: string) => (value.trim() === '' ? null : value.trim());

const stateBadge: Record<LogoutDelivery['state'], { label: string; kind: 'neutral' | 'warning' | 'info' }> = {
  sent: { label: 'delivered', kind: 'info' },
  pending: { label: 'retrying', kind: 'warning' },
  failed: { label: 'given up', kind: 'warning' },
};

/** "Logout": where Latchkey tells the app that a user's session ended, and how those deliveries went. */
export function LogoutTab() {
  const { app, canEdit } = useApp();
  const [backchannelUri, setBackchannelUri] = useState(app.backchannelLogoutUri ?? '');
  const [backchannelSession, setBackchannelSession] = useState(app.backchannelLogoutSessionRequired);
  const [frontchannelUri, setFrontchannelUri] = useState(app.frontchannelLogoutUri ?? '');
  const [frontchannelSession, setFrontchannelSession] = useState(app.frontchannelLogoutSessionRequired);
  const saver = useSaver({
    backchannelLogoutUri: backchannelUri,
    backchannelLogoutSessionRequired: backchannelSession,
    frontchannelLogoutUri: frontchannelUri,
    frontchannelLogoutSessionRequired: frontchannelSession,
  });
  const errors = saver.errors;

  if (!usesRedirectUris(app.type)) {
    return (
      <div className="card">
        <h2>Logout</h2>
        <p>This app uses client credentials only: no user signs in to it, so there is no session to sign out of.</p>
      </div>
    );
  }

  return (
    <>
      <form
        className="card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void saver.save({
            backchannelLogoutUri: nullable(backchannelUri),
            backchannelLogoutSessionRequired: backchannelSession,
            frontchannelLogoutUri: nullable(frontchannelUri),
            frontchannelLogoutSessionRequired: frontchannelSession,
          });
        }}
      >
        <h2>Logout</h2>
        <p className="hint">
          When a user&apos;s Latchkey session ends (they sign out, an administrator ends it, it expires), the apps they signed in to during that session are
          told, so that they can end their own session too.
        </p>
        <ReadOnlyNotice />
        <fieldset disabled={!canEdit} className="plain">
          <TextField
            label="Back-channel logout URL"
            type="url"
            value={backchannelUri}
            onChange={setBackchannelUri}
            placeholder="https://"
            error={firstFor(errors, 'backchannelLogoutUri')}
            hint="Latchkey POSTs a signed logout token (logout_token) here from the server, retrying until your app answers 2xx. https only."
          />
          <Checkbox
            label="Require the session ID (sid) in logout tokens"
            checked={backchannelSession}
            onChange={setBackchannelSession}
            error={firstFor(errors, 'backchannelLogoutSessionRequired')}
            hint="Latchkey always sends sid and sub; this records that your app relies on sid."
          />
          <TextField
            label="Front-channel logout URL"
            type="url"
            value={frontchannelUri}
            onChange={setFrontchannelUri}
            placeholder="https://"
            error={firstFor(errors, 'frontchannelLogoutUri')}
            hint="Loaded in a hidden iframe of the signed-out page, in the user's browser. Browsers that block third-party cookies may not send your app's cookies there."
          />
          <Checkbox
            label="Add iss and sid to the front-channel logout URL"
            checked={frontchannelSession}
            onChange={setFrontchannelSession}
            error={firstFor(errors, 'frontchannelLogoutSessionRequired')}
          />
        </fieldset>
        <SaveBar busy={saver.busy} saved={saver.saved} error={saver.error} problems={errors} />
      </form>
      <DeliveryLog clientId={app.clientId} configured={app.backchannelLogoutUri !== null} />
    </>
  );
}

/** The app's latest back-channel logout deliveries. */
function DeliveryLog({ clientId, configured }: { clientId: string; configured: boolean }) {
  const log = useLoad(() => get<{ items: LogoutDelivery[] }>(`/apps/${encodeURIComponent(clientId)}/logout-deliveries`), [clientId]);
  const items = log.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="delivery-log-title">
      <div className="button-row">
        <h2 id="delivery-log-title">Back-channel deliveries</h2>
        <button type="button" onClick={log.reload} disabled={log.loading}>
          Refresh
        </button>
      </div>
      {log.error ? <ErrorSummary error={log.error} title="The delivery log could not be loaded" /> : null}
      {log.loading && !log.data ? <Loading label="Loading the deliveries…" /> : null}
      {log.data && items.length === 0 ? (
        <EmptyState title="No deliveries yet">
          {configured ? 'A delivery appears here when a session the app got tokens in ends.' : 'Set a back-channel logout URL to get them.'}
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <DataTable
          caption="Back-channel logout deliveries, newest first"
          rows={items}
          rowKey={(item) => item.id}
          columns={[
            { header: 'Session ended', className: 'small-text nowrap', cell: (item) => formatTime(item.createdAt) },
            {
              header: 'State',
              cell: (item) => (
                <>
                  <Badge kind={stateBadge[item.state].kind}>{stateBadge[item.state].label}</Badge>
                  <div className="small-text">
                    {item.sentAt
                      ? formatTime(item.sentAt)
                      : item.failedAt
                        ? formatTime(item.failedAt)
                        : item.nextAttemptAt
                          ? `next ${formatTime(item.nextAttemptAt)}`
                          : ''}
                  </div>
                </>
              ),
            },
            { header: 'Tries', cell: (item) => item.attempts + (item.sentAt ? 1 : 0) },
            { header: 'Last error', className: 'small-text break', cell: (item) => item.lastError ?? '—' },
            { header: 'Session', className: 'mono small-text break', cell: (item) => item.sid },
          ]}
        />
      ) : null}
    </section>
  );
}
