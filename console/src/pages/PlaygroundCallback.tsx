import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { findByState, savePending } from '../lib/playground-store';

/**
 * /console/playground/callback: the redirect URI of the flow playground. It hands the
 * authorization response back to the playground that started the flow (matched by state), through
 * the opener window when there is one, else through sessionStorage, and leaves.
 */
export function PlaygroundCallback() {
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const response = {
      code: params.get('code'),
      state: params.get('state'),
      iss: params.get('iss'),
      error: params.get('error'),
      errorDescription: params.get('error_description'),
      receivedAt: Date.now(),
    };
    const flow = findByState(response.state);
    if (!flow) {
      setProblem(
        response.state
          ? 'No playground in this browser tab is waiting for this response (its state matches none). Start the flow again from the app’s Playground tab.'
          : 'This page receives authorization responses for the playground, and this one has no state.',
      );
      return;
    }
    savePending({ ...flow, response });
    if (window.opener && window.opener !== window) {
      try {
        (window.opener as Window).postMessage({ type: 'latchkey-playground', clientId: flow.request.clientId }, window.location.origin);
        window.close();
        return;
      } catch {
        // fall through to this window
      }
    }
    // The code leaves the address bar and the history: replace, don't push.
    // Under BrowserRouter navigate is synchronous; only a data router returns a promise.
    void navigate(`/orgs/${encodeURIComponent(flow.request.org)}/apps/${encodeURIComponent(flow.request.clientId)}/playground`, { replace: true });
  }, [navigate]);
  return (
    <main className="centered" id="main">
      {problem ? (
        <>
          <h1>Playground callback</h1>
          <p role="alert">{problem}</p>
          <Link to="/">Go to the console</Link>
        </>
      ) : (
        <p role="status">Returning to the playground…</p>
      )}
    </main>
  );
}
