import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { DownloadJsonButton } from '../components/DownloadButton';
import { CopyField, ErrorSummary, Loading, Notice, PageHeader } from '../components/ui';
import { get } from '../lib/api';
import { typeLabel } from '../lib/app-rules';
import { takeOver } from '../lib/handover';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import type { App } from '../lib/types';

/** After creating an app: copy the app ID (and the secret, once) or download them as JSON, then continue. */
export function AppCreated() {
  const { clientId = '' } = useParams();
  const org = useOrg();
  const [created] = useState(() => takeOver(clientId));
  const loaded = useLoad<App>(() => (created ? Promise.resolve(created) : get<App>(`/apps/${encodeURIComponent(clientId)}`)), [clientId]);
  useTitle('App credentials');
  const app = loaded.data;
  if (loaded.error) return <ErrorSummary error={loaded.error} title="The app could not be loaded" />;
  if (!app) return <Loading />;
  const secret = created?.clientSecret ?? null;
  return (
    <>
      <PageHeader title={`${app.name} is ready`} lead={`${typeLabel(app.type)} · ${app.clientType} client · ${app.status}`} />
      <section className="card" aria-labelledby="credentials-heading">
        <h2 id="credentials-heading">Client credentials</h2>
        <p>You are responsible for storing these credentials in a safe place.</p>
        <CopyField label="Client ID (app ID)" value={app.clientId} testId="client-id" />
        {secret ? (
          <>
            <CopyField label="Client secret" value={secret} secret testId="client-secret" />
            <Notice kind="warning" title="This is the only time the client secret is shown.">
              Copy it now and keep it somewhere safe, such as your secret manager. Latchkey stores only a hash of it, so it can't show it again; if you lose it,
              rotate it on the OAuth &amp; scopes tab.
            </Notice>
          </>
        ) : app.clientType === 'confidential' ? (
          <Notice kind="info">The client secret was shown once, when the app was created. If you lost it, rotate it on the OAuth &amp; scopes tab.</Notice>
        ) : (
          <p className="hint">
            {app.type === 'device'
              ? 'This is a public client: it has no secret; the user approves each device with the code it shows (the device flow).'
              : 'This is a public client: it has no secret and proves itself with PKCE.'}
          </p>
        )}
        {app.placeholderRedirectUris.length > 0 ? (
          <Notice kind="info" title="This app is a draft with placeholder redirect URIs.">
            Replace {app.placeholderRedirectUris.join(', ')} with the real URI on the Basic info tab, then activate or submit the app on the Lifecycle tab.
          </Notice>
        ) : null}
        <div className="button-row">
          <DownloadJsonButton clientId={app.clientId} />
          <Link to={org.path(`apps/${encodeURIComponent(app.clientId)}/basic`)} className="button primary">
            Continue
          </Link>
        </div>
      </section>
    </>
  );
}
