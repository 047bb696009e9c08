import { useState } from 'react';
import { get, messageOf } from '../lib/api';
import { downloadJson } from '../lib/format';

/** GET /apps/{clientId}/export as a file: client_id, issuer, endpoints, redirect URIs (never a secret). */
export function DownloadJsonButton({ clientId }: { clientId: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await get<Record<string, unknown>>(`/apps/${encodeURIComponent(clientId)}/export`);
      downloadJson(`latchkey-app-${clientId}.json`, data);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={() => void download()} disabled={busy}>
        Download JSON
      </button>
      {error ? (
        <span className="field-error" role="alert">
          The download failed: {error}
        </span>
      ) : null}
    </>
  );
}
