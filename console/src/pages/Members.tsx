import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { CredentialsPanel } from '../components/CredentialsPanel';
import { DataTable } from '../components/DataTable';
import { ConfirmAction, Dialog } from '../components/Dialog';
import { CopyField, EmptyState, ErrorSummary, Loading, Notice, PageHeader, Select, TextField } from '../components/ui';
import { api, get } from '../lib/api';
import { formatTime } from '../lib/format';
import { useLoad, useTitle } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { roleDescriptions } from '../lib/permissions';
import { firstFor, useServerProblems } from '../lib/problems';
import { useSession } from '../lib/session';
import type { Invitation, Member, Role } from '../lib/types';

const roles: Role[] = ['owner', 'admin', 'developer', 'viewer'];
const roleOptions = roles.map((role) => ({ value: role, label: `${role[0]!.toUpperCase()}${role.slice(1)}` }));

export function Members() {
  const org = useOrg();
  const session = useSession();
  useTitle('Members');
  const members = useLoad(() => get<{ items: Member[] }>(`/orgs/${encodeURIComponent(org.slug)}/members`), [org.slug]);
  const invitations = useLoad(() => get<{ items: Invitation[] }>(`/orgs/${encodeURIComponent(org.slug)}/invitations`), [org.slug]);
  const canManage = org.can('members:manage');
  const [rowError, setRowError] = useState<unknown>(null);

  const changeRole = async (member: Member, role: Role) => {
    setRowError(null);
    try {
      await api('PATCH', `/orgs/${encodeURIComponent(org.slug)}/members/${encodeURIComponent(member.userId)}`, { role });
      members.reload();
      if (member.userId === session.session.user.id) await session.reloadMe();
    } catch (caught) {
      setRowError(caught);
      members.reload();
    }
  };

  const items = members.data?.items ?? [];
  return (
    <>
      <PageHeader title="Members and roles" lead="Who belongs to this organization, and what their role lets them do." />
      <details className="card roles-help">
        <summary>What each role may do</summary>
        <dl className="facts">
          {roles.map((role) => (
            <div key={role}>
              <dt>{role}</dt>
              <dd>{roleDescriptions[role]}</dd>
            </div>
          ))}
        </dl>
      </details>
      <ErrorSummary error={rowError} title="The role was not changed" />
      {members.error ? <ErrorSummary error={members.error} title="The members could not be loaded" /> : null}
      {members.loading && !members.data ? <Loading label="Loading members…" /> : null}
      {items.length > 0 ? (
        <DataTable
          caption="Members"
          rows={items}
          rowKey={(member) => member.userId}
          columns={[
            {
              header: 'Member',
              cell: (member) => (
                <>
                  <Link to={org.path(`members/${encodeURIComponent(member.userId)}`)}>{member.name || member.email}</Link>
                  <div className="hint">{member.email}</div>
                </>
              ),
            },
            {
              header: 'Role',
              cell: (member) =>
                canManage ? (
                  <select aria-label={`Role of ${member.email}`} value={member.role} onChange={(event) => void changeRole(member, event.target.value as Role)}>
                    {roleOptions.map((option) => (
                      <option key={option.value} value={option.value}>
                        {option.label}
                      </option>
                    ))}
                  </select>
                ) : (
                  member.role
                ),
            },
            { header: 'Joined', className: 'small-text', cell: (member) => formatTime(member.joinedAt) },
            {
              header: 'Actions',
              hideHeader: true,
              cell: (member) => {
                const self = member.userId === session.session.user.id;
                if (!canManage && !self) return null;
                return (
                  <ConfirmAction
                    label={self ? 'Leave' : 'Remove'}
                    ariaLabel={`Remove ${member.email}`}
                    title={self ? 'Leave this organization?' : 'Remove this member?'}
                    confirmLabel={self ? 'Leave' : 'Remove member'}
                    danger
                    onConfirm={async () => {
                      await api('DELETE', `/orgs/${encodeURIComponent(org.slug)}/members/${encodeURIComponent(member.userId)}`);
                      members.reload();
                      if (self) await session.reloadMe();
                    }}
                  >
                    <p>
                      <strong>{member.email}</strong> loses access to {org.org.displayName || org.org.name}: its apps, APIs and settings.
                    </p>
                  </ConfirmAction>
                );
              },
            },
          ]}
        />
      ) : null}
      {canManage ? (
        <div className="grid-2">
          {session.session.user.isAdmin ? <AddMember onAdded={members.reload} /> : null}
          <InviteMember onInvited={invitations.reload} />
        </div>
      ) : (
        <p className="hint">Owners and admins invite and remove members.</p>
      )}
      <section className="card" aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">Invitations</h2>
        {invitations.error ? <ErrorSummary error={invitations.error} title="The invitations could not be loaded" /> : null}
        {invitations.data && invitations.data.items.length === 0 ? <EmptyState title="No invitations" /> : null}
        {invitations.data && invitations.data.items.length > 0 ? (
          <DataTable
            caption="Invitations"
            rows={invitations.data.items}
            rowKey={(invitation) => invitation.id}
            columns={[
              { header: 'Email', cell: (invitation) => invitation.email },
              { header: 'Role', cell: (invitation) => invitation.role },
              { header: 'State', cell: (invitation) => invitation.state },
              { header: 'Expires', className: 'small-text', cell: (invitation) => formatTime(invitation.expiresAt) },
              {
                header: 'Actions',
                hideHeader: true,
                cell: (invitation) =>
                  canManage && invitation.state === 'pending' ? (
                    <ConfirmAction
                      label="Revoke"
                      ariaLabel={`Revoke the invitation of ${invitation.email}`}
                      title="Revoke this invitation?"
                      confirmLabel="Revoke invitation"
                      danger
                      onConfirm={async () => {
                        await api('DELETE', `/orgs/${encodeURIComponent(org.slug)}/invitations/${encodeURIComponent(invitation.id)}`);
                        invitations.reload();
                      }}
                    >
                      <p>The invitation to {invitation.email} stops working.</p>
                    </ConfirmAction>
                  ) : null,
              },
            ]}
          />
        ) : null}
      </section>
    </>
  );
}

function AddMember({ onAdded }: { onAdded: () => void }) {
  const org = useOrg();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const problems = useServerProblems(error, { email, userId: email, role });
  const submit = async () => {
    setError(null);
    setDone('');
    try {
      const member = await api<Member>('POST', `/orgs/${encodeURIComponent(org.slug)}/members`, { email: email.trim(), role });
      setDone(`${member.email} is now a ${member.role}.`);
      setEmail('');
      onAdded();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form
      className="card"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>Add an existing user</h2>
      <TextField
        label="Email of the user"
        type="email"
        value={email}
        onChange={setEmail}
        required
        error={firstFor(problems, 'email') ?? firstFor(problems, 'userId')}
      />
      <Select
        label="Role"
        value={role}
        onChange={(value) => setRole(value as Role)}
        options={roleOptions}
        hint={roleDescriptions[role]}
        error={firstFor(problems, 'role')}
      />
      <ErrorSummary error={error} title="The member was not added" problems={problems} labels={{ email: 'Email of the user', userId: 'Email of the user' }} />
      {done ? (
        <p className="notice notice-success" role="status">
          {done}
        </p>
      ) : null}
      <button type="submit" className="primary">
        Add member
      </button>
    </form>
  );
}

function InviteMember({ onInvited }: { onInvited: () => void }) {
  const org = useOrg();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('developer');
  const [error, setError] = useState<unknown>(null);
  const [token, setToken] = useState<{ email: string; token: string; expiresAt: string } | null>(null);
  const problems = useServerProblems(error, { email, role });
  const submit = async () => {
    setError(null);
    try {
      const invitation = await api<Invitation & { token: string }>('POST', `/orgs/${encodeURIComponent(org.slug)}/invitations`, { email: email.trim(), role });
      setToken({ email: invitation.email, token: invitation.token, expiresAt: invitation.expiresAt });
      setEmail('');
      onInvited();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form
      className="card"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>Invite by email</h2>
      <TextField label="Email to invite" type="email" value={email} onChange={setEmail} required error={firstFor(problems, 'email')} />
      <Select label="Role for the invitee" value={role} onChange={(value) => setRole(value as Role)} options={roleOptions} error={firstFor(problems, 'role')} />
      <ErrorSummary error={error} title="The invitation was not made" problems={problems} labels={{ email: 'Email to invite', role: 'Role for the invitee' }} />
      <button type="submit" className="primary">
        Invite
      </button>
      <Dialog
        open={token !== null}
        title="Invitation made"
        onClose={() => setToken(null)}
        actions={
          <button type="button" className="primary" onClick={() => setToken(null)}>
            Close
          </button>
        }
      >
        {token ? (
          <>
            <p>
              An invitation mail with a link is on its way to {token.email}: the link lets them create an account, or sign in, and join. If the mail does not
              arrive, send them this token; they accept it after signing in (the console asks for it when they belong to no organization).
            </p>
            <CopyField label="Invitation token" value={token.token} secret />
            <Notice kind="warning" title="Shown only once.">
              It works once, until {formatTime(token.expiresAt)}.
            </Notice>
          </>
        ) : null}
      </Dialog>
    </form>
  );
}

/** One member: their details and (for admins) their client credentials, made for them. */
export function MemberPage() {
  const { userId = '' } = useParams();
  const org = useOrg();
  const { session } = useSession();
  const members = useLoad(() => get<{ items: Member[] }>(`/orgs/${encodeURIComponent(org.slug)}/members`), [org.slug]);
  const member = members.data?.items.find((candidate) => candidate.userId === userId);
  useTitle(member?.email ?? 'Member');
  if (members.error) return <ErrorSummary error={members.error} />;
  if (!members.data) return <Loading />;
  if (!member) return <ErrorSummary error={new Error('This person is not a member of the organization.')} />;
  return (
    <>
      <p className="breadcrumb">
        <Link to={org.path('members')}>← Members</Link>
      </p>
      <PageHeader title={member.name || member.email} lead={`${member.email} · ${member.role} · joined ${formatTime(member.joinedAt)}`} />
      {org.can('credentials:manage') || member.userId === session.user.id ? (
        <CredentialsPanel userId={member.userId} heading={`OAuth 2.0 client credentials of ${member.email}`} />
      ) : (
        <p className="hint">Owners and admins see and make other members’ client credentials.</p>
      )}
    </>
  );
}
