// Regenerates the documents derived from code: docs/configuration.md and the README's
// configuration table. A test fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigurationReference, renderConfigurationTable } from '../src/config/reference.js';
import { renderPermissionsReference } from '../src/domain/orgs/permissions-reference.js';

export const readmeTableStart = '<!-- config-table:start -->';
export const readmeTableEnd = '<!-- config-table:end -->';

export function readmeWithTable(readme: string): string {
  const start = readme.indexOf(readmeTableStart);
  const end = readme.indexOf(readmeTableEnd);
  if (start === -1 || end === -1) throw new Error('README.md lacks the config-table markers');
  return `${readme.slice(0, start + readmeTableStart.length)}\n${renderConfigurationTable()}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync('docs/configuration.md', renderConfigurationReference());
  writeFileSync('docs/permissions.md', renderPermissionsReference());
  writeFileSync('README.md', readmeWithTable(readFileSync('README.md', 'utf8')));
  console.log('wrote docs/configuration.md, docs/permissions.md and the README configuration table');
}
