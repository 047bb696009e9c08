import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { checkIssuerTransport, loadConfig, formatConfigProblems } from '../../src/config/load.js';
import { paths } from '../../src/contracts/paths.js';
import { dockerfileInstructions, dockerfileRunEnv, filesUnder, repoRoot, settingEnvNames } from '../support/deploy.js';
import { temporaryDirectory } from '../support/server.js';

// The Dockerfile and the files under deploy/ configure Latchkey only through LATCHKEY_* variables.
// A name the schema does not know is silently ignored by the server, so a typo (or a setting that
// was renamed) would ship a deployment that runs with the default instead: these tests catch it.

type Tree = Record<string, unknown>;

const validNames = settingEnvNames();
const cwd = temporaryDirectory('latchkey-deploy-');
after(() => cwd.remove());

// PostgreSQL's default max_connections; docs/deployment.md sizes pools against it.
const postgresMaxConnections = 100;
// A value that satisfies `secret` (at least 32 characters), for the placeholders operators replace.
const testSecret = 'a-test-secret-that-is-long-enough-0123456789';

function read(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

function assertSettings(names: Iterable<string>, where: string): void {
  const unknown = [...names].filter((name) => name.startsWith('LATCHKEY_') && !validNames.has(name));
  assert.deepEqual(unknown, [], `${where} sets LATCHKEY_* names that are no setting (see docs/configuration.md)`);
}

/** Loads the configuration the way the server does from this environment, and fails with its problems. */
function assertLoads(env: Record<string, string>, where: string) {
  const loaded = loadConfig({ env, cwd: cwd.path });
  assert.ok(loaded.ok, `${where}: ${loaded.ok ? '' : formatConfigProblems(loaded.problems)}`);
  assert.deepEqual(checkIssuerTransport(loaded.config, loaded.origins).problems, [], `${where}: the issuer is refused`);
  return loaded.config;
}

function isMapping(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(tree: unknown, ...path: (string | number)[]): unknown {
  let node = tree;
  for (const segment of path) node = isMapping(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

function stringMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((item) => String(item).split(/=(.*)/s).slice(0, 2) as [string, string]));
  }
  assert.ok(isMapping(value), 'expected a mapping of variables');
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => {
      if (item === null) return [name, ''];
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') assert.fail(`${name} must be a scalar`);
      return [name, String(item)];
    }),
  );
}

test('every LATCHKEY_* name mentioned in the Dockerfile, under deploy/ or in the deployment guide is a setting', () => {
  for (const file of ['Dockerfile', ...filesUnder('deploy'), 'docs/deployment.md']) {
    assertSettings(read(file).match(/\bLATCHKEY_[A-Z0-9_]+/g) ?? [], file);
  }
});

describe('Dockerfile', () => {
  const instructions = dockerfileInstructions();
  const env = dockerfileRunEnv(instructions);
  const run = instructions.filter((entry) => entry.stage === Math.max(...instructions.map((item) => item.stage)));

  test('its run stage sets only settings, and they load: 0.0.0.0:3000 and SQLite on the /data volume', () => {
    assertSettings(Object.keys(env), 'Dockerfile ENV');
    const config = assertLoads(env, 'Dockerfile ENV');
    assert.equal(config.listen.host, '0.0.0.0');
    assert.equal(config.listen.port, 3000);
    assert.equal(config.database.url, 'sqlite:/data/latchkey.db');
    assert.equal(config.dataDir, '/data');
    assert.equal(env.NODE_ENV, 'production');
  });

  test('it is multi-stage and runs as a non-root user, with /data a volume and a health check on /healthz', () => {
    assert.ok(run[0]!.stage > 0, 'expected a build stage before the run stage');
    const user = run.filter((entry) => entry.instruction === 'USER').at(-1)?.args;
    assert.ok(user && !/^(0|root)(:|$)/.test(user), `USER ${user ?? '(unset)'} runs as root`);
    assert.ok(
      run.some((entry) => entry.instruction === 'VOLUME' && entry.args.includes('/data')),
      'VOLUME /data',
    );
    assert.ok(
      run.some((entry) => entry.instruction === 'EXPOSE' && entry.args.split(/\s+/).includes(String(env.LATCHKEY_LISTEN_PORT))),
      'EXPOSE the listen port',
    );
    const healthcheck = run.find((entry) => entry.instruction === 'HEALTHCHECK');
    assert.ok(healthcheck?.args.includes(paths.healthz), 'HEALTHCHECK on /healthz');
    // The run stage installs nothing of its own: only the build stage runs npm.
    assert.ok(!run.some((entry) => entry.instruction === 'RUN' && /\bnpm\b/.test(entry.args)));
    const productionInstall = instructions.find((entry) => entry.instruction === 'RUN' && entry.args.includes('--omit=dev'));
    assert.ok(productionInstall, 'production dependencies are installed with --omit=dev');
  });

  test('.dockerignore keeps local state, host build output and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['.git', '**/node_modules', 'dist', 'data', '.env']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as Tree;
  const services = compose.services as Record<string, Tree>;
  // Variables compose reads from deploy/.env, as .env.example has them, the placeholders filled in.
  const dotenv: Record<string, string> = {};
  for (const line of read('deploy/.env.example').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) dotenv[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  const filled = Object.fromEntries(Object.entries(dotenv).map(([name, value]) => [name, value === 'REPLACE_ME' ? testSecret : value]));

  /** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` (https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/). */
  function interpolate(value: string, vars: Record<string, string>): string {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_match, name: string, operator: string | undefined, operand: string) => {
      const given = vars[name];
      const missing = operator?.startsWith(':') ? !given : given === undefined;
      if (!missing) return given!;
      if (operator?.endsWith('?')) throw new Error(`compose would refuse to start: ${name}: ${operand}`);
      return operator ? operand : '';
    });
  }

  const latchkeyServices = Object.entries(services).filter(([, service]) => at(service, 'build', 'dockerfile') === 'Dockerfile');
  const environmentOf = (service: Tree) =>
    Object.fromEntries(Object.entries(stringMap(service.environment)).map(([name, value]) => [name, interpolate(value, filled)]));

  test('the Latchkey services set only settings, and they load with the filled-in .env.example', () => {
    assert.ok(latchkeyServices.length >= 3, 'migrate and two nodes');
    for (const [name, service] of latchkeyServices) {
      assertSettings(Object.keys(stringMap(service.environment)), `service ${name}`);
      const config = assertLoads(environmentOf(service), `service ${name}`);
      assert.match(config.database.url, /^postgres:\/\/[^@]+@postgres:5432\//);
      assert.ok(config.issuer.startsWith('https://'));
      assert.equal(config.http.trustProxy, true);
    }
  });

  test('.env.example placeholders do not start a server: the secret is too short until replaced', () => {
    const [, service] = latchkeyServices[0]!;
    const env = Object.fromEntries(Object.entries(stringMap(service.environment)).map(([name, value]) => [name, interpolate(value, dotenv)]));
    const loaded = loadConfig({ env, cwd: cwd.path });
    assert.ok(!loaded.ok && loaded.problems.some((problem) => problem.key === 'secret'));
  });

  test('one service migrates once; two nodes start after it succeeded, on pools PostgreSQL can hold', () => {
    const migrators = latchkeyServices.filter(([, service]) => JSON.stringify(service.command) === '["migrate"]');
    assert.equal(migrators.length, 1);
    const [migrator, migrateService] = migrators[0]!;
    assert.equal(migrateService.restart, 'no');
    assert.equal(at(migrateService, 'depends_on', 'postgres', 'condition'), 'service_healthy');
    const nodes = latchkeyServices.filter(([, service]) => service.command === undefined);
    assert.ok(nodes.length >= 2, 'two nodes run the image default command (start)');
    for (const [name, node] of nodes) {
      assert.equal(at(node, 'depends_on', migrator, 'condition'), 'service_completed_successfully', `${name} waits for ${migrator}`);
      assert.equal(environmentOf(node).LATCHKEY_DATABASE_MIGRATE_ON_START, undefined, `${name} leaves migrations to ${migrator}`);
    }
    const poolSize = Number(environmentOf(nodes[0]![1]).LATCHKEY_DATABASE_POOL_SIZE ?? 10);
    assert.ok(nodes.length * poolSize + 1 < postgresMaxConnections);
  });

  test('the proxy terminates TLS for the issuer, balances over every node and keeps /metrics private', () => {
    const proxy = Object.values(services).find((service) => String(service.image).startsWith('caddy:'));
    assert.ok(proxy, 'a Caddy service');
    const caddyfile = read('deploy/Caddyfile');
    const issuerHost = new URL(environmentOf(latchkeyServices[0]![1]).LATCHKEY_ISSUER!).host;
    const siteAddress = interpolate(String(stringMap(proxy.environment).SITE_ADDRESS), filled);
    assert.equal(siteAddress, issuerHost);
    assert.ok((proxy.ports as string[]).some((port) => port.endsWith(`:${issuerHost.split(':')[1] ?? '443'}`)));
    const blocked = /@internal path ([^\n]+)\n\s*respond @internal 404/.exec(caddyfile)?.[1]?.split(/\s+/) ?? [];
    for (const path of [paths.metrics, paths.healthz, paths.readyz]) assert.ok(blocked.includes(path), `the proxy answers ${path} with 404`);
    const upstreams = /reverse_proxy ([^{]+)\{/.exec(caddyfile)?.[1]?.trim().split(/\s+/) ?? [];
    const nodes = latchkeyServices.filter(([, service]) => service.command === undefined).map(([name]) => `${name}:3000`);
    assert.deepEqual(upstreams.sort(), nodes.sort());
    assert.match(caddyfile, new RegExp(`health_uri ${paths.readyz}\\n`));
  });
});

describe('deploy/kubernetes', () => {
  const dir = 'deploy/kubernetes';
  const kustomization = parse(read(`${dir}/kustomization.yaml`)) as Tree;
  const resources = kustomization.resources as string[];
  const objects: Tree[] = resources.flatMap((file) =>
    parseAllDocuments(read(`${dir}/${file}`)).map((document) => {
      assert.deepEqual(document.errors, [], `${file} is valid YAML`);
      return document.toJS() as Tree;
    }),
  );
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const one = (kind: string) => {
    const found = byKind(kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0]!;
  };
  const name = (object: Tree) => String(at(object, 'metadata', 'name'));
  const configMap = one('ConfigMap');
  const secret = one('Secret');
  const deployment = one('Deployment');
  const job = one('Job');
  const podEnv = (secretValues: Record<string, string>) => ({ ...stringMap(configMap.data), ...secretValues });
  const secretValues = stringMap(secret.stringData);

  test('kustomization.yaml lists every manifest in the directory, and each exists', () => {
    for (const file of resources) assert.ok(existsSync(join(repoRoot, dir, file)), file);
    const manifests = filesUnder(dir)
      .map((file) => file.slice(dir.length + 1))
      .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    assert.deepEqual([...manifests].sort(), [...resources].sort());
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret', 'Job', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) one(kind);
  });

  test('the ConfigMap and Secret set only settings, and they load once the placeholders are replaced', () => {
    assertSettings(Object.keys(stringMap(configMap.data)), 'ConfigMap');
    assertSettings(Object.keys(secretValues), 'Secret');
    for (const workload of [deployment, job]) {
      for (const container of at(workload, 'spec', 'template', 'spec', 'containers') as Tree[]) {
        assertSettings(
          ((container.env as Tree[] | undefined) ?? []).map((entry) => String(entry.name)),
          `${name(workload)} container ${String(container.name)}`,
        );
        const refs = (container.envFrom as Tree[]).map((entry) => String(at(entry, 'configMapRef', 'name') ?? at(entry, 'secretRef', 'name')));
        assert.deepEqual(refs.sort(), [name(configMap), name(secret)].sort());
      }
    }
    const replaced = Object.fromEntries(
      Object.entries(secretValues).map(([key, value]) => [key, value.replace('REPLACE_ME', key === 'LATCHKEY_SECRET' ? testSecret : 'password')]),
    );
    const config = assertLoads(podEnv(replaced), 'ConfigMap + Secret');
    assert.ok(config.database.url.startsWith('postgres://'));
    assert.equal(config.database.migrateOnStart, false);
    assert.equal(config.http.trustProxy, true);
  });

  test('the placeholder Secret does not start a server: its secret is too short until replaced', () => {
    assert.ok(
      Object.values(secretValues).every((value) => value.includes('REPLACE_ME')),
      'every Secret value is a marked placeholder',
    );
    const loaded = loadConfig({ env: podEnv(secretValues), cwd: cwd.path });
    assert.ok(!loaded.ok && loaded.problems.some((problem) => problem.key === 'secret'));
  });

  test('the Deployment probes /healthz for liveness and /readyz for readiness on the port it listens on, as non-root', () => {
    const pod = at(deployment, 'spec', 'template', 'spec') as Tree;
    const [container] = pod.containers as Tree[];
    const port = (container!.ports as Tree[])[0]!;
    assert.equal(String(port.containerPort), stringMap(configMap.data).LATCHKEY_LISTEN_PORT);
    assert.equal(at(container, 'livenessProbe', 'httpGet', 'path'), paths.healthz);
    assert.equal(at(container, 'readinessProbe', 'httpGet', 'path'), paths.readyz);
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) assert.equal(at(container, probe, 'httpGet', 'port'), port.name);
    assert.equal(at(pod, 'securityContext', 'runAsNonRoot'), true);
    const imageUser = dockerfileInstructions()
      .filter((entry) => entry.instruction === 'USER')
      .at(-1)!
      .args.split(':')[0];
    assert.equal(String(at(pod, 'securityContext', 'runAsUser')), imageUser);
  });

  test('the Service, PodDisruptionBudget and autoscaler select the Deployment; the Job runs migrate', () => {
    const templateLabels = at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    const selects = (selector: unknown, what: string) => {
      assert.ok(isMapping(selector) && Object.keys(selector).length > 0, `${what} has a selector`);
      for (const [key, value] of Object.entries(selector)) assert.equal(templateLabels[key], value, `${what} selects ${key}=${String(value)}`);
    };
    selects(at(deployment, 'spec', 'selector', 'matchLabels'), 'Deployment');
    const service = one('Service');
    selects(at(service, 'spec', 'selector'), 'Service');
    const [container] = at(deployment, 'spec', 'template', 'spec', 'containers') as Tree[];
    assert.equal(at(service, 'spec', 'ports', 0, 'targetPort'), at(container, 'ports', 0, 'name'));
    selects(at(one('PodDisruptionBudget'), 'spec', 'selector', 'matchLabels'), 'PodDisruptionBudget');
    const hpa = one('HorizontalPodAutoscaler');
    assert.equal(at(hpa, 'spec', 'scaleTargetRef', 'name'), name(deployment));
    const poolSize = Number(stringMap(configMap.data).LATCHKEY_DATABASE_POOL_SIZE ?? 10);
    assert.ok(Number(at(hpa, 'spec', 'maxReplicas')) * poolSize + 1 < postgresMaxConnections, 'maxReplicas x pool size fits PostgreSQL');
    const [migrate] = at(job, 'spec', 'template', 'spec', 'containers') as Tree[];
    assert.deepEqual(migrate!.args, ['migrate']);
    assert.equal(migrate!.image, container!.image);
  });
});
