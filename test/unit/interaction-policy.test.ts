import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Prompt } from '../../src/protocol/authorize/request.js';
import {
  consentMissing,
  consentPolicy,
  consentPromptCheck,
  deviceConfirmation,
  deviceConsentPolicy,
  deviceLoginPolicy,
  failingCheck,
  loginPolicy,
  loginPromptCheck,
  maxAgeCheck,
  noSession,
  subjectMismatch,
  unverifiedEmail,
  verifiedEmailPolicy,
  type PolicyContext,
  type PromptCheck,
} from '../../src/protocol/interaction/policy.js';

const now = 1_700_000_000_000;
const login = { userId: 'usr_1', amr: ['pwd'], authTime: now - 10_000, acr: null };

function context(overrides: Partial<Omit<PolicyContext, 'prompt'>> & { prompt?: Prompt[]; covered?: boolean } = {}): PolicyContext {
  const { prompt = [], covered = true, ...rest } = overrides;
  return {
    prompt: new Set(prompt),
    maxAge: null,
    now,
    session: { authTime: now - 60_000 },
    login: null,
    consent: null,
    consentCovered: () => Promise.resolve(covered),
    email: { verificationRequired: false, verified: false },
    secondFactor: { proven: false, required: () => Promise.resolve(false) },
    subject: { requested: null, session: 'usr_1' },
    ...rest,
  };
}

const loginRequired = {
  code: 'login_required',
  description: 'the user must sign in, and prompt=none forbids showing the sign-in page (OIDC Core §3.1.2.6)',
};
const consentRequired = {
  code: 'consent_required',
  description: 'the user must consent, and prompt=none forbids asking (OIDC Core §3.1.2.6)',
};

describe('the prompt checks', () => {
  const cases: { check: PromptCheck; name: string; situation: string; context: PolicyContext; prompts: boolean }[] = [
    { check: noSession, name: 'no_session', situation: 'no session', context: context({ session: undefined }), prompts: true },
    { check: noSession, name: 'no_session', situation: 'a session', context: context(), prompts: false },
    { check: loginPromptCheck, name: 'login_prompt', situation: 'prompt=login', context: context({ prompt: ['login'] }), prompts: true },
    { check: loginPromptCheck, name: 'login_prompt', situation: 'prompt=select_account', context: context({ prompt: ['select_account'] }), prompts: true },
    {
      check: loginPromptCheck,
      name: 'login_prompt',
      situation: 'prompt=login, signed in for this interaction',
      context: context({ prompt: ['login'], login }),
      prompts: false,
    },
    { check: loginPromptCheck, name: 'login_prompt', situation: 'prompt=consent', context: context({ prompt: ['consent'] }), prompts: false },
    { check: loginPromptCheck, name: 'login_prompt', situation: 'no prompt', context: context(), prompts: false },
    { check: maxAgeCheck, name: 'max_age', situation: 'no max_age', context: context(), prompts: false },
    { check: maxAgeCheck, name: 'max_age', situation: 'session older than max_age', context: context({ maxAge: 59 }), prompts: true },
    { check: maxAgeCheck, name: 'max_age', situation: 'session exactly max_age old', context: context({ maxAge: 60 }), prompts: false },
    { check: maxAgeCheck, name: 'max_age', situation: 'max_age=0', context: context({ maxAge: 0 }), prompts: true },
    { check: maxAgeCheck, name: 'max_age', situation: 'max_age=0, signed in for this interaction', context: context({ maxAge: 0, login }), prompts: false },
    { check: maxAgeCheck, name: 'max_age', situation: 'no session (no_session says it)', context: context({ maxAge: 0, session: undefined }), prompts: false },
    {
      check: subjectMismatch,
      name: 'claims_id_token_sub_value',
      situation: 'the session is of another user than claims id_token.sub.value',
      context: context({ subject: { requested: 'usr_2', session: 'usr_1' } }),
      prompts: true,
    },
    {
      check: subjectMismatch,
      name: 'claims_id_token_sub_value',
      situation: 'the session is of the subject asked for',
      context: context({ subject: { requested: 'usr_1', session: 'usr_1' } }),
      prompts: false,
    },
    {
      check: subjectMismatch,
      name: 'claims_id_token_sub_value',
      situation: 'signed in for this interaction (the engine compares who signed in)',
      context: context({ subject: { requested: 'usr_2', session: 'usr_1' }, login }),
      prompts: false,
    },
    { check: consentPromptCheck, name: 'consent_prompt', situation: 'prompt=consent', context: context({ prompt: ['consent'] }), prompts: true },
    {
      check: consentPromptCheck,
      name: 'consent_prompt',
      situation: 'prompt=consent, consented in this interaction',
      context: context({ prompt: ['consent'], consent: ['openid'] }),
      prompts: false,
    },
    { check: consentPromptCheck, name: 'consent_prompt', situation: 'no prompt', context: context(), prompts: false },
    { check: consentMissing, name: 'consent_missing', situation: 'not covered', context: context({ covered: false }), prompts: true },
    { check: consentMissing, name: 'consent_missing', situation: 'covered', context: context({ covered: true }), prompts: false },
    {
      check: consentMissing,
      name: 'consent_missing',
      situation: 'not covered, consented in this interaction',
      context: context({ covered: false, consent: ['openid'] }),
      prompts: false,
    },
    {
      check: unverifiedEmail,
      name: 'unverified_email',
      situation: 'an unverified address, the app requires one',
      context: context({ email: { verificationRequired: true, verified: false } }),
      prompts: true,
    },
    {
      check: unverifiedEmail,
      name: 'unverified_email',
      situation: 'a verified address, the app requires one',
      context: context({ email: { verificationRequired: true, verified: true } }),
      prompts: false,
    },
    {
      check: unverifiedEmail,
      name: 'unverified_email',
      situation: 'an unverified address, the app does not require one',
      context: context({ email: { verificationRequired: false, verified: false } }),
      prompts: false,
    },
    { check: deviceConfirmation, name: 'device_confirmation', situation: 'covered by earlier consent', context: context({ covered: true }), prompts: true },
    { check: deviceConfirmation, name: 'device_confirmation', situation: 'confirmed', context: context({ consent: ['openid'] }), prompts: false },
  ];
  for (const { check, name, situation, context: given, prompts } of cases) {
    test(`${name} with ${situation}: ${prompts ? 'asks' : 'does not ask'}`, async () => {
      assert.equal(check.name, name);
      assert.equal(await check.needsPrompt(given), prompts);
    });
  }

  test("for prompt=none, login checks answer login_required and consent checks consent_required, in today's words", () => {
    for (const check of [noSession, loginPromptCheck, maxAgeCheck]) assert.deepEqual(check.error, loginRequired, check.name);
    for (const check of [consentPromptCheck, consentMissing, deviceConfirmation]) assert.deepEqual(check.error, consentRequired, check.name);
  });

  test('for prompt=none, an unverified address answers interaction_required (OIDC Core §3.1.2.6)', () => {
    assert.equal(unverifiedEmail.error.code, 'interaction_required');
    assert.match(unverifiedEmail.error.description, /verified email address/);
  });

  test('every check says what it requires', () => {
    for (const check of [noSession, loginPromptCheck, maxAgeCheck, unverifiedEmail, consentPromptCheck, consentMissing, deviceConfirmation]) {
      assert.ok(check.requires.length > 10, check.name);
    }
  });
});

describe('the prompts, as lists of checks in order', () => {
  test('the login prompt checks no_session, login_prompt, max_age, claims_id_token_sub_value; the consent prompt consent_prompt, consent_missing', () => {
    assert.deepEqual(
      loginPolicy.checks.map((check) => check.name),
      ['no_session', 'login_prompt', 'max_age', 'claims_id_token_sub_value'],
    );
    assert.deepEqual(
      consentPolicy.checks.map((check) => check.name),
      ['consent_prompt', 'consent_missing'],
    );
    assert.deepEqual(
      verifiedEmailPolicy.checks.map((check) => check.name),
      ['unverified_email'],
    );
    assert.deepEqual(
      deviceLoginPolicy.checks.map((check) => check.name),
      ['no_session'],
    );
    assert.deepEqual(
      deviceConsentPolicy.checks.map((check) => check.name),
      ['device_confirmation'],
    );
  });

  const cases: { situation: string; context: PolicyContext; login: string | undefined; consent: string | undefined }[] = [
    { situation: 'no session, prompt=login', context: context({ session: undefined, prompt: ['login'] }), login: 'no_session', consent: undefined },
    { situation: 'prompt=login and max_age=0', context: context({ prompt: ['login'], maxAge: 0 }), login: 'login_prompt', consent: undefined },
    { situation: 'max_age=0 only', context: context({ maxAge: 0 }), login: 'max_age', consent: undefined },
    {
      situation: 'a fresh sign-in, prompt=consent, not covered',
      context: context({ login, prompt: ['consent'], covered: false }),
      login: undefined,
      consent: 'consent_prompt',
    },
    { situation: 'a session, not covered', context: context({ covered: false }), login: undefined, consent: 'consent_missing' },
    { situation: 'a session, covered', context: context(), login: undefined, consent: undefined },
    {
      situation: 'signed in and consented in this interaction',
      context: context({ login, consent: ['openid'], prompt: ['login', 'consent'], maxAge: 0, covered: false }),
      login: undefined,
      consent: undefined,
    },
  ];
  for (const { situation, context: given, login: loginCheck, consent: consentCheck } of cases) {
    test(`${situation}: login ${loginCheck ?? 'passes'}, consent ${consentCheck ?? 'passes'}`, async () => {
      assert.equal((await failingCheck(loginPolicy, given))?.name, loginCheck);
      assert.equal((await failingCheck(consentPolicy, given))?.name, consentCheck);
    });
  }

  test('consent coverage is looked up only when no earlier check decided', async () => {
    let lookups = 0;
    const counting = { ...context({ prompt: ['consent'] }), consentCovered: () => (lookups++, Promise.resolve(false)) };
    assert.equal((await failingCheck(consentPolicy, counting))?.name, 'consent_prompt');
    assert.equal(lookups, 0);
  });
});
