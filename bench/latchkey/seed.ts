import { Writable } from 'node:stream';
import { operatorActor } from '../../src/domain/access/actor.js';
import { loadConfig, formatConfigProblems } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { benchApis, benchUser, redirectUri, signInUsers, type ClientCredentials } from '../fixtures.js';

export interface LatchkeySeed {
  m2m: ClientCredentials;
  web: ClientCredentials;
  userId: string;
}

/** The configuration `latchkey start` would build from these variables, rooted in `dir`. */
export function latchkeyConfig(dir: string, env: Record<string, string>): Config {
  const loaded = loadConfig({ env, cwd: dir });
  if (!loaded.ok) throw new Error(formatConfigProblems(loaded.problems));
  return loaded.config;
}

const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });

/** Latchkey's runtime in this process (migrations, keys), for seeding and the sweeper; logs go nowhere. */
export function openLatchkeyRuntime(dir: string, env: Record<string, string>): Promise<Runtime> {
  const config = latchkeyConfig(dir, env);
  return openRuntime({ config, logger: createLogger({ level: 'warn', destination: quiet }), cwd: dir, migrate: true });
}

/** Creates, through Latchkey's own domain, the user, the three APIs and the two apps the scenarios use. */
export async function seedLatchkey(dir: string, env: Record<string, string>): Promise<LatchkeySeed> {
  const runtime = await openLatchkeyRuntime(dir, env);
  try {
    const { registry } = runtime;
    const context = { actor: operatorActor };
    const orgId = (await registry.orgs.get(context, 'default')).id;
    const user = await registry.users.create(context, { ...benchUser, emailVerified: true });
    // The bench app is private to the organization, as apps are by default: its users are members.
    await registry.orgs.putMember(context, 'default', { userId: user.id, role: 'viewer' });
    for (const person of signInUsers) {
      const created = await registry.users.create(context, { ...person, emailVerified: true });
      await registry.orgs.putMember(context, 'default', { userId: created.id, role: 'viewer' });
    }
    for (const api of benchApis) {
      await registry.apis.create(context, orgId, {
        identifier: api.identifier,
        name: `Bench ${api.key}`,
        scopes: [{ name: api.scope, description: `Read ${api.key}` }],
        allowOfflineAccess: true,
        tokenFormat: api.format,
        signingAlgorithm: api.alg,
      });
    }
    const m2m = await registry.apps.create(context, orgId, {
      type: 'm2m',
      name: 'Bench m2m',
      status: 'active',
      apiGrants: benchApis.map((api) => ({ audience: api.identifier, scopes: [api.scope] })),
    });
    const web = await registry.apps.create(context, orgId, {
      type: 'web',
      name: 'Bench web',
      status: 'active',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access', ...benchApis.map((api) => api.scope)],
      security: { firstParty: true },
    });
    if (!m2m.clientSecret || !web.clientSecret) throw new Error('the bench apps got no client secret');
    return {
      m2m: { clientId: m2m.app.clientId, clientSecret: m2m.clientSecret },
      web: { clientId: web.app.clientId, clientSecret: web.clientSecret },
      userId: user.id,
    };
  } finally {
    await runtime.close();
  }
}
