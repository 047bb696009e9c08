import { createContext, useContext, useState } from 'react';
import { api } from '../../lib/api';
import { useServerProblems, type FieldErrors, type FieldLabels } from '../../lib/problems';
import type { App } from '../../lib/types';

export interface AppValue {
  app: App;
  setApp: (app: App) => void;
  reload: () => void;
  /** Whether you may change settings (apps:update, and not a built-in app). */
  canEdit: boolean;
  builtIn: boolean;
}

export const AppContext = createContext<AppValue | null>(null);

export function useApp(): AppValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside an app page');
  return value;
}

/**
 * Saving a tab: a PATCH of the fields it shows; the server checks every rule and saves nothing on a
 * problem. `values` are the tab's fields by API path: a field's problem goes once it is edited.
 */
export function useSaver(values: object = {}, labels: FieldLabels = {}) {
  const { app, setApp } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const errors: FieldErrors = useServerProblems(error, values, labels);
  const save = async (patch: Record<string, unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api<App>('PATCH', `/apps/${encodeURIComponent(app.clientId)}`, patch);
      setApp(updated);
      setSaved(true);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, errors, saved, save, setError, setSaved };
}
