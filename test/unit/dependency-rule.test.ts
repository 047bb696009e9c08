import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/** Packages the core may use: pure libraries, not adapters (no HTTP framework, SQL, logger, filesystem). */
// @zxcvbn-ts/language-common is data only: the common-password list the password rule checks against.
// otplib (RFC 6238) and @simplewebauthn/server (WebAuthn) are pure verification logic, like jose.
const allowedPackages = new Set(['jose', 'zod', '@zxcvbn-ts/language-common', 'otplib', '@simplewebauthn/server', 'node:crypto', 'node:buffer', 'node:util']);
/** Folders of src/ the core may import from. */
const allowedFolders = ['protocol', 'domain', 'ports', 'shared', 'contracts'];
/**
 * What the server, the CLI and the console share (src/contracts) depends on nothing of the
 * server's layers: only zod, src/shared and itself, so the console can bundle it.
 */
const contractsPackages = new Set(['zod']);
const contractsFolders = ['contracts', 'shared'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function importsIn(text: string): string[] {
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g,
    /import\(\s*['"]([^'"]+)['"]\s*\)/g,
    /(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!));
}

/** The imports of a file (given its path and text) that break the rule of its layer. */
function violationsIn(file: string, text: string, rule = { packages: allowedPackages, folders: allowedFolders }): string[] {
  return importsIn(text).filter((specifier) => {
    if (!specifier.startsWith('.')) return !rule.packages.has(specifier);
    const target = relative(src, resolve(dirname(file), specifier));
    return target.startsWith('..') || !rule.folders.includes(target.split(/[\\/]/)[0] ?? '');
  });
}

test('src/protocol and src/domain import only ports, shared, contracts, each other and pure libraries', () => {
  const violations = ['protocol', 'domain'].flatMap((layer) =>
    sourceFiles(join(src, layer)).flatMap((file) =>
      violationsIn(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(root, file)} imports ${specifier}`),
    ),
  );
  assert.deepEqual(violations, []);
});

test('the dependency check flags adapter imports: Fastify, Kysely, pino, storage, fs', () => {
  const probe = [
    "import Fastify from 'fastify';",
    "import { sql } from 'kysely';",
    "import type { Logger } from 'pino';",
    "import '../storage/sql/database.js';",
    "export { thing } from '../http/app.js';",
    "const fs = await import('node:fs');",
    "import { base64url } from '../shared/encoding.js';",
    "import type { Clock } from '../ports/clock.js';",
    "import { SignJWT } from 'jose';",
  ].join('\n');
  assert.deepEqual(violationsIn(join(src, 'protocol', 'probe.ts'), probe).sort(), [
    '../http/app.js',
    '../storage/sql/database.js',
    'fastify',
    'kysely',
    'node:fs',
    'pino',
  ]);
});

test('src/contracts imports only zod, src/shared and itself', () => {
  const rule = { packages: contractsPackages, folders: contractsFolders };
  const violations = sourceFiles(join(src, 'contracts')).flatMap((file) =>
    violationsIn(file, readFileSync(file, 'utf8'), rule).map((specifier) => `${relative(root, file)} imports ${specifier}`),
  );
  assert.deepEqual(violations, []);
});

test('the contracts check flags any layer of the server', () => {
  const probe = [
    "import { z } from 'zod';",
    "import { randomId } from '../shared/random.js';",
    "import { roles } from './permissions.js';",
    "import type { AppRecord } from '../ports/app-repositories.js';",
    "import { DomainError } from '../domain/errors.js';",
    "import { SignJWT } from 'jose';",
  ].join('\n');
  assert.deepEqual(violationsIn(join(src, 'contracts', 'probe.ts'), probe, { packages: contractsPackages, folders: contractsFolders }).sort(), [
    '../domain/errors.js',
    '../ports/app-repositories.js',
    'jose',
  ]);
});

test('the console imports of the server only src/contracts, through @contracts', () => {
  const consoleSrc = join(root, 'console', 'src');
  const files = readdirSync(consoleSrc, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
  const violations = files.flatMap((file) =>
    importsIn(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.startsWith('.') && relative(consoleSrc, resolve(dirname(file), specifier)).startsWith('..'))
      .map((specifier) => `${relative(root, file)} imports ${specifier}`),
  );
  assert.deepEqual(violations, []);
  assert.ok(
    files.some((file) => readFileSync(file, 'utf8').includes("from '@contracts/")),
    'the console reads the contracts',
  );
});

/** The composition root's only way into the HTTP layer: the factory of the Fastify app. */
const httpAppFactory = join(src, 'http', 'app.ts');
const compositionRoot = join(src, 'runtime', 'server.ts');

/** Imports between src/http and src/runtime that the rule forbids. */
function layerViolationsIn(file: string, text: string): string[] {
  const layerOf = (path: string) => relative(src, path).split(/[\\/]/)[0];
  const from = layerOf(file);
  return importsIn(text).filter((specifier) => {
    if (!specifier.startsWith('.')) return false;
    const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
    const to = layerOf(target);
    if (from === 'http') return to === 'runtime';
    if (from === 'runtime') return to === 'http' && !(file === compositionRoot && target === httpAppFactory);
    return false;
  });
}

test('src/http and src/runtime do not import each other; the composition root only calls the HTTP app factory', () => {
  const files = [...sourceFiles(join(src, 'http')), ...sourceFiles(join(src, 'runtime'))];
  const violations = files.flatMap((file) =>
    layerViolationsIn(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(root, file)} imports ${specifier}`),
  );
  assert.deepEqual(violations, []);
});

test('the layer check flags src/http importing src/runtime, and src/runtime importing src/http other than the app factory', () => {
  const fromHttp = [
    "import type { Runtime } from '../../runtime/runtime.js';",
    "import { paths } from '../../contracts/paths.js';",
    "import type { Protocol } from '../../protocol/protocol.js';",
  ].join('\n');
  assert.deepEqual(layerViolationsIn(join(src, 'http', 'routes', 'probe.ts'), fromHttp), ['../../runtime/runtime.js']);
  const fromRuntime = ["import { buildHttpApp } from '../http/app.js';", "import { managementRoutes } from '../http/api/management-api.js';"].join('\n');
  assert.deepEqual(layerViolationsIn(join(src, 'runtime', 'protocol.ts'), fromRuntime), ['../http/app.js', '../http/api/management-api.js']);
  assert.deepEqual(layerViolationsIn(compositionRoot, fromRuntime), ['../http/api/management-api.js']);
});
