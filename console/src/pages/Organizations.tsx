import { organizationSlug } from '@contracts/organization-names';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Checkbox, ErrorSummary, Notice, PageHeader, TextField } from '../components/ui';
import { api } from '../lib/api';
import { useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { firstFor, useServerProblems, type FieldErrors } from '../lib/problems';
import { useSession } from '../lib/session';
import type { Org } from '../lib/types';
import { TopBar } from './Shell';

const nameHint = 'Used in URLs and API paths: lower-case letters, digits and hyphens.';
/** The fields as the forms label them, for the summary of a refusal. */
const orgLabels = { displayName: 'Name', name: 'URL name', requireMfa: 'Require two-step verification for members' };

const requireMfaHint = 'Members must sign in with a second factor to every app; those without one set it up at their next sign-in.';

/** The fields of an organization: its display name, and the URL name that follows it until edited. */
function OrgFields(props: { displayName: string; name: string; onDisplayName: (value: string) => void; onName: (value: string) => void; errors: FieldErrors }) {
  const errors = props.errors;
  return (
    <>
      <TextField label="Name" value={props.displayName} onChange={props.onDisplayName} required error={firstFor(errors, 'displayName')} autoFocus />
      <TextField label="URL name" value={props.name} onChange={props.onName} required hint={nameHint} error={firstFor(errors, 'name')} />
    </>
  );
}

/** `/console/orgs/new`: creates an organization; you become its owner. */
export function CreateOrganization() {
  const session = useSession();
  const navigate = useNavigate();
  const [displayName, setDisplayName] = useState('');
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);
  const [requireMfa, setRequireMfa] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useTitle('New organization');
  const problems = useServerProblems(error, { displayName, name, requireMfa });
  if (!session.me.mayCreateOrganizations) {
    return (
      <div className="shell">
        <TopBar />
        <main className="content narrow" id="main">
          <PageHeader title="New organization" />
          <Notice kind="warning">Only server administrators may create organizations on this server.</Notice>
          <p>
            <Link to="/">Back to the console</Link>
          </p>
        </main>
      </div>
    );
  }
  const submit = async () => {
    setError(null);
    setBusy(true);
    try {
      const created = await api<Org>('POST', '/orgs', { name: name.trim(), displayName: displayName.trim(), requireMfa });
      await session.reloadMe();
      void navigate(`/orgs/${encodeURIComponent(created.name)}/apps`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="shell">
      <TopBar />
      <main className="content narrow" id="main">
        <PageHeader title="New organization" lead="An organization holds apps, APIs and members. You become its owner." />
        <form
          className="card"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <ErrorSummary error={error} title="The organization was not created" problems={problems} labels={orgLabels} />
          <OrgFields
            displayName={displayName}
            name={name}
            errors={problems}
            onDisplayName={(value) => {
              setDisplayName(value);
              if (!nameEdited) setName(organizationSlug(value));
            }}
            onName={(value) => {
              setNameEdited(true);
              setName(value);
            }}
          />
          <Checkbox
            label="Require two-step verification for members"
            checked={requireMfa}
            onChange={setRequireMfa}
            hint={requireMfaHint}
            error={firstFor(problems, 'requireMfa')}
          />
          <div className="button-row">
            <button type="submit" className="primary" disabled={busy}>
              Create organization
            </button>
            <Link to="/">Cancel</Link>
          </div>
        </form>
      </main>
    </div>
  );
}

/** `/console/orgs/:org/settings`: the organization's name and URL name (owners and admins change them). */
export function OrgSettings() {
  const org = useOrg();
  const session = useSession();
  const navigate = useNavigate();
  const [displayName, setDisplayName] = useState(org.org.displayName);
  const [name, setName] = useState(org.org.name);
  const [requireMfa, setRequireMfa] = useState(org.org.requireMfa);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useTitle('Organization settings');
  const problems = useServerProblems(error, { displayName, name, requireMfa });
  const canEdit = org.can('org:update');
  const submit = async () => {
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      const updated = await api<Org>('PATCH', `/orgs/${encodeURIComponent(org.slug)}`, { name: name.trim(), displayName: displayName.trim(), requireMfa });
      await session.reloadMe();
      setSaved(true);
      if (updated.name !== org.slug) void navigate(`/orgs/${encodeURIComponent(updated.name)}/settings`, { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title="Organization settings" lead={`ID ${org.org.id}`}>
        {session.me.mayCreateOrganizations ? <Link to="/orgs/new">New organization</Link> : null}
      </PageHeader>
      <form
        className="card"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {saved ? <Notice kind="success">Saved.</Notice> : null}
        <ErrorSummary error={error} title="The settings were not saved" problems={problems} labels={orgLabels} />
        {canEdit ? (
          <>
            <OrgFields displayName={displayName} name={name} errors={problems} onDisplayName={setDisplayName} onName={setName} />
            <Checkbox
              label="Require two-step verification for members"
              checked={requireMfa}
              onChange={setRequireMfa}
              hint={requireMfaHint}
              error={firstFor(problems, 'requireMfa')}
            />
            <div className="button-row">
              <button type="submit" className="primary" disabled={busy}>
                Save
              </button>
            </div>
          </>
        ) : (
          <>
            <TextField label="Name" value={org.org.displayName} onChange={() => undefined} readOnly />
            <TextField label="URL name" value={org.org.name} onChange={() => undefined} readOnly />
            <Checkbox
              label="Require two-step verification for members"
              checked={org.org.requireMfa}
              onChange={() => undefined}
              disabled
              hint="Owners and admins can change these."
            />
          </>
        )}
      </form>
    </>
  );
}
