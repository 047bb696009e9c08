import { CredentialsPanel } from '../components/CredentialsPanel';
import { DataTable } from '../components/DataTable';
import { ConfirmAction } from '../components/Dialog';
import { EmptyState, ErrorSummary, Loading, PageHeader } from '../components/ui';
import { api, get } from '../lib/api';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { useSession } from '../lib/session';
import type { Consent } from '../lib/types';

/** "My profile": who you are, your own client credentials, and the apps you allowed. */
export function Profile() {
  const { session, me } = useSession();
  const org = useOrg();
  useTitle('My profile');
  const consents = useLoad(() => get<{ items: Consent[] }>('/me/consents'), []);
  return (
    <>
      <PageHeader
        title="My profile"
        lead={`${session.user.name ? `${session.user.name} · ` : ''}${session.user.email}${session.user.isAdmin ? ' · server administrator' : ''}`}
      />
      <section className="card">
        <h2>Organizations</h2>
        <ul className="plain-list">
          {me.organizations.map((item) => (
            <li key={item.id}>
              {item.displayName || item.name}: <strong>{item.role}</strong>
            </li>
          ))}
        </ul>
      </section>
      <CredentialsPanel userId={session.user.id} heading={`My OAuth 2.0 client credentials in ${org.org.displayName || org.org.name}`} />
      <section className="card" aria-labelledby="consents-heading">
        <h2 id="consents-heading">Apps you allowed</h2>
        {consents.error ? <ErrorSummary error={consents.error} /> : null}
        {consents.loading && !consents.data ? <Loading /> : null}
        {consents.data && consents.data.items.length === 0 ? <EmptyState title="You haven't allowed any app yet" /> : null}
        {consents.data && consents.data.items.length > 0 ? (
          <DataTable
            caption="Consents"
            rows={consents.data.items}
            rowKey={(consent) => consent.clientId}
            columns={[
              {
                header: 'App',
                cell: (consent) =>
                  consent.clientName ? (
                    <>
                      <strong>{consent.clientName}</strong>
                      <div className="mono small-text">{consent.clientId}</div>
                    </>
                  ) : (
                    <span className="mono small-text">{consent.clientId}</span>
                  ),
              },
              {
                header: 'May',
                className: 'small-text',
                cell: (consent) => (
                  <ul className="plain-list">
                    {consent.access.map((item) => (
                      <li key={item}>{item}</li>
                    ))}
                  </ul>
                ),
              },
              { header: 'Since', className: 'small-text', cell: (consent) => formatTime(consent.createdAt) },
              {
                header: 'Actions',
                hideHeader: true,
                cell: (consent) => (
                  <ConfirmAction
                    label="Withdraw"
                    ariaLabel={`Withdraw your consent to ${consent.clientName ?? consent.clientId}`}
                    title="Withdraw your consent?"
                    confirmLabel="Withdraw consent"
                    danger
                    onConfirm={async () => {
                      await api('DELETE', `/me/consents/${encodeURIComponent(consent.clientId)}`);
                      consents.reload();
                    }}
                  >
                    <p>{consent.clientName ?? consent.clientId} must ask you again, and the tokens you gave it stop working.</p>
                  </ConfirmAction>
                ),
              },
            ]}
          />
        ) : null}
      </section>
    </>
  );
}
