import { useId, useState } from 'react';
import { DataTable } from './DataTable';
import { ConfirmAction, Dialog } from './Dialog';
import { clientCredentialsCurl } from '@contracts/quickstart';
import { RotateSecretDialogs } from './SecretRotation';
import { CopyButton, CopyField, EmptyState, ErrorSummary, Loading, Notice, Select, TextField } from './ui';
import { api, get, query } from '../lib/api';
import { formatTime } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { useOrg } from '../lib/org';
import { firstFor, useServerProblems } from '../lib/problems';
import { useSession } from '../lib/session';
import type { Api, App, AppWithSecret, Member, Page } from '../lib/types';

interface Props {
  /** Only this member's credentials (and new ones are theirs). */
  userId?: string;
  /** Whether the form may pick any member as the owner (credentials:manage). */
  chooseOwner?: boolean;
  heading?: string;
}

interface Pair {
  audience: string;
  scope: string;
}

/**
 * Per-user OAuth 2.0 client credentials: audience + scope pairs, a secret
 * shown once, the owner listed.
 */
export function CredentialsPanel({ userId, chooseOwner = false, heading = 'OAuth 2.0 client credentials' }: Props) {
  const org = useOrg();
  const { session } = useSession();
  const headingId = useId();
  const canManage = org.can('credentials:manage');
  const own = userId === undefined || userId === session.user.id;
  const canCreate = own ? org.can('credentials:create_own') : canManage;
  const list = useLoad(
    () =>
      get<Page<App>>(
        `/orgs/${encodeURIComponent(org.slug)}/credentials${query({ userId: userId ?? (canManage ? undefined : session.user.id), perPage: 100 })}`,
      ),
    [org.slug, userId, canManage],
  );
  const members = useLoad(() => get<{ items: Member[] }>(`/orgs/${encodeURIComponent(org.slug)}/members`), [org.slug]);
  const apis = useLoad(() => get<Page<Api>>(`/orgs/${encodeURIComponent(org.slug)}/apis?perPage=100`), [org.slug]);
  const [creating, setCreating] = useState(false);
  const [rotating, setRotating] = useState<App | null>(null);
  const ownerLabel = (id: string | null) => {
    const member = members.data?.items.find((candidate) => candidate.userId === id);
    return member ? `${member.name ? `${member.name} ` : ''}<${member.email}>` : (id ?? '—');
  };
  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="section-header">
        <h2 id={headingId}>{heading}</h2>
        {canCreate ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Generate OAuth 2.0 client credential
          </button>
        ) : null}
      </div>
      <p className="hint">
        Machine credentials that belong to a person: a client ID and secret for the client credentials grant, limited to the audience + scope pairs chosen.
        Always choose the least that is needed.
      </p>
      {list.error ? <ErrorSummary error={list.error} title="The credentials could not be loaded" /> : null}
      {list.loading && !list.data ? <Loading label="Loading credentials…" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No client credentials yet">
          <p>{canCreate ? 'Generate one to call an API from a script or a service as this person.' : 'None have been made.'}</p>
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <DataTable
          caption={heading}
          rows={items}
          rowKey={(item) => item.clientId}
          columns={[
            {
              header: 'Name',
              cell: (item) => (
                <>
                  {item.name}
                  {item.description ? <div className="hint">{item.description}</div> : null}
                </>
              ),
            },
            { header: 'Owner', cell: (item) => ownerLabel(item.ownerUserId) },
            {
              header: 'Audience + scopes',
              className: 'small-text',
              cell: (item) =>
                item.apiGrants.map((grant) => (
                  <div key={grant.audience}>
                    <span className="mono">{grant.audience}</span>: <span className="mono">{grant.scopes.join(' ')}</span>
                  </div>
                )),
            },
            { header: 'Client ID', className: 'mono small-text break', cell: (item) => item.clientId },
            {
              header: 'Created',
              className: 'small-text',
              cell: (item) => (
                <>
                  {formatTime(item.createdAt)}
                  {item.createdBy ? <div className="hint">by {item.createdBy}</div> : null}
                </>
              ),
            },
            {
              header: 'Actions',
              hideHeader: true,
              cell: (item) =>
                (item.ownerUserId === session.user.id && org.can('credentials:create_own')) || canManage ? (
                  <div className="button-row">
                    <button type="button" className="small" onClick={() => setRotating(item)} aria-label={`Rotate the secret of ${item.name}`}>
                      Rotate secret
                    </button>
                    <ConfirmAction
                      label="Delete"
                      ariaLabel={`Delete ${item.name}`}
                      title="Delete these client credentials?"
                      confirmLabel="Delete credentials"
                      danger
                      onConfirm={async () => {
                        await api('DELETE', `/credentials/${encodeURIComponent(item.clientId)}`);
                        list.reload();
                      }}
                    >
                      <p>
                        <strong>{item.name}</strong> (<span className="mono">{item.clientId}</span>) stops working at once: no new tokens are issued with it.
                      </p>
                    </ConfirmAction>
                  </div>
                ) : null,
            },
          ]}
        />
      ) : null}
      <CreateCredentialDialog
        open={creating}
        onClose={() => {
          setCreating(false);
          list.reload();
        }}
        apis={apis.data?.items ?? []}
        members={members.data?.items ?? []}
        fixedOwner={userId}
        chooseOwner={chooseOwner && canManage}
      />
      <RotateSecretDialogs path={rotating ? `/credentials/${encodeURIComponent(rotating.clientId)}/secret/rotate` : null} onClose={() => setRotating(null)}>
        <p>
          <strong>{rotating?.name}</strong> (<span className="mono">{rotating?.clientId}</span>)
          {rotating && rotating.ownerUserId !== session.user.id ? `, which belongs to ${ownerLabel(rotating.ownerUserId)}` : ''}.
        </p>
      </RotateSecretDialogs>
    </section>
  );
}

function CreateCredentialDialog({
  open,
  onClose,
  apis,
  members,
  fixedOwner,
  chooseOwner,
}: {
  open: boolean;
  onClose: () => void;
  apis: Api[];
  members: Member[];
  fixedOwner: string | undefined;
  chooseOwner: boolean;
}) {
  const org = useOrg();
  const { session } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [owner, setOwner] = useState(fixedOwner ?? session.user.id);
  const [pairs, setPairs] = useState<Pair[]>([{ audience: '', scope: '' }]);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<AppWithSecret | null>(null);
  const [busy, setBusy] = useState(false);
  // The pairs are grouped into apiGrants when sent: any change of them drops every apiGrants problem.
  const errors = useServerProblems(error, { name, description, userId: owner, apiGrants: JSON.stringify(pairs) });
  const changePairs = (next: Pair[]) => {
    setPairs(next);
    if (error instanceof LocalProblem) setError(null);
  };

  const reset = () => {
    setName('');
    setDescription('');
    setPairs([{ audience: '', scope: '' }]);
    setError(null);
    setCreated(null);
    setOwner(fixedOwner ?? session.user.id);
  };
  const close = () => {
    reset();
    onClose();
  };

  /** Pairs become audience + scopes grants; the row of each scope is kept to place the server's errors. */
  const grants = () => {
    const byAudience: { audience: string; scopes: string[]; rows: number[] }[] = [];
    pairs.forEach((pair, index) => {
      if (!pair.audience) return;
      let grant = byAudience.find((candidate) => candidate.audience === pair.audience);
      if (!grant) {
        grant = { audience: pair.audience, scopes: [], rows: [] };
        byAudience.push(grant);
      }
      if (pair.scope && !grant.scopes.includes(pair.scope)) {
        grant.scopes.push(pair.scope);
        grant.rows.push(index);
      }
    });
    return byAudience;
  };

  const pairError = (index: number): string | undefined => {
    const grouped = grants();
    for (const [grantIndex, grant] of grouped.entries()) {
      const scopeIndex = grant.rows.indexOf(index);
      const message =
        (scopeIndex >= 0 ? firstFor(errors, `apiGrants[${grantIndex}].scopes[${scopeIndex}]`) : undefined) ??
        (grant.rows[0] === index ? (firstFor(errors, `apiGrants[${grantIndex}].audience`) ?? firstFor(errors, `apiGrants[${grantIndex}].scopes`)) : undefined);
      if (message) return message;
    }
    return undefined;
  };

  const generate = async () => {
    const grouped = grants();
    const local: { field: string; message: string }[] = [];
    if (name.trim() === '') local.push({ field: 'name', message: 'must not be empty' });
    if (grouped.length === 0 || grouped.every((grant) => grant.scopes.length === 0))
      local.push({ field: 'apiGrants', message: 'choose at least one audience and scope' });
    pairs.forEach((pair, index) => {
      if (pair.audience && !pair.scope) local.push({ field: `pairs[${index}]`, message: 'choose a scope of this API' });
    });
    if (local.length > 0) {
      setError(new LocalProblem(local));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = {
        name: name.trim(),
        description,
        ...(owner !== session.user.id ? { userId: owner } : {}),
        apiGrants: grouped.map((grant) => ({ audience: grant.audience, scopes: grant.scopes })),
      };
      setCreated(await api<AppWithSecret>('POST', `/orgs/${encodeURIComponent(org.slug)}/credentials`, body));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const localErrors = error instanceof LocalProblem ? error.problems : [];
  const ownerMember = members.find((member) => member.userId === owner);

  return (
    <Dialog open={open} title={created ? 'Your new client credential' : 'Generate OAuth 2.0 client credential'} onClose={close} dismissible={!busy} wide>
      {created ? (
        <>
          <CopyField label="Client ID" value={created.clientId} />
          <CopyField label="Client secret" value={created.clientSecret ?? ''} secret testId="credential-secret" />
          <Notice kind="warning" title="Copy the secret now: you can't retrieve it again after you close this dialog.">
            {owner !== session.user.id
              ? `These credentials belong to ${ownerMember?.email ?? 'the member'}. Deliver them securely: in person, by phone, or through a secure channel, never in a plain email.`
              : 'Store it in a safe place, such as your secret manager.'}
          </Notice>
          <TokenRequest issuer={session.issuer} credential={created} />
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={close}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void generate();
          }}
        >
          {chooseOwner ? (
            <Select
              label="For"
              value={owner}
              onChange={setOwner}
              options={members.map((member) => ({
                value: member.userId,
                label: `${member.name || member.email} <${member.email}>${member.userId === session.user.id ? ' (you)' : ''}`,
              }))}
              hint="An admin may make credentials for another member; they belong to that member."
              error={firstFor(errors, 'userId')}
            />
          ) : fixedOwner && fixedOwner !== session.user.id ? (
            <p>
              For <strong>{ownerMember?.email ?? fixedOwner}</strong>
            </p>
          ) : null}
          <TextField label="Name" value={name} onChange={setName} required error={firstFor([...localErrors, ...errors], 'name')} />
          <TextField
            label="Description"
            value={description}
            onChange={setDescription}
            error={firstFor(errors, 'description')}
            hint="What the credential is for."
          />
          <fieldset>
            <legend>Audience and scope</legend>
            <p className="hint">The URI of the API this credential may call, and one scope of it per row.</p>
            {apis.length === 0 ? <p className="field-error">This organization has no APIs yet: register one under APIs first.</p> : null}
            {pairs.map((pair, index) => {
              const api = apis.find((candidate) => candidate.identifier === pair.audience);
              const rowError = firstFor(localErrors, `pairs[${index}]`) ?? pairError(index);
              return (
                <div className={`pair-row${rowError ? ' has-error' : ''}`} key={index}>
                  <Select
                    label={`Audience ${index + 1}`}
                    value={pair.audience}
                    onChange={(audience) => changePairs(pairs.map((item, at) => (at === index ? { audience, scope: '' } : item)))}
                    options={[{ value: '', label: 'Choose an API' }, ...apis.map((item) => ({ value: item.identifier, label: item.identifier }))]}
                  />
                  <Select
                    label={`Scope ${index + 1}`}
                    value={pair.scope}
                    disabled={!api}
                    onChange={(scope) => changePairs(pairs.map((item, at) => (at === index ? { ...item, scope } : item)))}
                    options={[
                      { value: '', label: api ? 'Choose a scope' : 'Choose an API first' },
                      ...(api?.scopes ?? []).map((scope) => ({
                        value: scope.name,
                        label: `${scope.name}${scope.description ? `: ${scope.description}` : ''}`,
                      })),
                    ]}
                  />
                  {pairs.length > 1 ? (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Remove audience and scope ${index + 1}`}
                      onClick={() => changePairs(pairs.filter((_, at) => at !== index))}
                    >
                      Remove
                    </button>
                  ) : null}
                  {rowError ? (
                    <div className="field-error" role="alert">
                      {rowError}
                    </div>
                  ) : null}
                </div>
              );
            })}
            <button type="button" className="small" onClick={() => changePairs([...pairs, { audience: '', scope: '' }])}>
              + Another scope
            </button>
            {firstFor([...localErrors, ...errors], 'apiGrants') ? (
              <div className="field-error" role="alert">
                {firstFor([...localErrors, ...errors], 'apiGrants')}
              </div>
            ) : null}
          </fieldset>
          {error && !(error instanceof LocalProblem) ? (
            <ErrorSummary
              error={error}
              title="The credential was not generated"
              problems={errors}
              labels={{ userId: 'For', apiGrants: 'Audience and scope', 'apiGrants[]': 'Audience {n}' }}
            />
          ) : null}
          <div className="dialog-actions">
            <button type="button" onClick={close} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Generating…' : 'Generate'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** The client credentials request these credentials make, as curl: one per audience they may ask for. */
function TokenRequest({ issuer, credential }: { issuer: string; credential: App }) {
  const commands = credential.apiGrants.map((grant) => ({ audience: grant.audience, code: clientCredentialsCurl(issuer, credential, grant) }));
  return (
    <div className="snippets">
      <h3>Token request</h3>
      <p className="hint">
        Set <span className="mono">CLIENT_SECRET</span> to the secret above, then POST the client credentials grant to the token endpoint with one audience and
        the scopes it may have:
      </p>
      {commands.map((command) => (
        <div key={command.audience}>
          <div className="snippet-header">
            <span className="hint mono break">{command.audience}</span>
            <CopyButton text={command.code} what={`the token request for ${command.audience}`} />
          </div>
          <pre className="snippet" tabIndex={0} aria-label={`Token request for ${command.audience}`} data-testid="credential-token-request">
            <code>{command.code}</code>
          </pre>
        </div>
      ))}
    </div>
  );
}

class LocalProblem extends Error {
  readonly problems: { field: string; message: string }[];
  constructor(problems: { field: string; message: string }[]) {
    super('Check the fields marked below');
    this.problems = problems;
  }
}
