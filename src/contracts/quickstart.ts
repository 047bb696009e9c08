/**
 * What an app's page shows a developer to get started: the endpoints its type uses and copyable
 * snippets (curl, openid-client 6, oauth4webapi 3, Python authlib) filled with its client ID, its
 * first redirect URI and the issuer. Never a secret: `$CLIENT_SECRET` stands for it. A pure
 * function of the app and the issuer, so the console renders it and a test runs what it makes.
 */
import { grantTypeNames, type TokenEndpointAuthMethod } from './algorithms.js';
import { appTypeRules, type AppType } from './app-types.js';
import { paths } from './paths.js';

export type EndpointId =
  | 'issuer'
  | 'discovery'
  | 'authorization'
  | 'token'
  | 'userinfo'
  | 'jwks'
  | 'deviceAuthorization'
  | 'deviceVerification'
  | 'pushedAuthorization'
  | 'endSession'
  | 'introspection'
  | 'revocation';

export interface Endpoint {
  id: EndpointId;
  label: string;
  url: string;
}

export type SnippetId = 'curl' | 'openid-client' | 'oauth4webapi' | 'authlib';

export interface Snippet {
  id: SnippetId;
  label: string;
  language: 'shell' | 'javascript' | 'python';
  code: string;
}

export interface QuickstartApp {
  type: AppType;
  clientId: string;
  redirectUris: readonly string[];
  scopes: readonly string[];
  apiGrants: readonly { audience: string; scopes: readonly string[] }[];
  grantTypes: readonly string[];
  tokenEndpointAuthMethod: string;
}

export interface Quickstart {
  endpoints: Endpoint[];
  /** In words: which flow the snippets run. */
  flow: string;
  snippets: Snippet[];
  /** Where the secret (or key) the snippets leave out comes from; null for public clients. */
  secretNote: string | null;
}

/** The shell variable every snippet reads the secret from. */
export const secretVariable = 'CLIENT_SECRET';

const endpointLabels: Record<EndpointId, string> = {
  issuer: 'Issuer',
  discovery: 'Discovery URL',
  authorization: 'Authorization endpoint',
  token: 'Token endpoint',
  userinfo: 'Userinfo endpoint',
  jwks: 'JWKS (signing keys)',
  deviceAuthorization: 'Device authorization endpoint',
  deviceVerification: 'Device verification page (users enter the code here)',
  pushedAuthorization: 'Pushed authorization request (PAR) endpoint',
  endSession: 'Logout endpoint',
  introspection: 'Introspection endpoint',
  revocation: 'Revocation endpoint',
};

const endpointPaths: Record<Exclude<EndpointId, 'issuer'>, string> = {
  discovery: paths.openidConfiguration,
  authorization: paths.authorization,
  token: paths.token,
  userinfo: paths.userinfo,
  jwks: paths.jwks,
  deviceAuthorization: paths.deviceAuthorization,
  deviceVerification: paths.deviceVerification,
  pushedAuthorization: paths.pushedAuthorization,
  endSession: paths.endSession,
  introspection: paths.introspection,
  revocation: paths.revocation,
};

/** The URL of one of the server's endpoints under the issuer (which may have a path). */
export function endpointUrl(issuer: string, id: EndpointId): string {
  const base = issuer.replace(/\/+$/, '');
  return id === 'issuer' ? issuer : `${base}${endpointPaths[id]}`;
}

/** The endpoints an app of this type calls, in the order it meets them. */
export function endpointsFor(issuer: string, app: Pick<QuickstartApp, 'type' | 'grantTypes'>): Endpoint[] {
  const ids: EndpointId[] = ['issuer', 'discovery'];
  if (app.type === 'm2m') ids.push('token', 'introspection', 'revocation', 'jwks');
  else if (app.type === 'device') ids.push('deviceAuthorization', 'deviceVerification', 'token', 'userinfo', 'revocation', 'jwks');
  else {
    ids.push('authorization', 'pushedAuthorization', 'token', 'userinfo', 'jwks', 'endSession', 'revocation');
    if (app.type === 'web') ids.push('introspection');
    if (app.grantTypes.includes(grantTypeNames.deviceCode)) ids.push('deviceAuthorization', 'deviceVerification');
  }
  return ids.map((id) => ({ id, label: endpointLabels[id], url: endpointUrl(issuer, id) }));
}

// Quoting, so that any client ID, URI or scope lands in the snippet as the literal it is.
const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
const js = (value: string) => JSON.stringify(value);
// A JSON string literal is a valid Python string literal too.
const py = (value: string) => JSON.stringify(value);

type AuthKind = 'none' | 'basic' | 'post' | 'jwt';

function authKindOf(app: Pick<QuickstartApp, 'type' | 'tokenEndpointAuthMethod'>): AuthKind {
  if (appTypeRules[app.type].clientKind === 'public') return 'none';
  const method = app.tokenEndpointAuthMethod as TokenEndpointAuthMethod;
  if (method === 'client_secret_post') return 'post';
  if (method === 'private_key_jwt') return 'jwt';
  return 'basic';
}

/** curl options that authenticate the client at the token endpoint. */
function curlAuth(kind: AuthKind, clientId: string): string[] {
  switch (kind) {
    case 'none':
      return [`--data-urlencode client_id=${sh(clientId)}`];
    case 'basic':
      // RFC 6749 §2.3.1: client ID and secret in HTTP Basic.
      return [`-u ${sh(`${clientId}:`)}"$${secretVariable}"`];
    case 'post':
      return [`--data-urlencode client_id=${sh(clientId)}`, `--data-urlencode "client_secret=$${secretVariable}"`];
    case 'jwt':
      // RFC 7523 §2.2: a JWT signed with the app's private key, made fresh for every request.
      return [
        `--data-urlencode client_id=${sh(clientId)}`,
        `-d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
        `--data-urlencode "client_assertion=$CLIENT_ASSERTION"`,
      ];
  }
}

const curlCommand = (url: string, options: string[]) => [`curl -sS -X POST ${sh(url)}`, ...options].join(' \\\n  ');

/** openid-client 6: the arguments after the client ID of `discovery()`. */
function openIdClientAuth(kind: AuthKind): [string, string] {
  switch (kind) {
    case 'none':
      return ['undefined', 'client.None()'];
    case 'basic':
      return [`process.env.${secretVariable}`, 'client.ClientSecretBasic()'];
    case 'post':
      return [`process.env.${secretVariable}`, 'client.ClientSecretPost()'];
    case 'jwt':
      return ['undefined', 'client.PrivateKeyJwt(privateKey)'];
  }
}

function openIdClientHeader(issuer: string, clientId: string, kind: AuthKind): string[] {
  const insecure = issuer.startsWith('http:');
  const lines = [`import * as client from 'openid-client';`];
  if (kind === 'jwt') {
    lines.push(
      `import { readFile } from 'node:fs/promises';`,
      `import { importPKCS8 } from 'jose';`,
      '',
      '// The private key whose public key or certificate you uploaded on the Advanced tab, and its algorithm.',
      `const privateKey = await importPKCS8(await readFile('private-key.pem', 'utf8'), 'RS256');`,
    );
  }
  lines.push(
    '',
    `const config = await client.discovery(`,
    `  new URL(${js(issuer)}),`,
    `  ${js(clientId)},`,
    ...openIdClientAuth(kind).map((argument) => `  ${argument},`),
    ...(insecure ? ['  // Plain http: only for a development issuer on this machine.', '  { execute: [client.allowInsecureRequests] },'] : []),
    ');',
  );
  return lines;
}

function authlibSession(clientId: string, kind: AuthKind, extra: string[]): string[] {
  const methods: Record<AuthKind, string> = { none: 'none', basic: 'client_secret_basic', post: 'client_secret_post', jwt: 'private_key_jwt' };
  const secret = kind === 'none' ? [] : kind === 'jwt' ? ['    open("private-key.pem").read(),'] : [`    os.environ[${py(secretVariable)}],`];
  return [
    'client = OAuth2Session(',
    `    ${py(clientId)},`,
    ...secret,
    ...extra,
    `    token_endpoint_auth_method=${py(methods[kind])},`,
    ')',
    ...(kind === 'jwt' ? ['client.register_client_auth_method(PrivateKeyJWT(TOKEN_ENDPOINT))'] : []),
  ];
}

function authlibHeader(issuer: string, kind: AuthKind, imports: string[] = [], fromImports: string[] = []): string[] {
  return [
    'import os',
    ...imports,
    '',
    'from authlib.integrations.requests_client import OAuth2Session',
    ...fromImports,
    ...(kind === 'jwt' ? ['from authlib.oauth2.rfc7523 import PrivateKeyJWT'] : []),
    '',
    ...(issuer.startsWith('http:') ? ['# Plain http: only for a development issuer on this machine.', 'os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"'] : []),
    `TOKEN_ENDPOINT = ${py(endpointUrl(issuer, 'token'))}`,
  ];
}

/** The client credentials grant with an audience (RFC 6749 §4.4, RFC 8707), as curl: M2M apps and per-user client credentials. */
export function clientCredentialsCurl(
  issuer: string,
  client: { clientId: string; tokenEndpointAuthMethod: string },
  grant: { audience: string; scopes: readonly string[] } | undefined,
): string {
  return curlCommand(endpointUrl(issuer, 'token'), [
    ...curlAuth(authKindOf({ type: 'm2m', tokenEndpointAuthMethod: client.tokenEndpointAuthMethod }), client.clientId),
    '-d grant_type=client_credentials',
    ...(grant ? [`--data-urlencode audience=${sh(grant.audience)}`] : []),
    ...(grant && grant.scopes.length > 0 ? [`--data-urlencode scope=${sh(grant.scopes.join(' '))}`] : []),
  ]);
}

function machineSnippets(issuer: string, app: QuickstartApp, kind: AuthKind): Snippet[] {
  const grant = app.apiGrants[0];
  const others = app.apiGrants.slice(1).map((item) => item.audience);
  const note = others.length > 0 ? [`# It may also ask for: ${others.join(', ')}`] : [];
  const parameters: string[] = [];
  if (grant) parameters.push(`audience: ${js(grant.audience)}`);
  if (grant && grant.scopes.length > 0) parameters.push(`scope: ${js(grant.scopes.join(' '))}`);
  const pyParameters = grant ? [`    audience=${py(grant.audience)},`] : [];
  return [
    {
      id: 'curl',
      label: 'curl',
      language: 'shell',
      code: [...note, clientCredentialsCurl(issuer, app, grant)].join('\n'),
    },
    {
      id: 'openid-client',
      label: 'Node.js (openid-client)',
      language: 'javascript',
      code: [
        ...openIdClientHeader(issuer, app.clientId, kind),
        '',
        `const tokens = await client.clientCredentialsGrant(config, { ${parameters.join(', ')} });`,
        'console.log(tokens.access_token, tokens.expiresIn());',
      ].join('\n'),
    },
    {
      id: 'authlib',
      label: 'Python (authlib)',
      language: 'python',
      code: [
        ...authlibHeader(issuer, kind),
        '',
        ...authlibSession(app.clientId, kind, grant && grant.scopes.length > 0 ? [`    scope=${py(grant.scopes.join(' '))},`] : []),
        'token = client.fetch_token(',
        '    TOKEN_ENDPOINT,',
        '    grant_type="client_credentials",',
        ...pyParameters,
        ')',
        'print(token["access_token"])',
      ].join('\n'),
    },
  ];
}

function deviceSnippets(issuer: string, app: QuickstartApp, scope: string): Snippet[] {
  const deviceEndpoint = endpointUrl(issuer, 'deviceAuthorization');
  return [
    {
      id: 'curl',
      label: 'curl',
      language: 'shell',
      code: [
        '# 1. Ask for a device code and a user code (RFC 8628 §3.1).',
        curlCommand(deviceEndpoint, [`--data-urlencode client_id=${sh(app.clientId)}`, `--data-urlencode scope=${sh(scope)}`]),
        '# 2. Show the user verification_uri_complete (or verification_uri and user_code).',
        '# 3. Poll every `interval` seconds with the device_code until the answer holds tokens',
        '#    (authorization_pending: keep waiting; slow_down: wait 5 seconds longer).',
        curlCommand(endpointUrl(issuer, 'token'), [
          `--data-urlencode client_id=${sh(app.clientId)}`,
          `-d grant_type=${grantTypeNames.deviceCode}`,
          '--data-urlencode "device_code=$DEVICE_CODE"',
        ]),
      ].join('\n'),
    },
    {
      id: 'openid-client',
      label: 'Node.js (openid-client)',
      language: 'javascript',
      code: [
        ...openIdClientHeader(issuer, app.clientId, 'none'),
        '',
        `const device = await client.initiateDeviceAuthorization(config, { scope: ${js(scope)} });`,
        'console.log(`Open ${device.verification_uri_complete ?? device.verification_uri} and enter ${device.user_code}`);',
        '',
        '// Polls at the interval the server asks for, until the user approves or the code expires.',
        'const tokens = await client.pollDeviceAuthorizationGrant(config, device);',
        'console.log(tokens.access_token);',
      ].join('\n'),
    },
    {
      id: 'authlib',
      label: 'Python (authlib)',
      language: 'python',
      code: [
        ...authlibHeader(issuer, 'none', ['import time', '', 'import requests'], ['from authlib.integrations.requests_client import OAuthError']),
        '',
        `device = requests.post(${py(deviceEndpoint)}, data={"client_id": ${py(app.clientId)}, "scope": ${py(scope)}}).json()`,
        'print("Open", device.get("verification_uri_complete", device["verification_uri"]), "and enter", device["user_code"])',
        '',
        ...authlibSession(app.clientId, 'none', []),
        'interval = device.get("interval", 5)',
        'while True:',
        '    time.sleep(interval)',
        '    try:',
        `        token = client.fetch_token(TOKEN_ENDPOINT, grant_type=${py(grantTypeNames.deviceCode)}, device_code=device["device_code"])`,
        '        break',
        '    except OAuthError as error:',
        '        if error.error == "slow_down":',
        '            interval += 5',
        '        elif error.error != "authorization_pending":',
        '            raise',
        'print(token["access_token"])',
      ].join('\n'),
    },
  ];
}

function authorizationCodeSnippets(issuer: string, app: QuickstartApp, kind: AuthKind, scope: string): Snippet[] {
  const redirectUri = app.redirectUris[0] ?? 'https://app.example.com/callback';
  const authorize = endpointUrl(issuer, 'authorization');
  const insecure = issuer.startsWith('http:');
  const authorizeQuery = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: redirectUri, scope }).toString();
  const snippets: Snippet[] = [
    {
      id: 'curl',
      label: 'curl',
      language: 'shell',
      code: [
        '# 1. A PKCE verifier and its S256 challenge (RFC 7636 §4.1, §4.2).',
        'CODE_VERIFIER=$(openssl rand -hex 32)',
        `CODE_CHALLENGE=$(printf '%s' "$CODE_VERIFIER" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')`,
        'STATE=$(openssl rand -hex 16)',
        '# 2. Open this in a browser and sign in; the redirect URI receives ?code=...&state=...',
        `echo ${sh(`${authorize}?${authorizeQuery}`)}"&code_challenge=$CODE_CHALLENGE&code_challenge_method=S256&state=$STATE"`,
        '# 3. Check that state matches $STATE, then redeem the code (once, within a minute).',
        curlCommand(endpointUrl(issuer, 'token'), [
          ...curlAuth(kind, app.clientId),
          '-d grant_type=authorization_code',
          '--data-urlencode "code=$CODE"',
          `--data-urlencode redirect_uri=${sh(redirectUri)}`,
          '-d "code_verifier=$CODE_VERIFIER"',
        ]),
      ].join('\n'),
    },
    {
      id: 'openid-client',
      label: 'Node.js (openid-client)',
      language: 'javascript',
      code: [
        ...openIdClientHeader(issuer, app.clientId, kind),
        `const redirect_uri = ${js(redirectUri)};`,
        '',
        "// Sign-in: keep code_verifier and state in the user's session, then redirect to authorizationUrl.",
        'const code_verifier = client.randomPKCECodeVerifier();',
        'const code_challenge = await client.calculatePKCECodeChallenge(code_verifier);',
        'const state = client.randomState();',
        'const authorizationUrl = client.buildAuthorizationUrl(config, {',
        '  redirect_uri,',
        `  scope: ${js(scope)},`,
        '  code_challenge,',
        "  code_challenge_method: 'S256',",
        '  state,',
        '});',
        '',
        '// Callback: currentUrl is the full URL the browser came back to, as a URL.',
        'const tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: code_verifier, expectedState: state });',
        'console.log(tokens.access_token, tokens.claims());',
      ].join('\n'),
    },
  ];
  if (kind === 'none') {
    const options = insecure ? ', { [oauth.allowInsecureRequests]: true }' : '';
    snippets.push({
      id: 'oauth4webapi',
      label: 'Browser (oauth4webapi)',
      language: 'javascript',
      code: [
        "import * as oauth from 'oauth4webapi';",
        '',
        `const issuer = new URL(${js(issuer)});`,
        ...(insecure ? ['// Plain http: only for a development issuer on this machine.'] : []),
        `const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer${options}));`,
        `const client = { client_id: ${js(app.clientId)} };`,
        `const redirect_uri = ${js(redirectUri)};`,
        '',
        '// Sign-in: keep code_verifier and state until the callback.',
        'const code_verifier = oauth.generateRandomCodeVerifier();',
        'const state = oauth.generateRandomState();',
        "sessionStorage.setItem('oauth', JSON.stringify({ code_verifier, state }));",
        'const url = new URL(as.authorization_endpoint);',
        'url.search = new URLSearchParams({',
        '  client_id: client.client_id,',
        '  redirect_uri,',
        "  response_type: 'code',",
        `  scope: ${js(scope)},`,
        '  code_challenge: await oauth.calculatePKCECodeChallenge(code_verifier),',
        "  code_challenge_method: 'S256',",
        '  state,',
        '}).toString();',
        app.type === 'native' ? '// A native app opens this in the system browser (RFC 8252 §6).' : null,
        'location.assign(url);',
        '',
        '// Callback, at redirect_uri:',
        "const saved = JSON.parse(sessionStorage.getItem('oauth'));",
        'const params = oauth.validateAuthResponse(as, client, new URL(location.href), saved.state);',
        `const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirect_uri, saved.code_verifier${options});`,
        'const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);',
        'console.log(tokens.access_token);',
      ]
        .filter((line): line is string => line !== null)
        .join('\n'),
    });
  }
  snippets.push({
    id: 'authlib',
    label: 'Python (authlib)',
    language: 'python',
    code: [
      ...authlibHeader(issuer, kind, [], ['from authlib.common.security import generate_token']),
      '',
      ...authlibSession(app.clientId, kind, [`    scope=${py(scope)},`, `    redirect_uri=${py(redirectUri)},`, '    code_challenge_method="S256",']),
      '',
      "# Sign-in: keep code_verifier and state in the user's session, then redirect to uri.",
      'code_verifier = generate_token(48)',
      `uri, state = client.create_authorization_url(${py(authorize)}, code_verifier=code_verifier)`,
      '',
      '# Callback: callback_url is the full URL the browser came back to.',
      'token = client.fetch_token(TOKEN_ENDPOINT, authorization_response=callback_url, state=state, code_verifier=code_verifier)',
      'print(token["access_token"])',
    ].join('\n'),
  });
  return snippets;
}

const flows: Record<AppType, string> = {
  native: 'Authorization code flow with PKCE (S256): a public client, no secret. Open the sign-in page in the system browser.',
  spa: 'Authorization code flow with PKCE (S256) in the browser: a public client, no secret.',
  web: 'Authorization code flow with PKCE (S256), redeemed on your server with the client secret.',
  m2m: 'Client credentials: your service gets a token for an API (audience) with its client ID and secret; no user.',
  device: 'Device flow (RFC 8628): the device shows a code, the user approves it on another screen, the device polls for tokens.',
};

function secretNoteOf(kind: AuthKind): string | null {
  if (kind === 'none') return null;
  if (kind === 'jwt')
    return 'This app signs a JWT with its private key instead of a secret (private_key_jwt): upload the public key or certificate on the Advanced tab, and keep the private key on your server.';
  return `Set ${secretVariable} to the client secret: it was shown once, when the app was created or its secret was last refreshed (on the OAuth & scopes tab). Keep it on your server, never in code or in a browser.`;
}

export function quickstartFor(issuer: string, app: QuickstartApp): Quickstart {
  const kind = authKindOf(app);
  const scope = app.scopes.length > 0 ? app.scopes.join(' ') : 'openid';
  const snippets =
    app.type === 'm2m'
      ? machineSnippets(issuer, app, kind)
      : app.type === 'device'
        ? deviceSnippets(issuer, app, scope)
        : authorizationCodeSnippets(issuer, app, kind, scope);
  return { endpoints: endpointsFor(issuer, app), flow: flows[app.type], snippets, secretNote: secretNoteOf(kind) };
}
