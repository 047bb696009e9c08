import { useId, useState } from 'react';
import { quickstartFor, type Snippet } from '@contracts/quickstart';
import { CopyButton, CopyField, Notice } from '../../components/ui';
import { useSession } from '../../lib/session';
import { useApp } from './context';

/** "Quickstart": the endpoints this app uses and code to run its flow, filled in (never a secret). */
export function QuickstartTab() {
  const { app } = useApp();
  const { session } = useSession();
  const quickstart = quickstartFor(session.issuer, {
    type: app.type,
    clientId: app.clientId,
    redirectUris: app.redirectUris,
    scopes: app.scopes,
    apiGrants: app.apiGrants,
    grantTypes: app.grantTypes,
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
  });
  return (
    <>
      <section className="card" aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        <p className="hint">
          Most libraries need only the issuer or the discovery URL: they read every other endpoint from it. These are the ones this app uses.
        </p>
        <div className="endpoint-list">
          {quickstart.endpoints.map((endpoint) => (
            <CopyField key={endpoint.id} label={endpoint.label} value={endpoint.url} />
          ))}
        </div>
      </section>
      <section className="card" aria-labelledby="quickstart-heading">
        <h2 id="quickstart-heading">Quickstart</h2>
        <p>{quickstart.flow}</p>
        {quickstart.secretNote ? <Notice title="The secret is not in these snippets">{quickstart.secretNote}</Notice> : null}
        {/* Device apps may have redirect URIs, but their flow (and snippets) use none. */}
        {app.redirectUris.length === 0 && app.type !== 'm2m' && app.type !== 'device' ? (
          <Notice kind="warning" title="This app has no redirect URI yet">
            The snippets use an example; add your callback URL on the Basic info tab.
          </Notice>
        ) : null}
        {app.type === 'm2m' && app.apiGrants.length === 0 ? (
          <Notice kind="warning" title="This app may not call any API yet">
            Choose an audience and scopes on the OAuth & scopes tab, then the snippets ask for them.
          </Notice>
        ) : null}
        <Snippets snippets={quickstart.snippets} />
      </section>
    </>
  );
}

function Snippets({ snippets }: { snippets: Snippet[] }) {
  const [chosen, setChosen] = useState(snippets[0]?.id ?? 'curl');
  const snippet = snippets.find((candidate) => candidate.id === chosen) ?? snippets[0];
  const codeId = useId();
  if (!snippet) return null;
  return (
    <div className="snippets">
      <div className="segmented" role="group" aria-label="Language or library">
        {snippets.map((candidate) => (
          <button
            key={candidate.id}
            type="button"
            className="small"
            aria-pressed={candidate.id === snippet.id}
            aria-controls={codeId}
            onClick={() => setChosen(candidate.id)}
          >
            {candidate.label}
          </button>
        ))}
      </div>
      <div className="snippet-header">
        <span className="hint">{snippet.label}</span>
        <CopyButton text={snippet.code} what={`the ${snippet.label} snippet`} />
      </div>
      <pre className="snippet" id={codeId} tabIndex={0} aria-label={`${snippet.label} snippet`} data-testid={`snippet-${snippet.id}`}>
        <code>{snippet.code}</code>
      </pre>
    </div>
  );
}
