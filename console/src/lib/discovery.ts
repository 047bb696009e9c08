/**
 * What the server can do, as relying parties learn it: its discovery document (OpenID Connect
 * Discovery §3). The console reads optional features off it, such as `registration_endpoint`,
 * which is there only while `registration.enabled` is on.
 */

import { paths } from '@contracts/paths';

export interface ServerMetadata {
  issuer: string;
  registration_endpoint?: string;
  [name: string]: unknown;
}

let cached: Promise<ServerMetadata> | undefined;

export function loadServerMetadata(issuer: string): Promise<ServerMetadata> {
  cached ??= fetch(`${issuer.replace(/\/+$/, '')}${paths.openidConfiguration}`, { headers: { accept: 'application/json' } })
    .then(async (response) => {
      if (!response.ok) throw new Error(`the discovery document answered ${response.status}`);
      return (await response.json()) as ServerMetadata;
    })
    .catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
  return cached;
}
