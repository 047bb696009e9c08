import { join } from 'node:path';
import { spawnNode, waitForHttp } from '../children.js';
import { compileServer } from '../compile.js';
import { benchApis, benchUser, lifetimes, redirectUri } from '../fixtures.js';
import { benchDir } from '../paths.js';
import { discoverEndpoints, type Target } from '../target.js';
import type { PeerConfig } from './config.js';

/** Starts oidc-provider (bench/peer/server.ts, compiled to plain JavaScript) as its own process. */
export async function startPeer(port: number, logDir: string): Promise<Target> {
  const origin = `http://127.0.0.1:${port}`;
  const config: PeerConfig = {
    port,
    issuer: origin,
    m2m: { clientId: 'bench-m2m', clientSecret: 'bench-m2m-secret-0123456789abcdef0123456789' },
    web: { clientId: 'bench-web', clientSecret: 'bench-web-secret-0123456789abcdef0123456789', redirectUri },
    resources: benchApis.map(({ identifier, scope, format, alg }) => ({ identifier, scope, format, alg })),
    user: { id: 'alice', email: benchUser.email, name: benchUser.name },
    ttl: lifetimes,
  };
  const script = compileServer(join(benchDir, 'peer', 'server.ts'));
  const child = spawnNode({
    args: [script],
    env: { PEER_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    logFile: join(logDir, 'oidc-provider.log'),
  });
  await waitForHttp(`${origin}/.well-known/openid-configuration`, child);
  return {
    kind: 'peer',
    label: 'oidc-provider',
    origin,
    child,
    m2m: config.m2m,
    web: { clientId: config.web.clientId, clientSecret: config.web.clientSecret },
    audienceParameter: 'resource',
    // oidc-provider honours offline_access only with prompt=consent (OIDC Core §11).
    offlineParameters: { prompt: 'consent' },
    sessionCookieNames: ['_session', '_session.sig'],
    endpoints: await discoverEndpoints(origin),
  };
}
