// Regenerates the documents derived from code: docs/configuration.md, docs/permissions.md,
// docs/events.md and the README's configuration table. A test fails when any is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
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

export const domainEventsSource = 'src/ports/domain-events.ts';

interface EventField {
  name: string;
  type: string;
  description: string;
}

interface EventVariant {
  type: string;
  description: string;
  fields: EventField[];
}

/** The text of the last JSDoc block in `text`, its lines joined, or '' when there is none. */
function lastJsDoc(text: string): string {
  const blocks = [...text.matchAll(/\/\*\*([\s\S]*?)\*\//g)];
  const body = blocks.at(-1)?.[1] ?? '';
  return body
    .split('\n')
    .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
    .filter(Boolean)
    .join(' ');
}

/** The `// Section.` line comments in `text`, as headings of the variants that follow them. */
function sectionHeading(text: string): string | undefined {
  return [...text.matchAll(/^\s*\/\/\s*(.+?)\.?\s*$/gm)].at(-1)?.[1];
}

function fieldsOf(literal: ts.TypeLiteralNode, source: ts.SourceFile): { type: string; fields: EventField[] } {
  let type = '';
  const fields: EventField[] = [];
  for (const member of literal.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText(source);
    if (name === 'type') {
      type = member.type.getText(source).replace(/^'|'$/g, '');
      continue;
    }
    const comment = lastJsDoc(source.text.slice(member.getFullStart(), member.getStart(source)));
    fields.push({ name: `${name}${member.questionToken ? '?' : ''}`, type: member.type.getText(source), description: comment });
  }
  return { type, fields };
}

/** The variants of the `DomainEvent` union, grouped under the `//` comments that head them. */
export function readDomainEvents(text: string): { intro: string; sections: { heading: string; variants: EventVariant[] }[] } {
  const source = ts.createSourceFile(domainEventsSource, text, ts.ScriptTarget.Latest, true);
  const alias = source.statements.find(
    (statement): statement is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(statement) && statement.name.text === 'DomainEvent',
  );
  if (!alias || !ts.isUnionTypeNode(alias.type)) throw new Error(`${domainEventsSource} has no DomainEvent union`);
  const intro = lastJsDoc(text.slice(alias.getFullStart(), alias.getStart(source)));
  const sections: { heading: string; variants: EventVariant[] }[] = [];
  let previousEnd = alias.type.getFullStart();
  for (const member of alias.type.types) {
    if (!ts.isTypeLiteralNode(member)) throw new Error(`every DomainEvent variant is an object type (${member.getText(source)})`);
    const between = text.slice(previousEnd, member.getStart(source));
    previousEnd = member.getEnd();
    const heading = sectionHeading(between.replace(/\/\*\*[\s\S]*?\*\//g, ''));
    if (heading !== undefined || sections.length === 0) sections.push({ heading: heading ?? 'Events', variants: [] });
    const description = lastJsDoc(between);
    const { type, fields } = fieldsOf(member, source);
    if (!description) throw new Error(`DomainEvent variant ${type} has no comment to describe it`);
    sections.at(-1)!.variants.push({ type, description, fields });
  }
  return { intro, sections };
}

/** docs/events.md: every domain event with its description and its fields. */
export function renderEventsReference(text = readFileSync(domainEventsSource, 'utf8')): string {
  const { intro, sections } = readDomainEvents(text);
  const lines = [
    '# Domain events',
    '',
    `<!-- Generated from ${domainEventsSource} by \`npm run docs\`; edit the comments there, not this file. -->`,
    '',
    intro,
    '',
    'Metrics count every event as `latchkey_events_total{type=...}`, and each `token.issued` as',
    '`latchkey_tokens_issued_total{grant_type=...}`. Sign-in steps count as',
    '`latchkey_signin_steps_total{method=...,outcome=...}` (method: password, totp, recovery_code, passkey,',
    'federation; outcome: succeeded, failed, throttled), and changes to second factors as',
    '`latchkey_second_factor_changes_total{method=...,change=...}`.',
  ];
  for (const section of sections) {
    lines.push('', `## ${section.heading}`);
    for (const variant of section.variants) {
      lines.push('', `### \`${variant.type}\``, '', variant.description, '');
      if (variant.fields.length === 0) lines.push('No fields besides `type`.');
      for (const field of variant.fields) {
        lines.push(`- \`${field.name}\`: \`${field.type}\`${field.description ? ` — ${field.description}` : ''}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync('docs/configuration.md', renderConfigurationReference());
  writeFileSync('docs/permissions.md', renderPermissionsReference());
  writeFileSync('docs/events.md', renderEventsReference());
  writeFileSync('README.md', readmeWithTable(readFileSync('README.md', 'utf8')));
  console.log('wrote docs/configuration.md, docs/permissions.md, docs/events.md and the README configuration table');
}
