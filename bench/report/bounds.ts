import { summarize, type BenchReport } from '../results.js';
import type { ScenarioId } from '../scenarios.js';
import { fmt } from './tables.js';

/** What limits each scenario, in a word or two. */
const bound: Record<ScenarioId, string> = {
  discovery: 'HTTP',
  jwks: 'HTTP',
  'cc-opaque': 'HTTP and a database write',
  'cc-es256': 'crypto (ES256) and HTTP',
  'cc-rs256': 'crypto (RSA signing)',
  introspection: 'HTTP and a database read',
  userinfo: 'HTTP and a database read',
  refresh: 'crypto (RSA) and the database',
  flows: 'the database and crypto (RSA)',
  signin: 'crypto (argon2id)',
};

/** What Latchkey does per request (or per flow) in each scenario, from the code. */
const work: Record<ScenarioId, string> = {
  discovery:
    'no database and no cryptography: a JSON document built once and served from memory with its cache headers. What is left is HTTP: parsing, routing, headers, and the socket write.',
  jwks: 'the same as discovery: the public keys as a prepared JSON document. HTTP only.',
  'cc-opaque':
    'client authentication (HMAC-SHA-256 of the secret against the cached app), a random token, its keyed hash, and the token stored by a multi-row INSERT into access_tokens shared by the requests of one event-loop turn (group commit): a write the peer (in memory) does not make.',
  'cc-es256': 'client authentication and one ES256 signature (jose, WebCrypto on the libuv pool); no statement. Cryptography plus HTTP.',
  'cc-rs256':
    'client authentication and one RS256 signature (jose, WebCrypto on the libuv pool, so a second core signs too); no statement. RSA signing dominates: compare with the jose RS256 ceiling.',
  introspection:
    'client authentication, the keyed hash of the token, and one SELECT by primary key on access_tokens (the reads of concurrent requests share one statement).',
  userinfo:
    'an RS256 access token whose signature was verified (jose) on its first use and is remembered, its expiry checked, then one statement: the grant with the revoked-jti check in one SELECT (shared by concurrent requests); the user comes from the cache of users.',
  refresh:
    'the grant read, the user (cached), the refresh token rotated by one conditional UPDATE (no transaction: the JWT access token is not stored), a new ES256 access token and an RS256 ID token (openid scope): two signatures and two round trips to the database.',
  flows:
    'authorize: the session read and its user (cached), the grant with the code INSERTed (reads and inserts of concurrent requests share statements), a 302; token: the grant read by code hash, the user (cached), the code redeemed by one conditional UPDATE (no transaction: the JWT access token is not stored), an ES256 access token and an RS256 ID token. Two HTTP round trips, about four database round trips and an RSA signature per flow.',
  signin:
    'three requests per sign-in (authorize, the sign-in page, the password POST) around one argon2id verification (19 MiB, 2 passes) on the libuv thread pool; the argon2 work dominates by far.',
};

export function boundsSection(report: BenchReport): string {
  const lines: string[] = [];
  const http = report.ceilings.http?.perSecond ?? Number.NaN;
  const jose = report.ceilings.jose;
  for (const runs of report.stores.sqlite) {
    const latchkey = summarize(runs.latchkey);
    if (!latchkey) continue;
    const facts = [`Latchkey's process was ${fmt(latchkey.cpuPercent)}% busy (100% is one core)`];
    if (runs.id === 'discovery' || runs.id === 'jwks' || runs.id === 'cc-opaque' || runs.id === 'introspection' || runs.id === 'userinfo') {
      facts.push(`${fmt((latchkey.perSecond / http) * 100)}% of the bare node:http ceiling`);
    }
    if (jose && runs.id === 'cc-rs256') facts.push(`${fmt((latchkey.perSecond / jose.RS256) * 100)}% of jose's RS256 signing ceiling`);
    if (jose && runs.id === 'cc-es256') facts.push(`${fmt((latchkey.perSecond / jose.ES256) * 100)}% of jose's ES256 signing ceiling`);
    if (jose && (runs.id === 'refresh' || runs.id === 'flows')) facts.push(`an RS256 signature alone would allow ${fmt(jose.RS256)}/s`);
    if (runs.id === 'signin') facts.push(`${fmt(latchkey.perSecond / report.machine.cpus, 1)} sign-ins/s per core`);
    const postgres = Array.isArray(report.stores.postgres) ? summarize(report.stores.postgres.find((entry) => entry.id === runs.id)?.latchkey ?? []) : null;
    if (postgres) facts.push(`on PostgreSQL ${fmt((postgres.perSecond / latchkey.perSecond) * 100)}% of the SQLite rate`);
    const profile = report.profiles.find((entry) => entry.label.endsWith(`sqlite-${runs.id}`));
    if (profile) {
      facts.push(
        `CPU profile: ${profile.categories
          .slice(0, 4)
          .map((entry) => `${entry.category} ${fmt(entry.percent)}%`)
          .join(', ')}`,
      );
    }
    lines.push(`- **${runs.title}** — bound by ${bound[runs.id]}: ${work[runs.id]} In this run: ${facts.join('; ')}.`);
  }
  return lines.join('\n');
}
