import { useState } from 'react';
import { CredentialsPanel } from '../components/CredentialsPanel';
import { ConfirmDialog } from '../components/Dialog';
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
  const [withdrawing, setWithdrawing] = useState<Consent | null>(null);
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
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Consents</caption>
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">May</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {consents.data.items.map((consent) => (
                  <tr key={consent.clientId}>
                    <td>
                      {consent.clientName ? (
                        <>
                          <strong>{consent.clientName}</strong>
                          <div className="mono small-text">{consent.clientId}</div>
                        </>
                      ) : (
                        <span className="mono small-text">{consent.clientId}</span>
                      )}
                    </td>
                    <td className="small-text">
                      <ul className="plain-list">
                        {consent.access.map((item) => (
                          <li key={item}>{item}</li>
                        ))}
                      </ul>
                    </td>
                    <td className="small-text">{formatTime(consent.createdAt)}</td>
                    <td>
                      <button
                        type="button"
                        className="small danger-outline"
                        aria-label={`Withdraw your consent to ${consent.clientName ?? consent.clientId}`}
                        onClick={() => setWithdrawing(consent)}
                      >
                        Withdraw
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <ConfirmDialog
        open={withdrawing !== null}
        title="Withdraw your consent?"
        confirmLabel="Withdraw consent"
        danger
        onCancel={() => setWithdrawing(null)}
        onConfirm={async () => {
          await api('DELETE', `/me/consents/${encodeURIComponent(withdrawing!.clientId)}`);
          setWithdrawing(null);
          consents.reload();
        }}
      >
        <p>{withdrawing?.clientName ?? withdrawing?.clientId} must ask you again, and the tokens you gave it stop working.</p>
      </ConfirmDialog>
    </>
  );
}
