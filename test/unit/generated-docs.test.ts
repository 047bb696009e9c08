import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigurationReference } from '../../src/config/reference.js';
import { renderPermissionsReference } from '../../src/domain/orgs/permissions-reference.js';
import { readDomainEvents, readmeWithTable, renderEventsReference } from '../../scripts/generate-docs.js';

test('docs/configuration.md matches the config schema (regenerate with `npm run docs`)', () => {
  assert.equal(readFileSync('docs/configuration.md', 'utf8'), renderConfigurationReference());
});

test("the README's configuration table matches the config schema (regenerate with `npm run docs`)", () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, readmeWithTable(readme));
});

test('the README opens with the two commands: start on SQLite, run the tests', () => {
  const readme = readFileSync('README.md', 'utf8');
  const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
  const commands = firstBlock
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/\s+#.*$/, '').trim());
  assert.deepEqual(commands, ['npm ci && npm start', 'npm ci && npm test']);
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.start ?? '', /latchkey\.js start/);
  assert.equal(scripts.test, 'node scripts/run-tests.mjs');
});

test('docs/permissions.md matches the permission table (regenerate with `npm run docs`)', () => {
  assert.equal(readFileSync('docs/permissions.md', 'utf8'), renderPermissionsReference());
});

test('docs/events.md matches the DomainEvent union (regenerate with `npm run docs`)', () => {
  assert.equal(readFileSync('docs/events.md', 'utf8'), renderEventsReference());
});

test('docs/events.md names every variant of the union with its comment and fields', () => {
  const { sections } = readDomainEvents(`
/** Intro. */
export type DomainEvent =
  // First things.
  /** A thing was made. */
  | { type: 'thing.made'; thingId: string; /** Who made it. */ by: string | null }
  // Second things.
  /**
   * A thing was unmade,
   * over two lines.
   */
  | { type: 'thing.unmade' };
`);
  assert.deepEqual(sections, [
    {
      heading: 'First things',
      variants: [
        {
          type: 'thing.made',
          description: 'A thing was made.',
          fields: [
            { name: 'thingId', type: 'string', description: '' },
            { name: 'by', type: 'string | null', description: 'Who made it.' },
          ],
        },
      ],
    },
    { heading: 'Second things', variants: [{ type: 'thing.unmade', description: 'A thing was unmade, over two lines.', fields: [] }] },
  ]);
  assert.throws(() => readDomainEvents("export type DomainEvent =\n  | { type: 'silent' };\n"), /silent has no comment/);
});
