import { CredentialsPanel } from '../components/CredentialsPanel';
import { PageHeader } from '../components/ui';
import { useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';

/** Every member's client credentials (owners and admins), or your own. */
export function Credentials() {
  const org = useOrg();
  useTitle('Client credentials');
  const all = org.can('credentials:manage');
  return (
    <>
      <PageHeader
        title="Client credentials"
        lead={all ? 'Per-user OAuth 2.0 client credentials of every member, with their owner.' : 'Your own OAuth 2.0 client credentials in this organization.'}
      />
      <CredentialsPanel chooseOwner={all} heading={all ? 'All client credentials' : 'My client credentials'} />
    </>
  );
}
