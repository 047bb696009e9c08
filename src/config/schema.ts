import { z } from 'zod';
import { signingAlgorithms as supportedSigningAlgorithms } from '../contracts/algorithms.js';
import { defaultLifetimeBounds, deviceCodeBounds } from '../contracts/limits.js';

/**
 * The one configuration schema. Everything else is derived from it: validation, the
 * `LATCHKEY_*` environment names, the CLI flags, `latchkey config` and docs/configuration.md.
 *
 * Field metadata (through `.meta()`):
 * - `description`: one sentence for the reference.
 * - `secret: true`: masked in output, never a CLI flag (it would show in `ps`), has a `_FILE` variant.
 * - `sensitiveUrl: true`: only the password part of the URL is masked; has a `_FILE` variant.
 * - `flag`: an extra short CLI flag besides the one derived from the path.
 * - `accepts`: what the value may be, in words, where the type alone doesn't say it.
 */

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function lifetimeBounds(name: string, defaults: { min: number; max: number }) {
  return z
    .object({
      min: z
        .number()
        .int()
        .min(1)
        .max(525_600)
        .default(defaults.min)
        .meta({ description: `Smallest ${name} an app may set, in minutes.` }),
      max: z
        .number()
        .int()
        .min(1)
        .max(525_600)
        .default(defaults.max)
        .meta({ description: `Largest ${name} an app may set, in minutes. Widen it to allow longer lifetimes.` }),
    })
    .strict()
    .prefault({})
    .refine((bounds) => bounds.min <= bounds.max, { message: 'min must not exceed max' });
}

export const configSchema = z
  .object({
    issuer: z
      .url({ protocol: /^https?$/ })
      .refine((value) => !value.includes('#') && !value.includes('?'), {
        message: 'the issuer must not contain a query or fragment (RFC 8414 §2)',
      })
      .default('http://localhost:3000')
      .meta({
        description:
          'The issuer identifier: the public base URL of this server, used in tokens and discovery. Use https in production. Unset, it is http://localhost:<listen.port>.',
        flag: 'issuer',
      }),
    listen: z
      .object({
        host: z.string().min(1).default('localhost').meta({ description: 'Interface to listen on. Use 0.0.0.0 inside a container.', flag: 'host' }),
        port: z.number().int().min(0).max(65535).default(3000).meta({ description: 'TCP port to listen on (0 picks a free port).', flag: 'port' }),
      })
      .strict()
      .prefault({}),
    dataDir: z.string().min(1).default('./data').meta({ description: 'Directory for local state: the generated secret when none is configured.' }),
    database: z
      .object({
        url: z
          .string()
          .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, {
            message: 'expected a sqlite:<path> or postgres://user@host:port/database URL',
          })
          .default('sqlite:./data/latchkey.db')
          .meta({
            description: 'Where Latchkey stores its data: `sqlite:` followed by a file path (embedded), or `postgres://user@host:port/database` (production).',
            sensitiveUrl: true,
            accepts: 'sqlite:<file path>, sqlite::memory: or postgres://user:password@host:port/database',
          }),
        migrateOnStart: z.boolean().optional().meta({
          description:
            'Apply pending migrations when the server starts. Defaults to true on SQLite and false on PostgreSQL, where `latchkey migrate` runs them.',
        }),
        poolSize: z.number().int().min(1).max(200).default(10).meta({ description: 'PostgreSQL connections per node.' }),
      })
      .strict()
      .prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\//, { message: 'expected a redis:// or rediss:// URL' })
          .optional()
          .meta({
            description:
              'A Redis that holds the rate limits (sign-in, account forms, device codes, failed client authentication) instead of the database: every node pointed at it shares one budget without a database write per counted attempt. Without it the database holds them, which every node sharing it shares as well.',
            sensitiveUrl: true,
            accepts: 'redis://user:password@host:6379/0 or rediss:// for TLS',
          }),
        keyPrefix: z
          .string()
          .min(1)
          .max(100)
          .default('latchkey:')
          .meta({ description: 'Prefix of every key Latchkey writes to Redis, so that several servers can share one Redis.' }),
      })
      .strict()
      .prefault({}),
    secret: z.string().min(32).optional().meta({
      description:
        'Server secret (at least 32 characters) from which the key that encrypts signing keys and the keys that hash secrets are derived. When unset, a random one is generated into the data directory. Every node sharing a database needs the same one.',
      secret: true,
    }),
    previousSecrets: z.array(z.string().min(32)).max(5).default([]).meta({
      description:
        'Server secrets that `secret` replaced, newest first (comma-separated in env). What was hashed or encrypted with one of them keeps working until it is re-made or expires; signing keys, authenticator app and connection secrets and asset signing keys are re-encrypted with `secret` at start. Drop one once `latchkey secret status` says nothing depends on it.',
      accepts: 'a comma-separated list of secrets of at least 32 characters',
      secret: true,
    }),
    log: z
      .object({
        level: z.enum(logLevels).default('info').meta({ description: 'Lowest level written to the JSON log on stdout.' }),
        requests: z.boolean().default(true).meta({ description: 'Write one log line per HTTP request.' }),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        trustProxy: z.boolean().default(false).meta({
          description: 'Trust X-Forwarded-* headers (set it when Latchkey runs behind a reverse proxy).',
        }),
        metrics: z.boolean().default(true).meta({
          description: 'Serve Prometheus metrics at /metrics. Keep that path off the public internet (for example at the proxy).',
        }),
        requestTimeoutSeconds: z.number().int().min(1).max(3600).default(30).meta({
          description: 'How long a client may take to send a whole request, headers and body; a slower one is cut off with 408.',
        }),
        headersTimeoutSeconds: z.number().int().min(1).max(3600).default(10).meta({
          description: 'How long a client may take to send the headers of a request (slowloris: headers trickled forever); at most http.requestTimeoutSeconds.',
        }),
        keepAliveTimeoutSeconds: z.number().int().min(1).max(600).default(5).meta({
          description:
            'How long an idle keep-alive connection stays open waiting for the next request. Keep it longer than the idle timeout of a reverse proxy in front, so that the proxy closes first.',
        }),
        allowInsecureIssuer: z.boolean().default(false).meta({
          description:
            'Start with a plain http issuer on a host other than localhost, 127.0.0.1 or [::1] (with a warning). Off by default: production issuers use https, and plain http is only for development on one machine.',
        }),
      })
      .strict()
      .prefault({})
      // Node refuses a headers timeout longer than the request timeout.
      .refine((http) => http.headersTimeoutSeconds <= http.requestTimeoutSeconds, {
        message: 'http.headersTimeoutSeconds must not exceed http.requestTimeoutSeconds',
      }),
    keys: z
      .object({
        algorithms: z
          .array(z.enum(supportedSigningAlgorithms))
          .min(1)
          .default([...supportedSigningAlgorithms])
          .refine((algorithms) => algorithms.includes('RS256'), {
            message: 'RS256 must be included: OpenID Connect Core §15.1 makes it mandatory to implement',
          })
          .meta({ description: 'Signing algorithms to keep a key for (comma-separated in env and flags).' }),
        refreshIntervalSeconds: z.number().int().min(1).max(3600).default(5).meta({
          description: 'How often a node checks the database for rotated signing keys.',
        }),
        jwksMaxAgeSeconds: z.number().int().min(0).max(86_400).default(60).meta({ description: 'Cache-Control max-age of the JWKS and discovery documents.' }),
        rotateEveryDays: z.number().int().min(0).max(3650).default(90).meta({
          description:
            'Rotate each signing key this many days after it began to sign: its successor is published first (keys.prePublishMinutes), then signs, and the old key stays published until what it signed has expired. 0 turns scheduled rotation off.',
        }),
        prePublishMinutes: z.number().int().min(0).max(43_200).default(1440).meta({
          description:
            'How long a scheduled key is in the JWKS before it signs, so that relying parties that cache the JWKS already hold it. Keep it above the longest JWKS cache of your relying parties.',
        }),
      })
      .strict()
      .prefault({})
      .refine((keys) => keys.rotateEveryDays === 0 || keys.prePublishMinutes < keys.rotateEveryDays * 1440, {
        message: 'keys.prePublishMinutes must be shorter than keys.rotateEveryDays',
      }),
    sessions: z
      .object({
        maxAgeHours: z
          .number()
          .int()
          .min(1)
          .max(8760)
          .default(24)
          .meta({ description: 'How long a sign-in session lasts before the user must sign in again (single sign-on across apps).' }),
        idleMinutes: z.number().int().min(1).max(525_600).default(1440).meta({
          description: 'How long a sign-in session may go unused before it ends; each use moves the end, up to sessions.maxAgeHours after sign-in.',
        }),
      })
      .strict()
      .prefault({}),
    signIn: z
      .object({
        lockout: z
          .object({
            maxFailures: z.number().int().min(1).max(1000).default(10).meta({
              description: 'Failed sign-ins in a row (wrong password) after which an account is locked, and its owner gets a mail.',
            }),
            minutes: z
              .number()
              .int()
              .min(1)
              .max(10_080)
              .default(15)
              .meta({ description: 'How long a locked account stays locked; a password reset unlocks it at once.' }),
          })
          .strict()
          .prefault({}),
        passkeys: z
          .object({
            passwordless: z.boolean().default(true).meta({
              description:
                'Whether the sign-in page offers passkeys without a password: in the email field\'s autofill and with a "Sign in with a passkey" button (docs/passkeys.md). Off, users still register passkeys on the account page.',
            }),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    clientAuthentication: z
      .object({
        freeFailuresPerClient: z.number().int().min(1).max(100_000).default(20).meta({
          description:
            'Failed client authentications of one app (wrong secret, bad assertion) in a window before each further try waits: 1 s, doubling up to a minute. While it waits, the token, introspection and revocation endpoints answer that app 429 with Retry-After.',
        }),
        freeFailuresPerAddress: z.number().int().min(1).max(100_000).default(100).meta({
          description: 'Failed client authentications from one IP address, whatever the app, in a window before each further try waits the same way.',
        }),
        windowMinutes: z.number().int().min(1).max(1440).default(15).meta({
          description: 'How long failed client authentications are counted; the count starts again when the window ends.',
        }),
      })
      .strict()
      .prefault({}),
    signUp: z
      .object({
        enabled: z.boolean().default(false).meta({
          description: 'Whether anyone may create an account from the sign-in page. Off by default; an invitation lets its invitee create one either way.',
        }),
        allowedEmailDomains: z
          .array(
            z
              .string()
              .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, { message: 'expected a domain name such as example.com' })
              .transform((domain) => domain.toLowerCase()),
          )
          .default([])
          .meta({ description: 'Only addresses of these domains may sign up (comma-separated in env and flags); empty allows every domain.' }),
      })
      .strict()
      .prefault({}),
    mail: z
      .object({
        smtpUrl: z
          .string()
          .regex(/^smtps?:\/\//, { message: 'expected an smtp:// or smtps:// URL' })
          .optional()
          .meta({
            description:
              'The SMTP server mail is sent through: `smtp://` (STARTTLS when the server offers it) or `smtps://` (TLS from the start), with credentials in the URL. Without it, mails are written to the log (development).',
            sensitiveUrl: true,
            accepts: 'smtp://user:password@host:587 or smtps://user:password@host:465',
          }),
        from: z.string().min(3).max(320).default('Latchkey <no-reply@localhost>').meta({
          description: 'The From address of every mail, e.g. "Acme Login <login@acme.example>".',
        }),
        serverName: z.string().min(1).max(100).default('Latchkey').meta({
          description: "The name mails and hosted pages speak for when no organization's name applies.",
        }),
      })
      .strict()
      .prefault({}),
    cache: z
      .object({
        ttlSeconds: z.number().int().min(0).max(300).default(5).meta({
          description:
            'How long a node keeps apps, APIs, client secrets and users in memory. Changes apply at once on every node (on PostgreSQL the nodes announce them with NOTIFY); this bounds what a lost announcement can leave stale.',
        }),
      })
      .strict()
      .prefault({}),
    ui: z
      .object({
        templatesDir: z.string().min(1).optional().meta({
          description:
            'A directory of Eta templates that replace the hosted pages (login, consent, error, ...) and, under mail/, the mails (docs/mail.md) of the same name.',
        }),
      })
      .strict()
      .prefault({}),
    orgs: z
      .object({
        selfService: z.boolean().default(true).meta({
          description:
            'Whether every signed-in user may create organizations (and own them). Turn it off to leave organization creation to server administrators and the operator.',
        }),
      })
      .strict()
      .prefault({}),
    apps: z
      .object({
        selfApproval: z.boolean().default(false).meta({
          description:
            'Whether an organization owner or admin may approve or reject a public app they submitted themselves. Off by default: another owner or admin of the organization, or a server administrator, reviews it. Turn it on for organizations with a single administrator.',
        }),
      })
      .strict()
      .prefault({}),
    authorization: z
      .object({
        requirePushedRequests: z.boolean().default(false).meta({
          description:
            'Whether every app must push its authorization requests to the pushed authorization request endpoint first (RFC 9126) and send only client_id and request_uri to the authorization endpoint. Discovery then says require_pushed_authorization_requests. Off by default; an app can require it for itself (security.requirePushedAuthorizationRequests).',
        }),
      })
      .strict()
      .prefault({}),
    dpop: z
      .object({
        requireNonce: z.boolean().default(false).meta({
          description:
            'Whether DPoP proofs (RFC 9449) at the token and pushed authorization request endpoints must carry a nonce this server handed out: a proof without one is answered with use_dpop_nonce and a DPoP-Nonce header, and the client sends it again with the nonce. Limits how long a proof made in advance stays usable (RFC 9449 §8). Nonces need no storage: every node that shares the server secret accepts them.',
        }),
        maxProofAgeSeconds: z.number().int().min(10).max(3600).default(300).meta({
          description:
            "How long after its iat a DPoP proof is accepted, in seconds. A proof is accepted once whatever its age; a shorter window keeps fewer proofs' jtis stored.",
        }),
        clockSkewSeconds: z.number().int().min(0).max(300).default(60).meta({
          description: "How far ahead of this server's clock a DPoP proof's iat may be, in seconds: for clients whose clocks run fast.",
        }),
      })
      .strict()
      .prefault({}),
    registration: z
      .object({
        enabled: z.boolean().default(false).meta({
          description:
            'Whether apps may register themselves at the dynamic client registration endpoint (RFC 7591) and manage their registration (RFC 7592). Discovery then names registration_endpoint. Off by default; each registration needs an initial access token an organization admin issued, unless registration.open is on (docs/dynamic-registration.md).',
        }),
        open: z.boolean().default(false).meta({
          description:
            'Whether registration also works without an initial access token, under a fixed narrow policy: public clients only (token_endpoint_auth_method none), authorization_code and refresh_token only, https, loopback or private-use-scheme redirect URIs. Needs registration.enabled and registration.openOrganization.',
        }),
        openOrganization: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'The name of the organization that openly registered apps belong to; required when registration.open is on.' }),
        openPerAddressPerHour: z.number().int().min(1).max(10_000).default(20).meta({
          description:
            'How many open registrations (without an initial access token) one client address may attempt per hour, shared by every node; further ones get 429 until the hour ends.',
        }),
      })
      .strict()
      .prefault({})
      .refine((registration) => !registration.open || registration.openOrganization !== undefined, {
        message: 'registration.open needs registration.openOrganization: the organization openly registered apps belong to',
      }),
    grants: z
      .object({
        deviceCode: z
          .object({
            lifetimeSeconds: z
              .number()
              .int()
              .min(deviceCodeBounds.lifetimeSeconds.min)
              .max(deviceCodeBounds.lifetimeSeconds.max)
              .default(deviceCodeBounds.lifetimeSeconds.default)
              .meta({ description: 'How long a device code of the device flow lives, in seconds (RFC 8628 §3.2 expires_in), unless the app sets its own.' }),
            pollIntervalSeconds: z
              .number()
              .int()
              .min(deviceCodeBounds.pollIntervalSeconds.min)
              .max(deviceCodeBounds.pollIntervalSeconds.max)
              .default(deviceCodeBounds.pollIntervalSeconds.default)
              .meta({
                description: 'How many seconds a device waits between polls of the token endpoint (RFC 8628 §3.2 interval), unless the app sets its own.',
              }),
          })
          .strict()
          .prefault({}),
        jwtBearer: z
          .object({
            requireJti: z.boolean().default(true).meta({
              description:
                'Whether a JWT bearer assertion must carry a jti, which is then accepted once. Turn it off only for clients that cannot send one: their assertions can be replayed until they expire.',
            }),
            maxAssertionLifetimeSeconds: z.number().int().min(10).max(86_400).default(3600).meta({
              description: "How far ahead of now a JWT bearer assertion's exp may lie, in seconds; assertions meant to live longer are refused.",
            }),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    tokens: z
      .object({
        accessTokenTtlMinutes: lifetimeBounds('access token lifetime', defaultLifetimeBounds.accessTokenTtlMinutes),
        refreshTokenTtlMinutes: lifetimeBounds('refresh token lifetime', defaultLifetimeBounds.refreshTokenTtlMinutes),
        idTokenTtlMinutes: lifetimeBounds('ID token validity', defaultLifetimeBounds.idTokenTtlMinutes),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
