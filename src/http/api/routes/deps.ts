import type { Registry } from '../../../domain/registry.js';

export interface ManagementApiDependencies {
  registry: Registry;
  /** The discovery document, for credential exports. */
  serverMetadata: Record<string, unknown>;
}

/** Resolves an `{org}` path parameter (id or name) to the organization id, if the caller has a role there. */
export async function orgIdOf(deps: ManagementApiDependencies, context: Parameters<Registry['orgs']['get']>[0], org: string): Promise<string> {
  return (await deps.registry.orgs.resolveVisible(context, org)).id;
}
