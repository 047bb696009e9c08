import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/** Packages the core may use: pure libraries, not adapters (no HTTP framework, SQL, logger, filesystem). */
const allowedPackages = new Set(['jose', 'zod', 'node:crypto', 'node:buffer', 'node:util']);
/** Folders of src/ the core may import from. */
const allowedFolders = ['protocol', 'domain', 'ports', 'shared'];

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

/** The imports of a core file (given its path and text) that break the rule. */
function violationsIn(file: string, text: string): string[] {
  return importsIn(text).filter((specifier) => {
    if (!specifier.startsWith('.')) return !allowedPackages.has(specifier);
    const target = relative(src, resolve(dirname(file), specifier));
    return target.startsWith('..') || !allowedFolders.includes(target.split(/[\\/]/)[0] ?? '');
  });
}

test('src/protocol and src/domain import only ports, shared, each other and pure libraries', () => {
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
