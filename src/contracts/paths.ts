/**
 * Every path the server answers, relative to the issuer (the issuer's own path, such as
 * `/tenant-a`, goes in front), in one table: the routes, discovery, the input guard, the CLI and
 * the console all read it, so none of them can drift from the others.
 */
export const paths = {
  // OAuth 2.1 and OpenID Connect (discovery publishes these).
  openidConfiguration: '/.well-known/openid-configuration',
  // RFC 8414 §3: for an issuer with a path this one goes in front of the issuer's path as well.
  oauthAuthorizationServer: '/.well-known/oauth-authorization-server',
  jwks: '/.well-known/jwks.json',
  authorization: '/oauth2/authorize',
  pushedAuthorization: '/oauth2/par',
  token: '/oauth2/token',
  userinfo: '/oauth2/userinfo',
  introspection: '/oauth2/introspect',
  revocation: '/oauth2/revoke',
  endSession: '/oauth2/logout',
  interaction: '/interaction',
  deviceAuthorization: '/oauth2/device_authorization',
  deviceVerification: '/device',
  // RFC 7591 §3; the registration of one client (RFC 7592) is this plus `/<client_id>`.
  registration: '/oauth2/register',
  // Accounts (hosted pages, for every signed-in user).
  account: '/account',
  signUp: '/account/signup',
  forgotPassword: '/account/forgot-password',
  resetPassword: '/account/reset-password',
  verifyEmail: '/account/verify-email',
  // Sign-in with upstream OpenID providers: the one redirect URI to register at each.
  federationCallback: '/federation/callback',
  // Latchkey's own.
  managementApi: '/api/v1',
  console: '/console',
  assets: '/assets',
  stylesheet: '/assets/latchkey.css',
  passkeyScript: '/assets/passkeys.js',
  webauthnScript: '/assets/simplewebauthn-browser.js',
  // On the host, never under the issuer's path: probes and browsers ask there.
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  favicon: '/favicon.ico',
} as const;

/**
 * The console's backend, relative to where the console lives (`paths.console` under the issuer):
 * the browser signs in and out here, and reaches the management API at `managementApi`.
 */
export const consolePaths = {
  /** The first-run page that creates the first administrator, reached through the link `latchkey start` prints. */
  setup: '/setup',
  /** The page an invitation mail links to: the invitee creates an account there, or signs in, and joins. */
  invitation: '/invitation',
  login: '/auth/login',
  callback: '/auth/callback',
  /** The console page a cancelled sign-in lands on, with a way to sign in again. */
  signedOut: '/signed-out',
  logout: '/auth/logout',
  /** Everything the console's scripts call: answered as problem+json, never as a page. */
  api: '/api',
  session: '/api/session',
  /** The management API as the signed-in user: `paths.console + paths.managementApi`. */
  managementApi: paths.managementApi,
} as const;
