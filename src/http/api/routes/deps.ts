import type { Registry } from '../../../domain/registry.js';
import type { ResourceDirectory } from '../../../ports/directories.js';

export interface ManagementApiDependencies {
  registry: Registry;
  /** The discovery document, for credential exports. */
  serverMetadata: Record<string, unknown>;
  /** The APIs a consent names, to say what it allows in plain words. */
  resources: Pick<ResourceDirectory, 'getApi'>;
}

/** Resolves an `{org}` path parameter (id or name) to the organization id, if the caller has a role there. */
export async function orgIdOf(deps: ManagementApiDependencies, context: Parameters<Registry['orgs']['get']>[0], org: string): Promise<string> {
  return (await deps.registry.orgs.resolveVisible(context, org)).id;
}
