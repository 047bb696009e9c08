import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/** Keys whose values are credentials wherever they appear in a log object. */
const credentialKeys = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'secret',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'id_token_hint',
  'code_verifier',
  'assertion',
  'client_assertion',
  'subject_token',
  'actor_token',
  'device_code',
  'privateKey',
  'privateJwk',
  'privateJwe',
  'private_jwe',
  'd',
];

function redactPaths(): string[] {
  const paths = new Set<string>(['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]']);
  for (const key of credentialKeys) {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const join = (prefix: string) => (segment.startsWith('[') ? `${prefix}${segment}` : `${prefix}.${segment}`);
    paths.add(segment.startsWith('[') ? `*${segment}` : segment);
    paths.add(join('*'));
    paths.add(join('*.*'));
  }
  return [...paths];
}

/** Query parameters whose values must not reach a log line. */
const sensitiveQueryParameters = new Set([
  'code',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'id_token_hint',
  'code_verifier',
  'password',
  'assertion',
  'client_assertion',
  'subject_token',
  'actor_token',
  'device_code',
  'user_code',
  'login_hint',
  'invitation',
]);

/** The URL with the values of credential-bearing query parameters replaced. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = url.slice(queryStart + 1).split('&');
  const redacted = params.map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      return `${rawName}=[REDACTED]`;
    }
    return sensitiveQueryParameters.has(name) ? `${rawName}=[REDACTED]` : pair;
  });
  return `${url.slice(0, queryStart)}?${redacted.join('&')}`;
}

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read the log back. */
  destination?: DestinationStream;
}

/** JSON logs on stdout, with credentials redacted wherever they appear. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'latchkey' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
