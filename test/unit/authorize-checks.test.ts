import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient } from '../../src/ports/directories.js';
import {
  checkAcrValues,
  checkClaimsParameter,
  checkClient,
  checkClientMayAuthorize,
  checkDpopJkt,
  checkDuplicateParameters,
  checkLoginHint,
  checkMaxAge,
  checkNonce,
  checkOrganization,
  checkPkce,
  checkPrompt,
  checkPushedRequestRequired,
  checkRedirectUri,
  checkResponseMode,
  checkResponseType,
  checkScopeAndAudience,
  checksAfterRedirect,
  checksBeforeRedirect,
  checkUnsupportedParameters,
  redirectUriMatches,
  type AuthorizeCheck,
  type AuthorizeCheckContext,
} from '../../src/protocol/authorize/checks.js';
import { isOAuthError } from '../../src/protocol/errors.js';
import { bagFromEntries } from '../../src/protocol/messages.js';
import { managementApiRecord } from '../../src/runtime/protocol.js';
import { createTestProtocol, fakeClock, type TestProtocol } from '../support/protocol.js';

const reportsApi = 'https://reports.example.test';
const otherOrgApi = 'https://elsewhere.example.test';
const callback = 'https://app.example.com/cb';
const otherCallback = 'https://app.example.com/other';
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

type Form = Record<string, string | string[]>;
type Outcome = { result: string; context: AuthorizeCheckContext };

/** A row: what it is, the form, the client the earlier checks proved (by name), and 'ok' or `code: description`. */
type Row = [name: string, form: Form, client: ClientName, expected: string];
type ClientName = 'none' | 'web' | 'single' | 'native' | 'spa' | 'noPkce' | 'draft' | 'disabled' | 'deviceOnly';

describe('the authorization request checks, each on its own', () => {
  let t: TestProtocol;
  const clients = {} as Record<Exclude<ClientName, 'none'>, OAuthClient>;
  let teamId: string;

  before(async () => {
    t = await createTestProtocol({ clock: fakeClock() });
    const { apis, orgs } = t.runtime.registry;
    await apis.create(t.operator, t.orgId, { identifier: reportsApi, name: 'Reports', scopes: [{ name: 'read:reports' }] });
    const team = await orgs.create(t.operator, { name: 'checks-team' });
    teamId = team.id;
    await apis.create(t.operator, team.id, { identifier: otherOrgApi, name: 'Elsewhere', scopes: [{ name: 'read:elsewhere' }] });
    const scopes = ['openid', 'profile', 'offline_access', 'read:reports'];
    clients.web = (await t.createApp({ name: 'Web', type: 'web', redirectUris: [callback, otherCallback], scopes })).client;
    clients.single = (await t.createApp({ name: 'Single', type: 'web', redirectUris: [callback], scopes: ['openid'] })).client;
    clients.native = (await t.createApp({ name: 'Native', type: 'native', redirectUris: ['http://127.0.0.1/callback'], scopes: ['openid'] })).client;
    clients.spa = (await t.createApp({ name: 'SPA', type: 'spa', redirectUris: [callback], scopes: ['openid'] })).client;
    const web = clients.web;
    clients.noPkce = { ...web, policy: { ...web.policy, security: { ...web.policy.security, requirePkce: false } } };
    clients.draft = { ...web, app: { ...web.app, status: 'draft' } };
    clients.disabled = { ...web, app: { ...web.app, status: 'disabled' } };
    clients.deviceOnly = { ...web, policy: { ...web.policy, grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'] } };
  });
  after(() => t.close());

  async function run(check: AuthorizeCheck, form: Form, client: ClientName, earlier: Partial<AuthorizeCheckContext['request']> = {}): Promise<Outcome> {
    const entries = Object.entries(form).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]));
    const context: AuthorizeCheckContext = {
      parameters: bagFromEntries(entries),
      pushed: false,
      deps: t.deps,
      ...(client === 'none' ? {} : { client: clients[client] }),
      request: { responseMode: 'query', state: null, ...earlier },
    };
    try {
      await check.run(context);
      return { result: 'ok', context };
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      const body = error.toJSON();
      return { result: `${body.error}: ${body.error_description}`, context };
    }
  }

  function table(check: AuthorizeCheck, rows: readonly Row[]): void {
    for (const [name, form, client, expected] of rows) {
      test(`${check.name}: ${name}`, async () => {
        assert.equal((await run(check, form, client)).result, expected);
      });
    }
  }

  test('the checks run in this order: client and redirect URI shown to the user, the rest sent back to the client', () => {
    assert.deepEqual(
      checksBeforeRedirect.map((check) => check.name),
      ['client', 'request object', 'redirect_uri'],
    );
    assert.deepEqual(
      checksAfterRedirect.map((check) => check.name),
      [
        'response_mode',
        'pushed authorization request required',
        'duplicate parameters',
        'request objects by reference',
        'response_type',
        'client status and grant',
        'pkce',
        'scope and audience',
        'nonce',
        'prompt',
        'max_age',
        'login_hint',
        'organization',
        'acr_values',
        'claims',
        'dpop_jkt',
      ],
    );
  });

  test('pushed authorization request required: only pushed requests pass when the app or the server requires them (RFC 9126 §5)', () => {
    const web = clients.web;
    const strict: OAuthClient = { ...web, policy: { ...web.policy, security: { ...web.policy.security, requirePushedAuthorizationRequests: true } } };
    const outcome = (client: OAuthClient, pushed: boolean, serverWide: boolean): string => {
      const context: AuthorizeCheckContext = {
        parameters: bagFromEntries([]),
        pushed,
        deps: { ...t.deps, authorizationPolicy: { requirePushedRequests: serverWide } },
        client,
        request: { responseMode: 'query', state: null },
      };
      try {
        void checkPushedRequestRequired.run(context);
        return 'ok';
      } catch (error) {
        if (!isOAuthError(error)) throw error;
        return `${error.code}: ${error.description}`;
      }
    };
    assert.equal(outcome(web, false, false), 'ok');
    assert.equal(outcome(strict, true, false), 'ok');
    assert.equal(outcome(web, true, true), 'ok');
    assert.match(outcome(strict, false, false), /^invalid_request: this app requires pushed authorization requests: .*\(RFC 9126 §5\)$/);
    assert.match(outcome(web, false, true), /^invalid_request: this server requires pushed authorization requests/);
  });

  test('client: a known client_id proves the client', async () => {
    const { result, context } = await run(checkClient, { client_id: clients.web.clientId }, 'none');
    assert.equal(result, 'ok');
    assert.equal(context.client?.clientId, clients.web.clientId);
    assert.equal(context.request.clientId, clients.web.clientId);
  });
  table(checkClient, [
    ['client_id twice', { client_id: ['a', 'b'] }, 'none', 'invalid_request: client_id is included more than once (RFC 6749 §3.1)'],
    ['the same client_id twice', { client_id: ['a', 'a'] }, 'none', 'invalid_request: client_id is included more than once (RFC 6749 §3.1)'],
    ['no client_id', {}, 'none', 'invalid_request: client_id is missing (RFC 6749 §4.1.1)'],
    ['an empty client_id', { client_id: '' }, 'none', 'invalid_request: client_id is missing (RFC 6749 §4.1.1)'],
    ['an unknown client_id', { client_id: 'lk_nobody' }, 'none', 'invalid_client: no app has the client_id lk_nobody'],
  ]);

  const redirectRows: [string, Form, ClientName, string, boolean][] = [
    ['a registered URI, exactly', { redirect_uri: otherCallback }, 'web', otherCallback, true],
    ['none given, the only one registered, not OpenID Connect', { scope: 'profile' }, 'single', callback, false],
    [
      "a native app's loopback URI on another port (RFC 8252 §7.3)",
      { redirect_uri: 'http://127.0.0.1:51234/callback' },
      'native',
      'http://127.0.0.1:51234/callback',
      true,
    ],
  ];
  for (const [name, form, client, uri, given] of redirectRows) {
    test(`redirect_uri: ${name}`, async () => {
      const { result, context } = await run(checkRedirectUri, form, client);
      assert.equal(result, 'ok');
      assert.deepEqual([context.request.redirectUri, context.request.redirectUriGiven], [uri, given]);
    });
  }
  const notRegistered = 'invalid_request: redirect_uri is not one of the redirect URIs registered for this app (exact match, RFC 9700 §4.1)';
  table(checkRedirectUri, [
    ['redirect_uri twice', { redirect_uri: [callback, callback] }, 'web', 'invalid_request: redirect_uri is included more than once (RFC 6749 §3.1)'],
    [
      'none given in an OpenID Connect request',
      { scope: 'openid profile' },
      'single',
      'invalid_request: redirect_uri is required in an OpenID Connect request (OIDC Core §3.1.2.1)',
    ],
    ['none given, several registered', {}, 'web', 'invalid_request: redirect_uri is required: the app registered several (RFC 6749 §3.1.2.3)'],
    ['an unregistered URI', { redirect_uri: 'https://evil.example/cb' }, 'web', notRegistered],
    ['a registered URI with a trailing slash', { redirect_uri: `${callback}/` }, 'web', notRegistered],
    ['a registered URI with a query added', { redirect_uri: `${callback}?next=1` }, 'web', notRegistered],
    ['a registered URI in other case', { redirect_uri: callback.toUpperCase() }, 'web', notRegistered],
    ["a native app's loopback URI with another path", { redirect_uri: 'http://127.0.0.1:51234/other' }, 'native', notRegistered],
    ["a native app's loopback URI on another loopback host", { redirect_uri: 'http://localhost:51234/callback' }, 'native', notRegistered],
  ]);

  const matchRows: [string, string, string, 'web' | 'native' | 'spa', boolean][] = [
    ['the same URI', callback, callback, 'web', true],
    ["a web app's loopback URI on another port", 'http://127.0.0.1:8080/cb', 'http://127.0.0.1:9090/cb', 'web', false],
    ["a single-page app's loopback URI on another port", 'http://localhost:3000/cb', 'http://localhost:3001/cb', 'spa', false],
    ["a native app's IPv6 loopback URI on another port", 'http://[::1]/cb', 'http://[::1]:7000/cb', 'native', true],
    ["a native app's loopback URI over https", 'http://127.0.0.1/cb', 'https://127.0.0.1:7000/cb', 'native', false],
    ["a native app's non-loopback URI on another port", 'http://example.com/cb', 'http://example.com:7000/cb', 'native', false],
  ];
  for (const [name, registered, presented, type, matches] of matchRows) {
    test(`redirectUriMatches: ${name}`, () => assert.equal(redirectUriMatches(registered, presented, type), matches));
  }

  const modeRows: [string, Form, 'query' | 'form_post', string | null][] = [
    ['no response_mode, with state', { state: 'xyz' }, 'query', 'xyz'],
    ['query', { response_mode: 'query' }, 'query', null],
    ['form_post', { response_mode: 'form_post', state: 's' }, 'form_post', 's'],
  ];
  for (const [name, form, mode, state] of modeRows) {
    test(`response_mode: ${name}`, async () => {
      const { result, context } = await run(checkResponseMode, form, 'web');
      assert.equal(result, 'ok');
      assert.deepEqual([context.request.responseMode, context.request.state], [mode, state]);
    });
  }
  table(checkResponseMode, [
    ['fragment', { response_mode: 'fragment' }, 'web', 'invalid_request: response_mode fragment is not supported: use query or form_post'],
    ['an unknown mode', { response_mode: 'web_message' }, 'web', 'invalid_request: response_mode web_message is not supported: use query or form_post'],
  ]);
  test('response_mode: state is kept even when the mode is refused, so the error can carry it', async () => {
    const { result, context } = await run(checkResponseMode, { response_mode: 'fragment', state: 'keep' }, 'web');
    assert.match(result, /^invalid_request: /);
    assert.equal(context.request.state, 'keep');
  });

  table(checkDuplicateParameters, [
    ['each parameter once', { scope: 'openid', state: 's' }, 'web', 'ok'],
    ['resource more than once (RFC 8707 §2)', { resource: [reportsApi, otherOrgApi] }, 'web', 'ok'],
    ['scope twice', { scope: ['openid', 'profile'] }, 'web', 'invalid_request: the scope parameter is included more than once (RFC 6749 §3.1)'],
    ['state twice', { state: ['a', 'a'] }, 'web', 'invalid_request: the state parameter is included more than once (RFC 6749 §3.1)'],
  ]);

  table(checkUnsupportedParameters, [
    ['none of them', { scope: 'openid' }, 'web', 'ok'],
    [
      'request_uri',
      { request_uri: 'https://app.example.com/r' },
      'web',
      'request_uri_not_supported: the request_uri parameter is not supported (OIDC Core §6.2)',
    ],
    ['registration', { registration: '{}' }, 'web', 'registration_not_supported: the registration parameter is not supported (OIDC Core §7.2.1)'],
  ]);

  table(checkResponseType, [
    ['code', { response_type: 'code' }, 'web', 'ok'],
    ['no response_type', {}, 'web', 'invalid_request: response_type is missing (RFC 6749 §4.1.1)'],
    ['an empty response_type', { response_type: '' }, 'web', 'invalid_request: response_type is missing (RFC 6749 §4.1.1)'],
    [
      'token (implicit)',
      { response_type: 'token' },
      'web',
      'unsupported_response_type: response_type token is not supported: only code (no implicit or hybrid flows, RFC 9700 §2.1.2)',
    ],
    [
      'code id_token (hybrid)',
      { response_type: 'code id_token' },
      'web',
      'unsupported_response_type: response_type code id_token is not supported: only code (no implicit or hybrid flows, RFC 9700 §2.1.2)',
    ],
  ]);

  const notInGrants = "unauthorized_client: this app may not use the authorization code grant: it is not in the app's grant types";
  table(checkClientMayAuthorize, [
    ['an active app with the authorization code grant', {}, 'web', 'ok'],
    ['a draft app', {}, 'draft', 'unauthorized_client: the app is draft: only active apps may ask for authorization'],
    ['a disabled app', {}, 'disabled', 'unauthorized_client: the app is disabled: only active apps may ask for authorization'],
    ['an app without the authorization code grant', {}, 'deviceOnly', notInGrants],
  ]);

  const pkceRows: [string, Form, ClientName, string | null][] = [
    ['S256 with a 43-character challenge', { code_challenge: challenge, code_challenge_method: 'S256' }, 'web', challenge],
    ['none, from a confidential app that does not require it', {}, 'noPkce', null],
    ['S256 from a public app', { code_challenge: challenge, code_challenge_method: 'S256' }, 'spa', challenge],
  ];
  for (const [name, form, client, stored] of pkceRows) {
    test(`pkce: ${name}`, async () => {
      const { result, context } = await run(checkPkce, form, client);
      assert.equal(result, 'ok');
      assert.equal(context.request.codeChallenge, stored);
    });
  }
  const pkceRequired = 'invalid_request: code_challenge is required: this app must use PKCE with S256 (RFC 7636, RFC 9700 §2.1.1)';
  const badChallenge = 'invalid_request: code_challenge must be the 43-character base64url SHA-256 of the code_verifier (RFC 7636 §4.2)';
  table(checkPkce, [
    [
      'a method without a challenge',
      { code_challenge_method: 'S256' },
      'noPkce',
      'invalid_request: code_challenge_method was sent without a code_challenge (RFC 7636 §4.3)',
    ],
    ['none, from an app that requires it', {}, 'web', pkceRequired],
    ['none, from a public app', {}, 'spa', pkceRequired],
    [
      'a challenge without a method (plain)',
      { code_challenge: challenge },
      'web',
      'invalid_request: code_challenge_method is missing, which means plain (RFC 7636 §4.3); only S256 is accepted',
    ],
    [
      'plain',
      { code_challenge: challenge, code_challenge_method: 'plain' },
      'web',
      'invalid_request: code_challenge_method plain is not supported: only S256 (RFC 9700 §2.1.1)',
    ],
    [
      's256 in lower case',
      { code_challenge: challenge, code_challenge_method: 's256' },
      'web',
      'invalid_request: code_challenge_method s256 is not supported: only S256 (RFC 9700 §2.1.1)',
    ],
    ['a 42-character challenge', { code_challenge: challenge.slice(1), code_challenge_method: 'S256' }, 'web', badChallenge],
    ['a 44-character challenge', { code_challenge: `${challenge}A`, code_challenge_method: 'S256' }, 'web', badChallenge],
    ['a challenge with a character outside base64url', { code_challenge: `+${challenge.slice(1)}`, code_challenge_method: 'S256' }, 'web', badChallenge],
    [
      'an empty challenge counts as none',
      { code_challenge: '', code_challenge_method: 'S256' },
      'web',
      'invalid_request: code_challenge_method was sent without a code_challenge (RFC 7636 §4.3)',
    ],
  ]);

  const scopeRows: [string, Form, string[], string[]][] = [
    ['scopes of the app and of the named API', { scope: 'openid read:reports', audience: reportsApi }, ['openid', 'read:reports'], [reportsApi]],
    ['the API named by resource (RFC 8707)', { scope: 'read:reports', resource: reportsApi }, ['read:reports'], [reportsApi]],
    ['the API named twice, by resource and audience', { scope: 'openid', resource: reportsApi, audience: reportsApi }, ['openid'], [reportsApi]],
    [
      "no scope: the app's scopes without offline_access, only those of the named APIs (RFC 6749 §3.3)",
      { audience: reportsApi },
      ['openid', 'profile', 'read:reports'],
      [reportsApi],
    ],
    ['no scope and no API: the standard scopes only', {}, ['openid', 'profile'], []],
    ['offline_access asked for', { scope: 'openid offline_access' }, ['openid', 'offline_access'], []],
  ];
  for (const [name, form, scope, audiences] of scopeRows) {
    test(`scope and audience: ${name}`, async () => {
      const { result, context } = await run(checkScopeAndAudience, form, 'web');
      assert.equal(result, 'ok');
      assert.deepEqual([context.request.scope, context.request.audiences], [scope, audiences]);
    });
  }
  test('scope and audience: refusals', async () => {
    const management = managementApiRecord(t.deps.issuer).identifier;
    const rows: [string, Form, string][] = [
      [
        'a scope the app is not allowed',
        { scope: 'openid email' },
        "invalid_scope: this app may not ask for the email scope (it is not in the app's allowed scopes)",
      ],
      [
        'an API scope without naming its API',
        { scope: 'read:reports' },
        `invalid_scope: read:reports is a scope of ${reportsApi}: name that API with the audience or resource parameter (RFC 8707)`,
      ],
      ['a target that is not an absolute URI', { resource: 'reports' }, 'invalid_target: reports is not an absolute URI without a fragment (RFC 8707 §2)'],
      ['a target with a fragment', { audience: `${reportsApi}#x` }, `invalid_target: ${reportsApi}#x is not an absolute URI without a fragment (RFC 8707 §2)`],
      [
        'an unknown API',
        { resource: 'https://unknown.example.test' },
        "invalid_target: https://unknown.example.test is not an API this app's organization registered (RFC 8707 §2)",
      ],
      [
        "another organization's API",
        { audience: otherOrgApi },
        `invalid_target: ${otherOrgApi} is not an API this app's organization registered (RFC 8707 §2)`,
      ],
      [
        'the management API, for an app not allowed it',
        { audience: management },
        `invalid_target: ${management} is the Latchkey management API: only apps a server administrator allowed may get tokens for it (RFC 8707 §2)`,
      ],
    ];
    for (const [name, form, expected] of rows) assert.equal((await run(checkScopeAndAudience, form, 'web')).result, expected, name);
  });

  const nonceRows: [string, Form, string | null][] = [
    ['none', {}, null],
    ['512 characters', { nonce: 'n'.repeat(512) }, 'n'.repeat(512)],
  ];
  for (const [name, form, nonce] of nonceRows) {
    test(`nonce: ${name}`, async () => {
      const { result, context } = await run(checkNonce, form, 'web');
      assert.equal(result, 'ok');
      assert.equal(context.request.nonce, nonce);
    });
  }
  table(checkNonce, [['513 characters', { nonce: 'n'.repeat(513) }, 'web', 'invalid_request: nonce must be at most 512 characters']]);

  const promptRows: [string, Form, string[]][] = [
    ['none given', {}, []],
    ['empty', { prompt: '' }, []],
    ['none alone', { prompt: 'none' }, ['none']],
    ['login and consent', { prompt: 'login consent' }, ['login', 'consent']],
    ['select_account', { prompt: 'select_account' }, ['select_account']],
    ['a value repeated, and extra spaces', { prompt: ' login  login ' }, ['login']],
  ];
  for (const [name, form, prompt] of promptRows) {
    test(`prompt: ${name}`, async () => {
      const { result, context } = await run(checkPrompt, form, 'web');
      assert.equal(result, 'ok');
      assert.deepEqual(context.request.prompt, prompt);
    });
  }
  table(checkPrompt, [
    ['an unknown value', { prompt: 'login create' }, 'web', 'invalid_request: prompt create is not one of none, login, consent, select_account'],
    ['a value in other case', { prompt: 'Login' }, 'web', 'invalid_request: prompt Login is not one of none, login, consent, select_account'],
    [
      'none with another value',
      { prompt: 'none login' },
      'web',
      'invalid_request: prompt=none can not be combined with other prompt values (OIDC Core §3.1.2.1)',
    ],
    ['none twice', { prompt: 'none none' }, 'web', 'invalid_request: prompt=none can not be combined with other prompt values (OIDC Core §3.1.2.1)'],
  ]);

  const maxAgeRows: [string, Form, number | null][] = [
    ['none given', {}, null],
    ['empty, which counts as none given', { max_age: '' }, null],
    ['zero', { max_age: '0' }, 0],
    ['an hour', { max_age: '3600' }, 3600],
    ['ten digits', { max_age: '9999999999' }, 9_999_999_999],
  ];
  for (const [name, form, maxAge] of maxAgeRows) {
    test(`max_age: ${name}`, async () => {
      const { result, context } = await run(checkMaxAge, form, 'web');
      assert.equal(result, 'ok');
      assert.equal(context.request.maxAge, maxAge);
    });
  }
  const badMaxAge = 'invalid_request: max_age must be a non-negative whole number of seconds (OIDC Core §3.1.2.1)';
  table(checkMaxAge, [
    ['negative', { max_age: '-1' }, 'web', badMaxAge],
    ['a fraction', { max_age: '1.5' }, 'web', badMaxAge],
    ['eleven digits', { max_age: '12345678901' }, 'web', badMaxAge],
    ['not a number', { max_age: 'an hour' }, 'web', badMaxAge],
    ['with a sign', { max_age: '+5' }, 'web', badMaxAge],
  ]);

  const acrRows: [string, Form, string[]][] = [
    ['none given', {}, []],
    ['one class', { acr_values: 'urn:latchkey:acr:mfa' }, ['urn:latchkey:acr:mfa']],
    ['in order of preference, repeats dropped', { acr_values: 'b  a b' }, ['b', 'a']],
  ];
  for (const [name, form, values] of acrRows) {
    test(`acr_values: ${name}`, async () => {
      const { result, context } = await run(checkAcrValues, form, 'web');
      assert.equal(result, 'ok');
      assert.deepEqual(context.request.acrValues, values);
    });
  }
  table(checkAcrValues, [['over 1000 characters', { acr_values: 'a'.repeat(1001) }, 'web', 'invalid_request: acr_values must be at most 1000 characters']]);

  const openid = { scope: ['openid', 'profile'] };
  const claimsRows: [string, Form, string[]][] = [
    ['none given', {}, []],
    ['acr asked for as a voluntary claim', { claims: JSON.stringify({ id_token: { acr: null } }) }, []],
    [
      'acr essential with values, one of them known',
      { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:latchkey:acr:mfa', 7, 'urn:other'] } } }) },
      ['urn:latchkey:acr:mfa', 'urn:other'],
    ],
    [
      'acr essential with one value',
      { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:latchkey:acr:pwd' } } }) },
      ['urn:latchkey:acr:pwd'],
    ],
    ['acr not essential', { claims: JSON.stringify({ id_token: { acr: { essential: false, value: 'urn:other' } } }) }, []],
    ['other claims only', { claims: JSON.stringify({ userinfo: { email: { essential: true } } }) }, []],
  ];
  for (const [name, form, essential] of claimsRows) {
    test(`claims: ${name}`, async () => {
      const { result, context } = await run(checkClaimsParameter, form, 'web', openid);
      assert.equal(result, 'ok');
      assert.deepEqual(context.request.essentialAcr, essential);
    });
  }

  test('claims: unknown claims and claims of scopes the app may not ask for are left out (OIDC Core §5.5)', async () => {
    const claims = {
      id_token: { name: null, email: { essential: true }, favourite_colour: null, auth_time: { essential: true } },
      userinfo: { phone_number: null },
    };
    const { result, context } = await run(checkClaimsParameter, { claims: JSON.stringify(claims) }, 'web', openid);
    assert.equal(result, 'ok');
    // The app may ask for openid and profile only: email and phone_number are not for it.
    assert.deepEqual(context.request.claims, { id_token: { name: null, auth_time: { essential: true } }, userinfo: {} });
  });

  test('claims: none given keeps none', async () => {
    assert.equal((await run(checkClaimsParameter, {}, 'web', openid)).context.request.claims, null);
  });

  const claimsCases: [string, Form, Partial<AuthorizeCheckContext['request']>, string][] = [
    [
      'without openid',
      { claims: '{"id_token":{"name":null}}' },
      { scope: ['profile'] },
      'invalid_request: the claims parameter needs the openid scope: it asks for claims of OpenID Connect (OIDC Core §5.5)',
    ],
    ['not JSON', { claims: '{id_token' }, openid, 'invalid_request: claims must be a JSON object (OIDC Core §5.5)'],
    ['a JSON array', { claims: '[]' }, openid, 'invalid_request: claims must be a JSON object (OIDC Core §5.5)'],
    [
      'id_token not an object',
      { claims: '{"id_token":"acr"}' },
      openid,
      'invalid_request: claims.id_token must be a JSON object of claim requests (OIDC Core §5.5)',
    ],
    [
      'userinfo not an object',
      { claims: '{"userinfo":[1]}' },
      openid,
      'invalid_request: claims.userinfo must be a JSON object of claim requests (OIDC Core §5.5)',
    ],
    [
      'acr not an object',
      { claims: '{"id_token":{"acr":true}}' },
      openid,
      'invalid_request: claims.id_token.acr must be null or an object with essential, value or values (OIDC Core §5.5)',
    ],
    [
      'essential acr Latchkey can not meet',
      { claims: '{"id_token":{"acr":{"essential":true,"values":["urn:other"]}}}' },
      openid,
      'unmet_authentication_requirements: the essential acr asks for urn:other, and this server can meet only urn:latchkey:acr:pwd, urn:latchkey:acr:mfa (OIDC Core §5.5.1.1)',
    ],
  ];
  for (const [name, form, earlier, expected] of claimsCases) {
    test(`claims: ${name}`, async () => {
      assert.equal((await run(checkClaimsParameter, form, 'web', earlier)).result, expected);
    });
  }

  test('dpop_jkt: absent is unbound, a thumbprint binds the code (RFC 9449 §10)', async () => {
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    assert.equal((await run(checkDpopJkt, {}, 'web')).context.request.dpopJkt, null);
    assert.equal((await run(checkDpopJkt, { dpop_jkt: jkt }, 'web')).context.request.dpopJkt, jkt);
  });
  table(checkDpopJkt, [
    [
      'not a SHA-256 thumbprint',
      { dpop_jkt: 'abc' },
      'web',
      'invalid_request: dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §10, RFC 7638)',
    ],
  ]);

  const hintRows: [string, Form, string | null][] = [
    ['none given', {}, null],
    ['an email address', { login_hint: 'ada@example.com' }, 'ada@example.com'],
    ['254 characters', { login_hint: 'h'.repeat(254) }, 'h'.repeat(254)],
    ['255 characters: dropped, never refused', { login_hint: 'h'.repeat(255) }, null],
  ];
  for (const [name, form, hint] of hintRows) {
    test(`login_hint: ${name}`, async () => {
      const { result, context } = await run(checkLoginHint, form, 'web');
      assert.equal(result, 'ok');
      assert.equal(context.request.loginHint, hint);
    });
  }

  test('organization: none given, by name, by id, with an invitation', async () => {
    const rows: [string, Form, string | null, string | null][] = [
      ['none given', {}, null, null],
      ['by name', { organization: 'checks-team' }, teamId, null],
      ['by id', { organization: teamId }, teamId, null],
      ['with an invitation', { organization: 'checks-team', invitation: 'lk_inv_x' }, teamId, 'lk_inv_x'],
    ];
    for (const [name, form, orgId, invitation] of rows) {
      const { result, context } = await run(checkOrganization, form, 'web');
      assert.equal(result, 'ok', name);
      assert.deepEqual([context.request.organizationId, context.request.invitation, context.request.organizationUnknown], [orgId, invitation, false], name);
    }
  });

  test('an unknown organization is not refused before sign-in (that would say which names exist); no one is its member', async () => {
    const { result, context } = await run(checkOrganization, { organization: 'no-such-team' }, 'web');
    assert.equal(result, 'ok');
    assert.deepEqual([context.request.organizationId, context.request.organizationUnknown], [null, true]);
  });
  table(checkOrganization, [
    ['an invitation without an organization', { invitation: 'lk_inv_x' }, 'web', 'invalid_request: invitation needs the organization it is for'],
  ]);
});
