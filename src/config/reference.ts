import { configLeaves, describeExpected, type ConfigLeaf } from './leaves.js';

function defaultText(leaf: ConfigLeaf): string {
  if (leaf.defaultValue === undefined) {
    if (leaf.key === 'database.migrateOnStart') return 'true on SQLite, false on PostgreSQL';
    if (leaf.secret) return 'generated into the data directory';
    return '(unset)';
  }
  if (Array.isArray(leaf.defaultValue)) return leaf.defaultValue.length === 0 ? '(none)' : `\`${leaf.defaultValue.join(',')}\``;
  return `\`${scalarText(leaf.defaultValue)}\``;
}

/** Config defaults are scalars or lists of them; anything else is shown as JSON. */
function scalarText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The configuration table (markdown), shared by docs/configuration.md and the README. */
export function renderConfigurationTable(): string {
  const rows = configLeaves().map((leaf) => {
    const names = [`\`${leaf.env}\``];
    if (leaf.fileEnv) names.push(`\`${leaf.fileEnv}\``);
    const flags = [leaf.flag, leaf.shortFlag].filter(Boolean).map((flag) => `\`${flag}\``);
    return `| \`${leaf.key}\` | ${names.join('<br>')} | ${flags.join('<br>') || '—'} | ${escapeCell(defaultText(leaf))} | ${escapeCell(describeExpected(leaf))} | ${escapeCell(leaf.description)} |`;
  });
  return ['| Setting (latchkey.yaml) | Environment | CLI flag | Default | Accepts | Description |', '| --- | --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** docs/configuration.md, generated from the schema (`npm run docs`); a test fails when it is stale. */
export function renderConfigurationReference(): string {
  return `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs\`. Do not edit by hand. -->

Latchkey reads its settings from four sources; a later one overrides an earlier one:

1. the defaults below;
2. \`latchkey.yaml\` in the working directory (or the file named by \`--config\` / \`LATCHKEY_CONFIG\`),
   using the dotted setting names as nested YAML keys;
3. environment variables \`LATCHKEY_*\`, named after the setting's path;
4. command-line flags of \`latchkey start\`, \`latchkey migrate\` and the other commands.

Settings marked with a \`_FILE\` variable may instead be read from a file (Docker and Kubernetes
secrets): \`LATCHKEY_SECRET_FILE=/run/secrets/latchkey\`. Secrets have no CLI flag, because
command lines are visible to every user of the machine.

A value that does not fit stops the process before it starts: every problem is printed with its
path, what was expected, what was given (secrets masked) and the environment variable to set.
\`latchkey config\` prints the effective configuration, with secrets masked and the source of
each value.

${renderConfigurationTable()}

## Example \`latchkey.yaml\`

\`\`\`yaml
issuer: https://auth.example.com
listen:
  host: 0.0.0.0
  port: 3000
database:
  url: postgres://latchkey@db.internal:5432/latchkey
log:
  level: info
tokens:
  accessTokenTtlMinutes:
    max: 1440   # allow apps to ask for access tokens of up to a day
\`\`\`
`;
}
